import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  List,
  Modal,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconCheck,
  IconCircleCheck,
  IconClock,
  IconGavel,
  IconPlus,
  IconSend,
  IconShieldCheck,
  IconTrash,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { roleLabels } from '../../../../contracts/auth.ts';
import {
  type ApproverRole,
  approverRoles,
  bantFields,
  bantLabels,
  type FitGrade,
  fitGrades,
  type PolicyStatus,
} from '../../../../contracts/lifecycle.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import {
  canShapePolicy,
  type PolicyDefinition,
  type PolicyVersion,
  useApprove,
  useCreateDraft,
  useDiscardDraft,
  useOverride,
  usePolicyVersions,
  usePropose,
  useSaveDraft,
} from './api.ts';

const statusColors: Record<PolicyStatus, string> = {
  draft: 'gray',
  proposed: 'yellow',
  active: 'green',
  superseded: 'dark',
  withdrawn: 'red',
};

function list(items: string[], conjunction = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}

/** The MQL rule in a few words, for the versions table. */
function mqlShort(def: PolicyDefinition): string {
  const parts: string[] = [];
  if (def.mql.score) parts.push(`score ≥ ${def.mql.score.minTotal}, grade ≥ ${def.mql.score.minGrade}`);
  const hands = [
    ...(def.mql.handRaise.handRaiseForms ? ['hand-raise forms'] : []),
    ...def.mql.handRaise.forms,
    ...def.mql.handRaise.touchpointTypes.map((t) => t.replaceAll('_', ' ')),
  ];
  if (hands.length > 0) parts.push(`or ${list(hands)}`);
  return parts.join(' ') || 'no automatic MQL';
}

/** The MQL rule in one sentence. */
export function mqlSentence(def: PolicyDefinition): string {
  const parts: string[] = [];
  if (def.mql.score)
    parts.push(
      `its total score is at least ${def.mql.score.minTotal} and its fit grade is ${def.mql.score.minGrade}${def.mql.score.minGrade === 'A' ? '' : ' or better'}`,
    );
  const hands: string[] = [];
  if (def.mql.handRaise.handRaiseForms) hands.push('submits a form marked as a hand-raise');
  if (def.mql.handRaise.forms.length > 0) hands.push(`submits the form ${list(def.mql.handRaise.forms)}`);
  if (def.mql.handRaise.touchpointTypes.length > 0)
    hands.push(`has a ${list(def.mql.handRaise.touchpointTypes.map((t) => t.replaceAll('_', ' ')))}`);
  if (hands.length > 0) parts.push(`it raises its hand (${list(hands)})`);
  if (parts.length === 0) return 'No lead becomes an MQL on its own: every criterion is switched off.';
  return `A lead becomes an MQL when ${parts.join(', or when ')}.`;
}

function PolicySummary({ version }: { version: PolicyVersion }) {
  const def = version.definition;
  return (
    <Stack gap="md">
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <ThemeIcon color="cyan" variant="light" radius="xl" style={{ flexShrink: 0 }}>
          <IconShieldCheck size={18} />
        </ThemeIcon>
        <Text fw={600} aria-label="MQL rule">
          {mqlSentence(def)}
        </Text>
      </Group>
      <Text size="sm">
        <Text span fw={600}>
          SQL
        </Text>{' '}
        {def.sql.required.length > 0
          ? `needs the rep to confirm ${list(
              def.sql.required.map((f) => bantLabels[f].toLowerCase()),
              'and',
            )}.`
          : 'needs no BANT answers.'}
      </Text>
      <div>
        <Text size="sm" fw={600} mb={4}>
          Rejection reasons sales may give
        </Text>
        <Group gap="xs">
          {def.rejectionReasons.map((r) => (
            <Badge key={r.code} variant="light" color={r.outcome === 'recycled' ? 'grape' : 'red'} tt="none">
              {r.label} · {r.outcome === 'recycled' ? 'recycle' : 'disqualify'}
            </Badge>
          ))}
        </Group>
      </div>
    </Stack>
  );
}

export function PolicyPage() {
  const session = useSession();
  const versions = usePolicyVersions();
  const role = session.data?.role;
  const createDraft = useCreateDraft();
  if (versions.isPending) return <Skeleton h={400} />;
  if (versions.error) return <ErrorAlert error={versions.error} />;
  const all = versions.data;
  const active = all.find((v) => v.status === 'active');
  const draft = all.find((v) => v.status === 'draft');
  return (
    <Stack gap="lg">
      <PageHeader
        title="Qualification policy"
        description="What marketing and sales agree a qualified lead is. A new version takes effect once one marketing user and one sales manager have both approved it; every stage change records the version it was made under."
        actions={
          canShapePolicy(role) && !draft ? (
            <Button
              leftSection={<IconPlus size={16} />}
              loading={createDraft.isPending}
              onClick={() => createDraft.mutate({})}
            >
              Start a draft
            </Button>
          ) : null
        }
      />
      <ErrorAlert error={createDraft.error} />
      {active ? (
        <Paper withBorder radius="md" p="lg" aria-label="Policy in force">
          <Group justify="space-between" mb="md">
            <Title order={3} size="h4">
              In force: version {active.version}
            </Title>
            <Text size="sm" c="dimmed">
              since {formatDateTime(active.activatedAt)}
              {active.override ? ' · admin override' : ''}
            </Text>
          </Group>
          <PolicySummary version={active} />
        </Paper>
      ) : (
        <Alert color="yellow">No policy is active.</Alert>
      )}
      {draft && canShapePolicy(role) ? <DraftEditor draft={draft} /> : null}
      <VersionsTable versions={all} />
    </Stack>
  );
}

function DraftEditor({ draft }: { draft: PolicyVersion }) {
  const [def, setDef] = useState<PolicyDefinition>(draft.definition);
  const [note, setNote] = useState(draft.note ?? '');
  const save = useSaveDraft();
  const propose = usePropose();
  const discard = useDiscardDraft();
  useEffect(() => {
    setDef(draft.definition);
    setNote(draft.note ?? '');
  }, [draft]);
  const dirty = JSON.stringify(def) !== JSON.stringify(draft.definition) || note !== (draft.note ?? '');
  const score = def.mql.score;
  const setMql = (mql: Partial<PolicyDefinition['mql']>) => setDef({ ...def, mql: { ...def.mql, ...mql } });
  const setHand = (h: Partial<PolicyDefinition['mql']['handRaise']>) =>
    setMql({ handRaise: { ...def.mql.handRaise, ...h } });
  const reasons = def.rejectionReasons;
  const setReason = (i: number, patch: Partial<(typeof reasons)[number]>) =>
    setDef({ ...def, rejectionReasons: reasons.map((r, k) => (k === i ? { ...r, ...patch } : r)) });

  return (
    <Paper withBorder radius="md" p="lg" aria-label={`Draft version ${draft.version}`}>
      <Group justify="space-between" mb="md">
        <Title order={3} size="h4">
          Draft: version {draft.version}
        </Title>
        <Badge color="gray" variant="light">
          draft
        </Badge>
      </Group>
      <Stack gap="lg">
        <Text size="sm" c="dimmed">
          {mqlSentence(def)}
        </Text>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <Stack gap="sm">
            <Text fw={600} size="sm">
              MQL by score
            </Text>
            <Switch
              label="Qualify on score and fit"
              checked={!!score}
              onChange={(e) =>
                setMql({ score: e.currentTarget.checked ? { minTotal: 60, minGrade: 'B' } : null })
              }
            />
            {score ? (
              <Group grow>
                <NumberInput
                  label="Total score at least"
                  min={0}
                  max={1_000_000}
                  value={score.minTotal}
                  onChange={(v) => setMql({ score: { ...score, minTotal: typeof v === 'number' ? v : 0 } })}
                />
                <Select
                  label="Fit grade at least"
                  data={[...fitGrades]}
                  value={score.minGrade}
                  allowDeselect={false}
                  onChange={(v) => v && setMql({ score: { ...score, minGrade: v as FitGrade } })}
                />
              </Group>
            ) : null}
          </Stack>
          <Stack gap="sm">
            <Text fw={600} size="sm">
              MQL by hand-raise
            </Text>
            <Switch
              label="Forms marked as hand-raise count"
              checked={def.mql.handRaise.handRaiseForms}
              onChange={(e) => setHand({ handRaiseForms: e.currentTarget.checked })}
            />
            <TagsInput
              label="Hand-raise forms (ids or slugs)"
              placeholder="demo-request"
              value={def.mql.handRaise.forms}
              onChange={(forms) => setHand({ forms })}
            />
            <TagsInput
              label="Hand-raise touchpoint types"
              placeholder="demo_requested"
              value={def.mql.handRaise.touchpointTypes}
              onChange={(touchpointTypes) => setHand({ touchpointTypes })}
            />
          </Stack>
        </SimpleGrid>
        <Checkbox.Group
          label="SQL needs the rep to confirm"
          value={def.sql.required}
          onChange={(v) => setDef({ ...def, sql: { required: v as PolicyDefinition['sql']['required'] } })}
        >
          <Group mt={6}>
            {bantFields.map((f) => (
              <Checkbox key={f} value={f} label={bantLabels[f]} />
            ))}
          </Group>
        </Checkbox.Group>
        <div>
          <Text fw={600} size="sm" mb={6}>
            Rejection reasons
          </Text>
          <Stack gap="xs">
            {reasons.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a row has no identity while its code is being edited; inputs are controlled
              <Group key={i} gap="xs" wrap="nowrap" align="flex-end">
                <TextInput
                  aria-label={`Reason ${i + 1} label`}
                  style={{ flex: 2 }}
                  value={r.label}
                  onChange={(e) => setReason(i, { label: e.currentTarget.value })}
                />
                <TextInput
                  aria-label={`Reason ${i + 1} code`}
                  style={{ flex: 1 }}
                  value={r.code}
                  onChange={(e) => setReason(i, { code: e.currentTarget.value })}
                />
                <Select
                  aria-label={`Reason ${i + 1} outcome`}
                  w={150}
                  data={[
                    { value: 'recycled', label: 'Recycle' },
                    { value: 'disqualified', label: 'Disqualify' },
                  ]}
                  value={r.outcome}
                  allowDeselect={false}
                  onChange={(v) => v && setReason(i, { outcome: v as 'recycled' | 'disqualified' })}
                />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  size="lg"
                  aria-label={`Remove reason ${i + 1}`}
                  disabled={reasons.length <= 1}
                  onClick={() => setDef({ ...def, rejectionReasons: reasons.filter((_, k) => k !== i) })}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            ))}
            <Group>
              <Button
                variant="subtle"
                size="xs"
                leftSection={<IconPlus size={14} />}
                onClick={() =>
                  setDef({
                    ...def,
                    rejectionReasons: [
                      ...reasons,
                      { code: `reason_${reasons.length + 1}`, label: 'New reason', outcome: 'recycled' },
                    ],
                  })
                }
              >
                Add a reason
              </Button>
            </Group>
          </Stack>
        </div>
        <Textarea
          label="Note for the approvers"
          autosize
          minRows={2}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <ErrorAlert error={save.error ?? propose.error ?? discard.error} />
        <Group justify="flex-end">
          <Button variant="subtle" color="red" loading={discard.isPending} onClick={() => discard.mutate()}>
            Discard draft
          </Button>
          <Button
            variant="default"
            disabled={!dirty}
            loading={save.isPending}
            onClick={() => save.mutate({ definition: def, note: note.trim() || null })}
          >
            Save draft
          </Button>
          <Button
            leftSection={<IconSend size={16} />}
            loading={propose.isPending}
            onClick={async () => {
              if (dirty) await save.mutateAsync({ definition: def, note: note.trim() || null });
              await propose.mutateAsync(draft.version);
              notifications.show({
                color: 'green',
                message: `Version ${draft.version} proposed: waiting for marketing and a sales manager`,
              });
            }}
          >
            Propose for approval
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ApprovalCell({ version, role }: { version: PolicyVersion; role: ApproverRole }) {
  const given = version.approvals.filter((a) => a.role === role);
  if (given.length === 0)
    return (
      <Group gap={4} c="dimmed">
        <IconClock size={14} />
        <Text size="xs">{version.status === 'proposed' ? 'waiting' : '—'}</Text>
      </Group>
    );
  return (
    <Stack gap={2}>
      {given.map((a) => (
        <Group key={a.userId} gap={4} wrap="nowrap">
          <IconCircleCheck size={14} color="var(--mantine-color-green-6)" />
          <Text size="xs">
            {a.userLabel} · {formatDateTime(a.at)}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

function VersionsTable({ versions }: { versions: PolicyVersion[] }) {
  const session = useSession();
  const me = session.data;
  const approve = useApprove();
  const override = useOverride();
  const [overriding, setOverriding] = useState<PolicyVersion | null>(null);
  const [reason, setReason] = useState('');
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} size="h4" mb="md">
        Versions
      </Title>
      <ErrorAlert error={approve.error} />
      <Table.ScrollContainer minWidth={820}>
        <Table verticalSpacing="sm" aria-label="Policy versions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Version</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>MQL rule</Table.Th>
              {approverRoles.map((r) => (
                <Table.Th key={r}>{roleLabels[r]}</Table.Th>
              ))}
              <Table.Th>In force</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {versions.map((v) => {
              const mine = v.approvals.some((a) => a.userId === me?.id);
              const canApprove =
                v.status === 'proposed' &&
                !mine &&
                !!me &&
                (approverRoles as readonly string[]).includes(me.role);
              const canOverride = me?.role === 'admin' && (v.status === 'proposed' || v.status === 'draft');
              return (
                <Table.Tr key={v.version} aria-label={`Version ${v.version}`}>
                  <Table.Td>
                    <Text fw={600}>v{v.version}</Text>
                    <Text size="xs" c="dimmed">
                      {v.createdBy.label ?? 'system'} · {formatDateTime(v.createdAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={statusColors[v.status]} variant="light" style={{ minWidth: 'max-content' }}>
                      {v.status}
                    </Badge>
                    {v.override ? (
                      <Text size="xs" c="orange" mt={4}>
                        Override by {v.override.by.label}: {v.override.reason}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td maw={300}>
                    <Text size="sm">{mqlShort(v.definition)}</Text>
                    <Text size="xs" c="dimmed">
                      SQL:{' '}
                      {v.definition.sql.required.map((f) => bantLabels[f]).join(', ') || 'nothing required'} ·{' '}
                      {v.definition.rejectionReasons.length} rejection reasons
                    </Text>
                    {v.note ? (
                      <Text size="xs" c="dimmed" mt={4}>
                        {v.note}
                      </Text>
                    ) : null}
                  </Table.Td>
                  {approverRoles.map((r) => (
                    <Table.Td key={r}>
                      <ApprovalCell version={v} role={r} />
                    </Table.Td>
                  ))}
                  <Table.Td>
                    <Text size="xs">
                      {v.activatedAt ? formatDateTime(v.activatedAt) : '—'}
                      {v.supersededAt ? ` → ${formatDateTime(v.supersededAt)}` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap" justify="flex-end">
                      {canApprove ? (
                        <Button
                          size="xs"
                          leftSection={<IconCheck size={14} />}
                          loading={approve.isPending}
                          onClick={() =>
                            approve.mutate(v.version, {
                              onSuccess: (after) =>
                                notifications.show({
                                  color: 'green',
                                  message:
                                    after.status === 'active'
                                      ? `Version ${v.version} is now in force`
                                      : `Approved version ${v.version}; waiting for the other side`,
                                }),
                            })
                          }
                        >
                          Approve as {me ? roleLabels[me.role].toLowerCase() : ''}
                        </Button>
                      ) : null}
                      {canOverride ? (
                        <Button
                          size="xs"
                          variant="light"
                          color="orange"
                          leftSection={<IconGavel size={14} />}
                          onClick={() => {
                            setReason('');
                            setOverriding(v);
                          }}
                        >
                          Override
                        </Button>
                      ) : null}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Modal
        opened={overriding !== null}
        onClose={() => setOverriding(null)}
        title={`Put version ${overriding?.version ?? ''} in force without both approvals`}
      >
        <Stack>
          <List size="sm">
            <List.Item>
              The override and its reason are recorded on the version and in the audit log.
            </List.Item>
          </List>
          <Textarea
            label="Reason"
            required
            autosize
            minRows={2}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
          <ErrorAlert error={override.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOverriding(null)}>
              Cancel
            </Button>
            <Button
              color="orange"
              disabled={reason.trim().length < 3}
              loading={override.isPending}
              onClick={() =>
                overriding &&
                override.mutate(
                  { version: overriding.version, reason: reason.trim() },
                  { onSuccess: () => setOverriding(null) },
                )
              }
            >
              Override
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}
