import {
  Anchor,
  Badge,
  Button,
  Divider,
  Drawer,
  Group,
  NumberInput,
  Paper,
  Popover,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Timeline,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowRight,
  IconCirclePlus,
  IconEyeOff,
  IconPencil,
  IconRotate,
  IconThumbDown,
  IconTrash,
  IconTrophy,
} from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Deal, DealDetail, DealHistoryEntry, Pipeline } from '../../../../contracts/deals.ts';
import type { LifecycleStage } from '../../../../contracts/leads.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { OwnerSelect } from '../../components/leads/OwnerSelect.tsx';
import { StageBadge } from '../../components/leads/StageBadge.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { commonCurrencies, toMajor, toMinor } from '../campaigns/money.ts';
import { canSell, useDeal, useDeleteDeal, usePatchDeal } from './api.ts';
import { type LeadOption, LeadPicker } from './DealDialogs.tsx';
import { daysInStage, formatDay, formatMoney, minorDigits } from './format.ts';

const statusColor = { open: 'blue', won: 'teal', lost: 'red' } as const;

type DealDrawerProps = {
  dealId: string | null;
  pipeline: Pipeline | undefined;
  onClose: () => void;
  onWon: (deal: Deal) => void;
  onLost: (deal: Deal) => void;
  onReopen: (deal: Deal) => void;
};

/** A deal's details, linked leads and stage history, with edit and close actions. */
export function DealDrawer({ dealId, pipeline, onClose, onWon, onLost, onReopen }: DealDrawerProps) {
  const deal = useDeal(dealId);
  const role = useSession().data?.role;
  const [editing, setEditing] = useState(false);
  const d = deal.data;
  return (
    <Drawer
      opened={dealId !== null}
      onClose={() => {
        setEditing(false);
        onClose();
      }}
      position="right"
      size="lg"
      title={d ? d.name : 'Deal'}
    >
      <ErrorAlert error={deal.error} title="The deal could not be loaded" />
      {deal.isPending && dealId ? (
        <Stack>
          <Skeleton h={80} />
          <Skeleton h={160} />
          <Skeleton h={200} />
        </Stack>
      ) : d ? (
        <Stack gap="lg">
          <Group justify="space-between">
            <Group gap="xs">
              <Badge color={statusColor[d.status]} variant="filled">
                {d.status === 'open' ? 'Open' : d.status === 'won' ? 'Won' : 'Lost'}
              </Badge>
              <Badge variant="light" color="gray">
                {d.stageName} · {d.probability} %
              </Badge>
            </Group>
            {canSell(role) ? (
              <Tooltip
                label={`${d.ownerName ?? 'Its owner'}'s deal: its owner, their manager or an admin changes it`}
                disabled={d.canChange}
              >
                <Group gap="xs">
                  {d.status === 'open' ? (
                    <>
                      <Button
                        size="xs"
                        variant="default"
                        leftSection={<IconPencil size={14} />}
                        onClick={() => setEditing((e) => !e)}
                        disabled={!d.canChange}
                      >
                        Edit
                      </Button>
                      <Button
                        size="xs"
                        color="teal"
                        leftSection={<IconTrophy size={14} />}
                        onClick={() => onWon(d)}
                        disabled={!d.canChange}
                      >
                        Won
                      </Button>
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        leftSection={<IconThumbDown size={14} />}
                        onClick={() => onLost(d)}
                        disabled={!d.canChange}
                      >
                        Lost
                      </Button>
                    </>
                  ) : (
                    <Button
                      size="xs"
                      variant="default"
                      leftSection={<IconRotate size={14} />}
                      onClick={() => onReopen(d)}
                      disabled={!d.canChange}
                    >
                      Reopen
                    </Button>
                  )}
                  <DeleteDeal deal={d} onDeleted={onClose} />
                </Group>
              </Tooltip>
            ) : (
              <Text size="xs" c="dimmed">
                Read only: sales changes deals
              </Text>
            )}
          </Group>
          {editing ? (
            <EditDeal deal={d} onDone={() => setEditing(false)} />
          ) : (
            <Facts deal={d} pipeline={pipeline} />
          )}
          <div>
            <Title order={4} mb="xs">
              Leads
            </Title>
            <Stack gap={6} role="list" aria-label="Linked leads">
              {d.leads.map((l) => (
                <Group key={l.id} justify="space-between" role="listitem" wrap="nowrap">
                  <div style={{ minWidth: 0 }}>
                    <Anchor component={Link} to={`/leads/${encodeURIComponent(l.id)}`} size="sm" fw={500}>
                      {l.name}
                    </Anchor>
                    <Text size="xs" c="dimmed" truncate>
                      {[l.primary ? 'Primary lead' : null, l.email === l.name ? null : l.email]
                        .filter(Boolean)
                        .join(' · ')}
                    </Text>
                  </div>
                  <StageBadge stage={l.stage as LifecycleStage} size="sm" />
                </Group>
              ))}
              {d.hiddenLeads > 0 ? (
                <Group gap={6} role="listitem" c="dimmed">
                  <IconEyeOff size={14} />
                  <Text size="sm" c="dimmed">
                    {d.hiddenLeads === 1
                      ? '1 more linked lead, outside your leads'
                      : `${d.hiddenLeads} more linked leads, outside your leads`}
                  </Text>
                </Group>
              ) : null}
            </Stack>
          </div>
          <Divider />
          <div>
            <Title order={4} mb="sm">
              Stage history
            </Title>
            <History history={d.history} />
          </div>
        </Stack>
      ) : null}
    </Drawer>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

function Facts({ deal: d, pipeline }: { deal: DealDetail; pipeline: Pipeline | undefined }) {
  return (
    <Paper withBorder radius="md" p="md">
      <SimpleGrid cols={2} spacing="md">
        <Fact label="Amount">{d.amount ? formatMoney(d.amount.amount, d.amount.currency) : '—'}</Fact>
        <Fact label="Weighted">
          {d.amount && d.weightedAmount !== null ? formatMoney(d.weightedAmount, d.amount.currency) : '—'}
        </Fact>
        <Fact label="Owner">{d.ownerName ?? '—'}</Fact>
        <Fact label="Company">
          {d.companyId ? (
            <Anchor component={Link} to={`/companies/${encodeURIComponent(d.companyId)}`} size="sm">
              {d.companyName}
            </Anchor>
          ) : (
            '—'
          )}
        </Fact>
        <Fact label="Expected close">{formatDay(d.expectedCloseDate)}</Fact>
        <Fact label={d.status === 'open' ? 'In this stage' : d.status === 'won' ? 'Won' : 'Lost'}>
          {d.status === 'open' ? daysInStage(d.stageEnteredAt) : formatDateTime(d.closedAt)}
        </Fact>
        {d.lostReason ? (
          <Fact label="Lost reason">
            {d.lostReason.label}
            {d.lostReason.note ? (
              <Text size="xs" c="dimmed">
                {d.lostReason.note}
              </Text>
            ) : null}
          </Fact>
        ) : null}
        <Fact label="Pipeline">{pipeline?.id === d.pipelineId ? pipeline.name : '—'}</Fact>
      </SimpleGrid>
    </Paper>
  );
}

const historyIcon = {
  created: <IconCirclePlus size={12} />,
  moved: <IconArrowRight size={12} />,
  won: <IconTrophy size={12} />,
  lost: <IconThumbDown size={12} />,
  reopened: <IconRotate size={12} />,
};

function History({ history }: { history: DealHistoryEntry[] }) {
  const rows = [...history].reverse();
  return (
    <Timeline bulletSize={22} lineWidth={2} active={rows.length} aria-label="Stage history">
      {rows.map((h) => (
        <Timeline.Item
          key={h.id}
          bullet={historyIcon[h.kind]}
          color={h.kind === 'won' ? 'teal' : h.kind === 'lost' ? 'red' : 'blue'}
          title={
            <Text size="sm" fw={600}>
              {h.kind === 'created'
                ? `Opened in ${h.to.name}`
                : h.kind === 'won'
                  ? `Won (from ${h.from?.name ?? '—'})`
                  : h.kind === 'lost'
                    ? `Lost (from ${h.from?.name ?? '—'})`
                    : h.kind === 'reopened'
                      ? `Reopened into ${h.to.name}`
                      : `${h.from?.name ?? '—'} → ${h.to.name}`}
            </Text>
          }
        >
          <Text size="xs" c="dimmed">
            {formatDateTime(h.at)} · {h.actor.label ?? h.actor.type}
          </Text>
          {h.reason ? <Text size="sm">{h.reason}</Text> : null}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

const currencies = (() => {
  try {
    return [
      ...commonCurrencies,
      ...Intl.supportedValuesOf('currency').filter((c) => !commonCurrencies.includes(c)),
    ];
  } catch {
    return commonCurrencies;
  }
})();

function EditDeal({ deal, onDone }: { deal: DealDetail; onDone: () => void }) {
  const patch = usePatchDeal();
  const [name, setName] = useState(deal.name);
  const [amount, setAmount] = useState<number | ''>(
    deal.amount ? toMajor(deal.amount.amount, deal.amount.currency) : '',
  );
  const [currency, setCurrency] = useState(deal.amount?.currency ?? 'EUR');
  const [close, setClose] = useState(deal.expectedCloseDate ?? '');
  const [ownerId, setOwnerId] = useState<string | null>(deal.ownerId);
  const [leads, setLeads] = useState<LeadOption[]>(deal.leads.map((l) => ({ id: l.id, label: l.name })));
  const leadsChanged = leads.map((l) => l.id).join() !== deal.leads.map((l) => l.id).join();
  const error = patch.error instanceof ApiError ? patch.error : null;
  return (
    <Paper withBorder radius="md" p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          patch.mutate(
            {
              id: deal.id,
              patch: {
                name: name.trim(),
                amount: amount === '' ? null : { amount: toMinor(amount, currency), currency },
                expectedCloseDate: close || null,
                ...(ownerId && ownerId !== deal.ownerId ? { ownerId } : {}),
                ...(leadsChanged ? { leadIds: leads.map((l) => l.id) } : {}),
              },
            },
            {
              onSuccess: () => {
                notifications.show({ color: 'green', message: 'Deal saved' });
                onDone();
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={error?.fieldError('name')}
          />
          <LeadPicker
            value={leads}
            onChange={setLeads}
            {...(deal.hiddenLeads > 0
              ? {
                  description: `${deal.hiddenLeads} more linked ${deal.hiddenLeads === 1 ? 'lead' : 'leads'}, outside your leads, ${deal.hiddenLeads === 1 ? 'stays' : 'stay'} linked`,
                }
              : {})}
            error={error?.details.find((d) => d.field.startsWith('leadIds'))?.message}
          />
          <SimpleGrid cols={2}>
            <NumberInput
              label="Amount"
              min={0}
              decimalScale={minorDigits(currency)}
              thousandSeparator=","
              value={amount}
              onChange={(v) => setAmount(typeof v === 'number' ? v : v === '' ? '' : Number(v))}
              error={error?.fieldError('amount.amount')}
            />
            <Select
              label="Currency"
              searchable
              data={currencies}
              value={currency}
              onChange={(v) => v && setCurrency(v)}
              allowDeselect={false}
              error={error?.fieldError('amount.currency')}
            />
            <TextInput
              type="date"
              label="Expected close"
              value={close}
              onChange={(e) => setClose(e.currentTarget.value)}
              error={error?.fieldError('expectedCloseDate')}
            />
            <OwnerSelect
              label="Owner"
              value={ownerId}
              onChange={setOwnerId}
              allowUnassigned={false}
              error={error?.fieldError('ownerId')}
            />
          </SimpleGrid>
          <ErrorAlert
            error={
              error?.details.every((x) => !['name', 'ownerId', 'expectedCloseDate'].includes(x.field))
                ? error
                : null
            }
            title="The deal was not saved"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onDone}>
              Cancel
            </Button>
            <Button type="submit" loading={patch.isPending} disabled={!name.trim() || leads.length === 0}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/** Deletes a deal made by mistake, after asking; its leads keep their stage. */
function DeleteDeal({ deal, onDeleted }: { deal: DealDetail; onDeleted: () => void }) {
  const [opened, setOpened] = useState(false);
  const remove = useDeleteDeal();
  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-end"
      withArrow
      shadow="md"
      width={280}
      transitionProps={{ transition: 'pop', duration: 80 }}
    >
      <Popover.Target>
        <Button
          size="xs"
          variant="subtle"
          color="red"
          leftSection={<IconTrash size={14} />}
          onClick={() => setOpened((o) => !o)}
          disabled={!deal.canChange}
        >
          Delete
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <Text size="sm" fw={600}>
            Delete “{deal.name}”?
          </Text>
          <Text size="xs" c="dimmed">
            For a deal made by mistake. Its history goes with it; its leads keep their stage. To record an
            outcome, mark it lost instead.
          </Text>
          <ErrorAlert error={remove.error} title="The deal was not deleted" />
          <Group justify="flex-end" gap="xs">
            <Button size="xs" variant="default" onClick={() => setOpened(false)}>
              Keep it
            </Button>
            <Button
              size="xs"
              color="red"
              loading={remove.isPending}
              onClick={() =>
                remove.mutate(deal.id, {
                  onSuccess: () => {
                    setOpened(false);
                    notifications.show({ color: 'gray', message: `Deal “${deal.name}” deleted` });
                    onDeleted();
                  },
                })
              }
            >
              Delete deal
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
