import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowBackUp,
  IconArrowRight,
  IconBan,
  IconFlag,
  IconRecycle,
  IconSwitchHorizontal,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type LifecycleStage, stageLabels } from '../../../../contracts/leads.ts';
import {
  bantLabels,
  funnelStages,
  type LeadStages,
  type PolicyVersion,
  type StageChangeInput,
  type StageHistoryEntry,
} from '../../../../contracts/lifecycle.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';

const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: '2-digit' });
const formatDate = (iso: string) => dateFormat.format(new Date(iso));

import { ErrorAlert } from '../ErrorAlert.tsx';
import { leadsKey } from '../leads/queries.ts';
import { StageBadge, stageColors } from '../leads/StageBadge.tsx';

const stagesKey = (id: string) => [...leadsKey, 'detail', id, 'stages'] as const;
const stagesPath = (id: string) => `/api/v1/leads/${encodeURIComponent(id)}/stages`;

const kindLabels: Record<StageHistoryEntry['kind'], string> = {
  initial: 'entered',
  historical: 'imported',
  forward: 'moved forward',
  recycle: 'recycled',
  disqualify: 'disqualified',
  reopen: 'reopened',
};

function iconOf(kind: StageHistoryEntry['kind']) {
  switch (kind) {
    case 'initial':
      return <IconFlag size={12} />;
    case 'recycle':
      return <IconRecycle size={12} />;
    case 'disqualify':
      return <IconBan size={12} />;
    case 'reopen':
      return <IconArrowBackUp size={12} />;
    case 'historical':
    case 'forward':
      return <IconArrowRight size={12} />;
  }
}

/** The lead's stage, history and allowed moves (one query shared by the card and the timeline). */
export function useLeadStages(leadId: string) {
  return useQuery({
    queryKey: stagesKey(leadId),
    queryFn: () => api<LeadStages>('GET', stagesPath(leadId)),
  });
}

/** How a move reads in a sentence: "Moved from MQL to Recycled", "Entered as Lead". */
export function describeMove(h: StageHistoryEntry): string {
  const to = stageLabels[h.to];
  if (!h.from) return `Entered as ${to}`;
  return `${h.kind === 'reopen' ? 'Reopened' : 'Moved'} from ${stageLabels[h.from]} to ${to}`;
}

/** The bullet for a move of this kind. */
export function moveIcon(kind: StageHistoryEntry['kind']) {
  return iconOf(kind);
}

/** The lead's stage history: the funnel with the date each stage was entered, and every move. */
export function StageHistoryCard({
  leadId,
  canChange,
  lockedReason,
}: {
  leadId: string;
  canChange: boolean;
  /** Why the caller's role offers no move here (shown on a disabled button when none is offered). */
  lockedReason?: string;
}) {
  const stages = useLeadStages(leadId);
  const [changing, setChanging] = useState(false);
  if (stages.isPending) return <Skeleton h={220} radius="md" />;
  if (stages.error) return <ErrorAlert error={stages.error} />;
  const s = stages.data;
  const funnelIndex = (funnelStages as readonly string[]).indexOf(s.stage);
  const history = [...s.history].reverse();
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Stage history">
      <Group justify="space-between" mb="md">
        <Group gap="xs">
          <Title order={3} size="h4">
            Lifecycle
          </Title>
          <StageBadge stage={s.stage} />
        </Group>
        {canChange && s.allowed.length > 0 ? (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconSwitchHorizontal size={14} />}
            onClick={() => setChanging(true)}
          >
            Change stage
          </Button>
        ) : canChange && lockedReason ? (
          <Tooltip label={lockedReason} multiline w={260} withArrow>
            <Button
              size="xs"
              variant="light"
              leftSection={<IconSwitchHorizontal size={14} />}
              data-disabled
              aria-disabled
              onClick={(e) => e.preventDefault()}
            >
              Change stage
            </Button>
          </Tooltip>
        ) : null}
      </Group>
      <SimpleGrid cols={{ base: 4, sm: 7 }} spacing={6} mb="md" aria-label="Date each stage was entered">
        {funnelStages.map((stage, i) => {
          const entered = s.stageDates[stage];
          const current = stage === s.stage;
          const passed = funnelIndex >= 0 && i < funnelIndex;
          return (
            <Paper
              key={stage}
              radius="sm"
              px={6}
              py={4}
              withBorder
              bg={current ? `var(--mantine-color-${stageColors[stage]}-light)` : undefined}
              style={{
                borderColor: entered ? `var(--mantine-color-${stageColors[stage]}-5)` : undefined,
                opacity: entered || passed || current ? 1 : 0.55,
              }}
            >
              <Text size="xs" fw={current ? 700 : 500} truncate>
                {stageLabels[stage]}
              </Text>
              <Text size="10px" c="dimmed" truncate>
                {entered ? formatDate(entered) : passed ? 'skipped' : '—'}
              </Text>
            </Paper>
          );
        })}
      </SimpleGrid>
      {funnelIndex < 0 ? (
        <Text size="sm" c="dimmed" mb="sm">
          Now {stageLabels[s.stage].toLowerCase()} since {formatDateTime(s.stageDates[s.stage])}.
        </Text>
      ) : null}
      <Timeline bulletSize={22} lineWidth={2} active={history.length}>
        {history.map((h) => (
          <Timeline.Item
            key={h.id}
            bullet={iconOf(h.kind)}
            color={stageColors[h.to]}
            title={
              <Group gap={6}>
                {h.from ? (
                  <>
                    <StageBadge stage={h.from} size="xs" />
                    <IconArrowRight size={12} />
                  </>
                ) : null}
                <StageBadge stage={h.to} size="xs" />
                <Text size="xs" c="dimmed">
                  {kindLabels[h.kind]}
                </Text>
              </Group>
            }
          >
            <Text size="xs" c="dimmed">
              {formatDateTime(h.at)} · {h.actor.label ?? h.actor.type} · {h.source}
              {h.policyVersion ? ` · policy v${h.policyVersion}` : ''}
            </Text>
            {h.reason ? (
              <Text size="sm" mt={2}>
                {h.reasonCode ? (
                  <Badge size="xs" variant="outline" mr={6} tt="none">
                    {h.reasonCode}
                  </Badge>
                ) : null}
                {h.reason}
              </Text>
            ) : null}
          </Timeline.Item>
        ))}
      </Timeline>
      {changing ? <ChangeStageModal stages={s} onClose={() => setChanging(false)} /> : null}
    </Paper>
  );
}

function ChangeStageModal({ stages, onClose }: { stages: LeadStages; onClose: () => void }) {
  const client = useQueryClient();
  const policy = useQuery({
    queryKey: ['policy', 'active'],
    queryFn: () => api<PolicyVersion>('GET', '/api/v1/policy'),
  });
  const [to, setTo] = useState<LifecycleStage | null>(null);
  const [reason, setReason] = useState('');
  const [reasonCode, setReasonCode] = useState<string | null>(null);
  const [bant, setBant] = useState<Record<string, string>>({});
  const change = useMutation({
    mutationFn: (input: StageChangeInput) =>
      api<LeadStages>('POST', `/api/v1/leads/${encodeURIComponent(stages.leadId)}/stage`, input),
    onSuccess: (next) => {
      client.setQueryData(stagesKey(stages.leadId), next);
      notifications.show({ color: 'green', message: `Moved to ${stageLabels[next.stage]}` });
      onClose();
      return client.invalidateQueries({ queryKey: leadsKey });
    },
  });
  const rule = stages.allowed.find((a) => a.to === to);
  const codes =
    to === 'recycled' || to === 'disqualified'
      ? (policy.data?.definition.rejectionReasons ?? []).filter((r) => r.outcome === to)
      : [];
  const required = to === 'sql' ? (policy.data?.definition.sql.required ?? []) : [];
  const ready =
    !!rule &&
    (!rule.reasonRequired || reason.trim().length > 0 || !!reasonCode) &&
    required.every((f) => bant[f]?.trim());
  return (
    <Modal opened onClose={onClose} title="Change stage">
      <Stack>
        <Text size="sm">
          Now <StageBadge stage={stages.stage} size="xs" />. Only the moves the transition table allows are
          offered.
        </Text>
        <Select
          label="New stage"
          placeholder="Pick a stage"
          data={stages.allowed.map((a) => ({
            value: a.to,
            label: `${stageLabels[a.to]}${a.kind === 'forward' ? '' : ` (${a.kind})`}`,
          }))}
          value={to}
          onChange={(v) => {
            setTo(v as LifecycleStage | null);
            setReasonCode(null);
          }}
        />
        {codes.length > 0 ? (
          <Select
            label="Reason code"
            placeholder="From the policy's rejection reasons"
            clearable
            data={codes.map((c) => ({ value: c.code, label: c.label }))}
            value={reasonCode}
            onChange={setReasonCode}
          />
        ) : null}
        {rule ? (
          <Textarea
            label="Reason"
            required={rule.reasonRequired && !reasonCode}
            description={rule.reasonRequired ? 'A backward move is recorded with its reason.' : 'Optional'}
            autosize
            minRows={2}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
        ) : null}
        {required.map((f) => (
          <TextInput
            key={f}
            label={bantLabels[f]}
            required
            value={bant[f] ?? ''}
            onChange={(e) => setBant({ ...bant, [f]: e.currentTarget.value })}
          />
        ))}
        <ErrorAlert error={change.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            disabled={!ready}
            loading={change.isPending}
            onClick={() =>
              to &&
              change.mutate({
                to,
                ...(reason.trim() ? { reason: reason.trim() } : {}),
                ...(reasonCode ? { reasonCode } : {}),
                ...(to === 'sql' ? { qualification: bant } : {}),
              })
            }
          >
            Move
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
