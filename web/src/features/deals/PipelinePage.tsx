import {
  ActionIcon,
  Avatar,
  Badge,
  Box,
  Button,
  EmptyState,
  Group,
  Menu,
  Paper,
  ScrollArea,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Switch,
  Text,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowRight,
  IconCalendarEvent,
  IconClock,
  IconDots,
  IconLayoutKanban,
  IconPlus,
  IconRotate,
  IconSettings,
  IconThumbDown,
  IconTrophy,
} from '@tabler/icons-react';
import { type DragEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { BoardColumn, Deal, Pipeline, PipelineStage } from '../../../../contracts/deals.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useDirectory } from '../../components/leads/queries.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { canSell, canShapePipelines, useBoard, useDeal, useMoveDeal, usePipelines } from './api.ts';
import { LostDialog, NewDealDialog, ReopenDialog, WonDialog } from './DealDialogs.tsx';
import { DealDrawer } from './DealDrawer.tsx';
import { daysInStage, daysSince, formatDate, formatDay, formatMoney, formatTotals } from './format.ts';

const kindColor = { open: 'blue', won: 'teal', lost: 'red' } as const;

/** What a drop or a "Move to…" asks for: a plain move, or a dialog first. */
type Pending =
  | { kind: 'won'; deal: Deal }
  | { kind: 'lost'; deal: Deal }
  | { kind: 'reopen'; deal: Deal; stageId: string | null };

/** The pipeline as a Kanban board: drag cards between stages, or use each card's "Move to…" menu. */
export function PipelinePage() {
  const session = useSession().data;
  const pipelines = usePipelines();
  const directory = useDirectory();
  const [params, setParams] = useSearchParams();
  const list = pipelines.data?.data ?? [];
  // A link to a deal (?deal=…) opens its own pipeline.
  const focused = useDeal(params.get('deal'));
  const pipelineId =
    params.get('pipeline') ??
    focused.data?.pipelineId ??
    list.find((p) => p.isDefault)?.id ??
    list[0]?.id ??
    null;
  const mine = params.get('mine') === '1';
  const ownerId = mine ? (session?.id ?? null) : params.get('owner');
  const board = useBoard(pipelineId, ownerId);
  const move = useMoveDeal();
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const sells = canSell(session?.role);
  const pipeline = board.data?.pipeline ?? list.find((p) => p.id === pipelineId);

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes))
      if (v) next.set(k, v);
      else next.delete(k);
    setParams(next);
  };

  /** Moves a deal to a stage (at an index of its column), or opens the dialog that stage needs. */
  function moveTo(deal: Deal, stage: PipelineStage, position?: number) {
    if (stage.kind === 'won') {
      if (deal.status === 'open') setPending({ kind: 'won', deal });
      return;
    }
    if (stage.kind === 'lost') {
      if (deal.status === 'open') setPending({ kind: 'lost', deal });
      return;
    }
    if (deal.status !== 'open') {
      setPending({ kind: 'reopen', deal, stageId: stage.id });
      return;
    }
    if (stage.id === deal.stageId && position === undefined) return;
    move.mutate(
      { id: deal.id, move: { stageId: stage.id, ...(position === undefined ? {} : { position }) } },
      {
        onSuccess: (d) =>
          stage.id !== deal.stageId && notifications.show({ message: `${d.name} moved to ${d.stageName}` }),
        onError: (e) => notifications.show({ color: 'red', title: 'Not moved', message: e.message }),
      },
    );
  }

  const open = board.data?.columns.filter((c) => c.stage.kind === 'open') ?? [];
  const cards = new Map((board.data?.columns ?? []).flatMap((c) => c.deals.map((d) => [d.id, d] as const)));
  const sum = (pick: (c: BoardColumn) => { amount: number; currency: string }[]) => {
    const m = new Map<string, number>();
    for (const c of open) for (const x of pick(c)) m.set(x.currency, (m.get(x.currency) ?? 0) + x.amount);
    return [...m].map(([currency, amount]) => ({ amount, currency }));
  };

  return (
    <>
      <PageHeader
        title="Pipeline"
        description="Open deals by stage. Drag a card to another stage, or use its menu; dropping on Won or Lost closes the deal and moves its leads along the lifecycle."
        actions={
          <>
            {canShapePipelines(session?.role) ? (
              <Button
                component={Link}
                to="/pipeline/settings"
                variant="default"
                leftSection={<IconSettings size={16} />}
              >
                Pipeline settings
              </Button>
            ) : null}
            {sells ? (
              <Button
                leftSection={<IconPlus size={16} />}
                onClick={() => setCreating(true)}
                disabled={!pipeline}
              >
                New deal
              </Button>
            ) : null}
          </>
        }
      />
      <Group align="flex-end" mb="md" gap="md">
        <Select
          label="Pipeline"
          w={240}
          data={list.map((p) => ({ value: p.id, label: p.isDefault ? `${p.name} (default)` : p.name }))}
          value={pipelineId}
          onChange={(v) => set({ pipeline: v })}
          allowDeselect={false}
          disabled={pipelines.isPending}
        />
        <Select
          label="Owner"
          w={220}
          searchable
          data={[
            { value: '', label: 'Everyone' },
            ...(directory.data?.data ?? [])
              .filter((u) => u.active && u.role !== 'marketing')
              .map((u) => ({ value: u.id, label: u.name })),
          ]}
          value={mine ? (session?.id ?? '') : (params.get('owner') ?? '')}
          onChange={(v) => set({ owner: v || null, mine: null })}
          allowDeselect={false}
          disabled={mine}
        />
        <Switch
          label="Only my deals"
          checked={mine}
          onChange={(e) => set({ mine: e.currentTarget.checked ? '1' : null, owner: null })}
          mb={8}
        />
      </Group>
      <ErrorAlert error={pipelines.error ?? board.error} title="The board could not be loaded" />
      {board.data ? (
        <SimpleGrid cols={{ base: 1, sm: 3 }} mb="md">
          <Stat label="Open deals" value={String(open.reduce((n, c) => n + c.count, 0))} />
          <Stat label="Open pipeline" value={formatTotals(sum((c) => c.totals))} />
          <Stat label="Weighted forecast" value={formatTotals(sum((c) => c.weighted))} />
        </SimpleGrid>
      ) : null}
      {board.isPending || !pipeline ? (
        board.error || pipelines.error ? null : (
          <Group align="flex-start" wrap="nowrap" gap="md">
            {[1, 2, 3, 4, 5].map((i) => (
              <Skeleton key={i} h={360} w={216} radius="md" />
            ))}
          </Group>
        )
      ) : (
        <ScrollArea type="auto" offsetScrollbars>
          <Group align="flex-start" wrap="nowrap" gap="md" pb="md" aria-label="Board">
            {board.data!.columns.map((column) => (
              <Column
                key={column.stage.id}
                column={column}
                pipeline={pipeline}
                canMove={sells}
                onMove={moveTo}
                onReopen={(deal) => setPending({ kind: 'reopen', deal, stageId: null })}
                onOpen={(id) => set({ deal: id })}
                findDeal={(id) => cards.get(id)}
              />
            ))}
          </Group>
        </ScrollArea>
      )}
      {board.data?.columns.every((c) => c.count === 0) ? (
        <Paper withBorder radius="md" p="xl" mt="md">
          <EmptyState
            icon={<IconLayoutKanban size={22} />}
            title={ownerId ? 'No deals for this owner here' : 'No deals in this pipeline yet'}
            description="Open a deal from a qualified lead (its page has “Open deal”) or with New deal above."
          />
        </Paper>
      ) : null}

      {pipeline ? (
        <NewDealDialog
          opened={creating}
          onClose={() => setCreating(false)}
          pipelines={list}
          pipelineId={pipeline.id}
          onCreated={(d) => set({ deal: d.id })}
        />
      ) : null}
      <WonDialog deal={pending?.kind === 'won' ? pending.deal : null} onClose={() => setPending(null)} />
      <LostDialog
        deal={pending?.kind === 'lost' ? pending.deal : null}
        reasons={pipeline?.lostReasons ?? []}
        onClose={() => setPending(null)}
      />
      <ReopenDialog
        deal={pending?.kind === 'reopen' ? pending.deal : null}
        stageId={pending?.kind === 'reopen' ? pending.stageId : null}
        pipeline={pipeline}
        onClose={() => setPending(null)}
      />
      <DealDrawer
        dealId={params.get('deal')}
        pipeline={pipeline}
        onClose={() => set({ deal: null })}
        onWon={(deal) => setPending({ kind: 'won', deal })}
        onLost={(deal) => setPending({ kind: 'lost', deal })}
        onReopen={(deal) => setPending({ kind: 'reopen', deal, stageId: null })}
      />
    </>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text fz={22} fw={700}>
        {value}
      </Text>
    </Paper>
  );
}

type ColumnProps = {
  column: BoardColumn;
  pipeline: Pipeline;
  canMove: boolean;
  onMove: (deal: Deal, stage: PipelineStage, position?: number) => void;
  onReopen: (deal: Deal) => void;
  onOpen: (dealId: string) => void;
  /** Any card on the board, by id (a drop may come from another column). */
  findDeal: (id: string) => Deal | undefined;
};

const dragType = 'application/x-leadloop-deal';

function Column({ column, pipeline, canMove, onMove, onReopen, onOpen, findDeal }: ColumnProps) {
  const [over, setOver] = useState(false);
  const { stage } = column;
  const closed = stage.kind !== 'open';

  function onDrop(e: DragEvent<HTMLDivElement>) {
    e.preventDefault();
    setOver(false);
    const id = e.dataTransfer.getData(dragType) || e.dataTransfer.getData('text/plain');
    const deal = findDeal(id);
    if (!deal) return;
    // The drop's place among the column's cards (the dragged card itself does not count).
    const cards = [...e.currentTarget.querySelectorAll<HTMLElement>('[data-deal-id]')].filter(
      (el) => el.dataset.dealId !== id,
    );
    const index = cards.findIndex((el) => {
      const r = el.getBoundingClientRect();
      return e.clientY < r.top + r.height / 2;
    });
    onMove(deal, stage, closed ? undefined : index === -1 ? cards.length : index);
  }
  return (
    <Paper
      withBorder
      radius="md"
      p="sm"
      miw={216}
      maw={340}
      style={{ flex: '1 0 216px', borderStyle: over ? 'dashed' : undefined, transition: 'background 120ms' }}
      bg={over ? `var(--mantine-color-${kindColor[stage.kind]}-light)` : 'var(--mantine-color-default-hover)'}
      role="region"
      aria-label={`${stage.name} column`}
      data-stage={stage.name}
      onDragOver={(e) => {
        if (!canMove) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
        if (!over) setOver(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={onDrop}
    >
      <Stack gap={2} mb="sm">
        <Group justify="space-between" wrap="nowrap" gap={6}>
          <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
            {stage.kind === 'won' ? <IconTrophy size={16} color="var(--mantine-color-teal-6)" /> : null}
            {stage.kind === 'lost' ? <IconThumbDown size={16} color="var(--mantine-color-red-6)" /> : null}
            <Text fw={700} truncate>
              {stage.name}
            </Text>
          </Group>
          <Badge
            size="md"
            variant="light"
            color={kindColor[stage.kind]}
            style={{ flexShrink: 0 }}
            aria-label={`${column.count} deals`}
          >
            {column.count}
          </Badge>
        </Group>
        <Text size="sm" fw={600} data-testid="column-total">
          {formatTotals(column.totals)}
        </Text>
        <Text size="xs" c="dimmed" data-testid="column-weighted">
          {stage.kind === 'open' ? (
            <>
              <Tooltip label="Win probability of this stage">
                <span>{stage.probability} %</span>
              </Tooltip>
              {` · weighted ${formatTotals(column.weighted)}`}
            </>
          ) : stage.kind === 'won' ? (
            'Closed won'
          ) : (
            'Closed lost'
          )}
        </Text>
      </Stack>
      <Stack gap="xs" mih={80}>
        {column.deals.length === 0 ? (
          <Text
            size="xs"
            c="dimmed"
            ta="center"
            py="lg"
            style={{ border: '1px dashed var(--mantine-color-default-border)', borderRadius: 8 }}
          >
            {canMove
              ? closed
                ? `Drop a deal here to mark it ${stage.kind}`
                : 'Drop a deal here'
              : 'No deals'}
          </Text>
        ) : (
          column.deals.map((deal) => (
            <DealCard
              key={deal.id}
              deal={deal}
              pipeline={pipeline}
              canMove={canMove}
              onMove={onMove}
              onReopen={onReopen}
              onOpen={onOpen}
            />
          ))
        )}
        {column.count > column.deals.length ? (
          <Text size="xs" c="dimmed" ta="center">
            {column.count - column.deals.length} more not shown; filter by owner to narrow the board
          </Text>
        ) : null}
      </Stack>
    </Paper>
  );
}

type DealCardProps = Omit<ColumnProps, 'column' | 'findDeal'> & { deal: Deal };

function DealCard({ deal, pipeline, canMove, onMove, onReopen, onOpen }: DealCardProps) {
  const [dragging, setDragging] = useState(false);
  const others = pipeline.stages.filter((s) => s.id !== deal.stageId);
  return (
    <Paper
      withBorder
      radius="md"
      p="sm"
      shadow={dragging ? 'md' : 'xs'}
      draggable={canMove}
      data-deal-id={deal.id}
      data-testid="deal-card"
      aria-label={deal.name}
      role="article"
      style={{ cursor: canMove ? 'grab' : undefined, opacity: dragging ? 0.5 : 1 }}
      onDragStart={(e) => {
        e.dataTransfer.setData(dragType, deal.id);
        e.dataTransfer.setData('text/plain', deal.id);
        e.dataTransfer.effectAllowed = 'move';
        setDragging(true);
      }}
      onDragEnd={() => setDragging(false)}
    >
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap={4}>
        <UnstyledButton
          onClick={() => onOpen(deal.id)}
          style={{ minWidth: 0 }}
          aria-label={`Open ${deal.name}`}
        >
          <Text fw={600} size="sm" lineClamp={2} style={{ wordBreak: 'break-word' }}>
            {deal.name}
          </Text>
        </UnstyledButton>
        {canMove ? (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Move ${deal.name}`}>
                <IconDots size={16} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Move to…</Menu.Label>
              {deal.status !== 'open' ? (
                <Menu.Item leftSection={<IconRotate size={14} />} onClick={() => onReopen(deal)}>
                  Reopen…
                </Menu.Item>
              ) : null}
              {others.map((s) => (
                <Menu.Item
                  key={s.id}
                  leftSection={
                    s.kind === 'won' ? (
                      <IconTrophy size={14} />
                    ) : s.kind === 'lost' ? (
                      <IconThumbDown size={14} />
                    ) : (
                      <IconArrowRight size={14} />
                    )
                  }
                  color={s.kind === 'lost' ? 'red' : s.kind === 'won' ? 'teal' : undefined}
                  disabled={deal.status !== 'open' && s.kind !== 'open'}
                  onClick={() => onMove(deal, s)}
                >
                  {s.kind !== 'open'
                    ? `${s.name}…`
                    : deal.status === 'open'
                      ? s.name
                      : `Reopen into ${s.name}…`}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        ) : null}
      </Group>
      {deal.companyName ? (
        <Text size="xs" c="dimmed" truncate>
          {deal.companyName}
        </Text>
      ) : null}
      <Group justify="space-between" mt={6} wrap="nowrap">
        <Text size="sm" fw={600}>
          {deal.amount ? formatMoney(deal.amount.amount, deal.amount.currency) : 'No amount'}
        </Text>
        {deal.ownerName ? (
          <Tooltip label={`Owner: ${deal.ownerName}`}>
            <Avatar size={22} radius="xl" color="blue" aria-label={`Owner ${deal.ownerName}`}>
              {initials(deal.ownerName)}
            </Avatar>
          </Tooltip>
        ) : null}
      </Group>
      <Group gap={8} mt={4} c="dimmed" wrap="nowrap">
        {deal.status === 'lost' && deal.lostReason ? (
          <Text size="xs" c="red" truncate>
            {deal.lostReason.label}
          </Text>
        ) : (
          <>
            <Tooltip label={deal.status === 'won' ? 'Closed' : 'Expected close'}>
              <Group gap={3} wrap="nowrap" style={{ minWidth: 0 }}>
                <IconCalendarEvent size={12} style={{ flexShrink: 0 }} />
                <Text size="xs" truncate>
                  {deal.status === 'won' && deal.closedAt
                    ? `Won ${formatDate(deal.closedAt)}`
                    : deal.expectedCloseDate
                      ? formatDay(deal.expectedCloseDate)
                      : 'No close date'}
                </Text>
              </Group>
            </Tooltip>
            <Box style={{ flex: 1 }} />
            {deal.status === 'open' ? (
              <Tooltip label={`In ${deal.stageName} since ${formatDateTime(deal.stageEnteredAt)}`}>
                <Group
                  gap={3}
                  wrap="nowrap"
                  style={{ flexShrink: 0 }}
                  aria-label={daysInStage(deal.stageEnteredAt)}
                >
                  <IconClock size={12} />
                  <Text size="xs">{shortDays(deal.stageEnteredAt)}</Text>
                </Group>
              </Tooltip>
            ) : null}
          </>
        )}
      </Group>
    </Paper>
  );
}

/** Days in the stage, short: "today", "1 day", "12 days". */
function shortDays(iso: string): string {
  const d = daysSince(iso);
  return d === 0 ? 'today' : d === 1 ? '1 day' : `${d} days`;
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}
