import {
  Accordion,
  ActionIcon,
  Alert,
  Badge,
  Button,
  Grid,
  Group,
  List,
  Modal,
  Paper,
  Progress,
  Select,
  Skeleton,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowBackUp,
  IconArrowDown,
  IconArrowUp,
  IconCheck,
  IconDeviceFloppy,
  IconPlus,
  IconRocket,
  IconTrash,
  IconX,
} from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import {
  type ChannelRule,
  clickIdNames,
  type DomainList,
  domainListLabels,
  domainLists,
  type Reclassification,
  type RuleCondition,
  type RuleField,
  type RuleOperator,
  type RuleSetDefinition,
  type RuleSetDraft,
  ruleFieldLabels,
  ruleFields,
  ruleOperatorLabels,
  ruleOperators,
} from '../../../../contracts/attribution.ts';
import { type Channel, channels } from '../../../../contracts/capture.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime, formatNumber, formatRelative } from '../../lib/format.ts';
import { CampaignLink } from '../leads/components/CampaignLink.tsx';
import {
  useDiscardDraft,
  usePublishRules,
  useReclassifications,
  useRestoreVersion,
  useRulesDraft,
  useRuleVersions,
  useSaveDraft,
  useTestRules,
} from './api.ts';
import { useCanEditCampaigns } from './CampaignsLayout.tsx';
import { ChannelBadge, channelColors, channelOptions } from './channels.tsx';

/** What each channel means, shown beside the editor so people pick the right one. */
const channelHelp: Record<Channel, string> = {
  organic_search: 'Unpaid results from a search engine',
  paid_search: 'Search ads (cpc, gclid, msclkid)',
  organic_social: 'Posts and profiles on social networks',
  paid_social: 'Sponsored posts and social ads',
  email: 'Newsletters and email campaigns',
  referral: 'Links from other sites, partners, affiliates',
  display: 'Banners, programmatic, retargeting, video',
  events: 'Trade shows, conferences, QR codes, print',
  direct: 'Typed in or bookmarked: no referrer, no UTM',
  other: 'Tagged traffic no rule recognises',
};

export function ChannelRulesPage() {
  const draft = useRulesDraft();
  if (draft.isPending) return <Skeleton h={400} />;
  if (draft.error || !draft.data)
    return <ErrorAlert error={draft.error} title="The channel rules could not be loaded" />;
  return <RulesEditor server={draft.data} />;
}

function RulesEditor({ server }: { server: RuleSetDraft }) {
  const canEdit = useCanEditCampaigns();
  const save = useSaveDraft();
  const discard = useDiscardDraft();
  const [definition, setDefinition] = useState<RuleSetDefinition>(server.definition);
  const [publishing, setPublishing] = useState(false);
  // A fresh draft from the server (saved, discarded, restored) replaces the local copy.
  useEffect(() => setDefinition(server.definition), [server]);
  const dirty = useMemo(
    () => JSON.stringify(definition) !== JSON.stringify(server.definition),
    [definition, server.definition],
  );
  const saveError = save.error instanceof ApiError ? save.error : null;
  const problemsAt = (prefix: string) =>
    saveError?.details.filter((d) => d.field === prefix || d.field.startsWith(`${prefix}.`)) ?? [];

  const setRule = (i: number, rule: ChannelRule) =>
    setDefinition((d) => ({ ...d, rules: d.rules.map((r, k) => (k === i ? rule : r)) }));
  const move = (i: number, by: number) =>
    setDefinition((d) => {
      const rules = [...d.rules];
      const [r] = rules.splice(i, 1);
      rules.splice(i + by, 0, r!);
      return { ...d, rules };
    });
  const removeRule = (i: number) =>
    setDefinition((d) => ({ ...d, rules: d.rules.filter((_, k) => k !== i) }));
  const [open, setOpen] = useState<string[]>([]);
  const addRule = () => {
    const id = `rule-${Date.now().toString(36)}`;
    setDefinition((d) => ({
      ...d,
      rules: [
        ...d.rules,
        {
          id,
          name: 'New rule',
          channel: 'other',
          conditions: [{ field: 'utm_medium', op: 'equals', value: '' }],
        },
      ],
    }));
    setOpen((o) => [...o, id]);
  };
  const saveDraft = (then?: () => void) =>
    save.mutate(
      { definition, basedOn: server.basedOn },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: 'The draft is saved' });
          then?.();
        },
      },
    );

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, lg: 8 }}>
        <Stack gap="md">
          <Paper withBorder radius="md" p="md">
            <Group justify="space-between">
              <div>
                <Group gap="xs">
                  <Title order={3} size="h4">
                    Draft
                  </Title>
                  {dirty ? (
                    <Badge color="yellow" variant="light">
                      Unsaved changes
                    </Badge>
                  ) : server.changed ? (
                    <Badge color="blue" variant="light">
                      Saved, not published
                    </Badge>
                  ) : (
                    <Badge color="gray" variant="light">
                      Same as published
                    </Badge>
                  )}
                </Group>
                <Text size="sm" c="dimmed">
                  Based on version {server.basedOn}
                  {server.updatedAt
                    ? ` · saved ${formatRelative(server.updatedAt)}${server.updatedBy ? ` by ${server.updatedBy}` : ''}`
                    : ''}
                  . The first rule whose conditions all hold decides a visit’s channel.
                </Text>
              </div>
              {canEdit ? (
                <Group gap="sm">
                  <Button
                    variant="default"
                    leftSection={<IconX size={16} />}
                    disabled={!dirty && !server.changed}
                    loading={discard.isPending}
                    onClick={() =>
                      dirty && !server.changed ? setDefinition(server.definition) : discard.mutate()
                    }
                  >
                    Discard
                  </Button>
                  <Button
                    variant="default"
                    leftSection={<IconDeviceFloppy size={16} />}
                    disabled={!dirty}
                    loading={save.isPending}
                    onClick={() => saveDraft()}
                  >
                    Save draft
                  </Button>
                  <Button
                    leftSection={<IconRocket size={16} />}
                    disabled={!dirty && !server.changed}
                    onClick={() => (dirty ? saveDraft(() => setPublishing(true)) : setPublishing(true))}
                  >
                    Publish…
                  </Button>
                </Group>
              ) : null}
            </Group>
          </Paper>
          {saveError ? (
            <Alert color="red" variant="light" title="The draft was not saved" role="alert">
              <Text size="sm">{saveError.message}</Text>
              {saveError.details.length > 1 ? (
                <List size="sm" mt={4}>
                  {saveError.details.slice(0, 8).map((d) => (
                    <List.Item
                      key={`${d.field}:${d.rule}`}
                    >{`${describeField(d.field, definition)}: ${d.message}`}</List.Item>
                  ))}
                </List>
              ) : null}
            </Alert>
          ) : (
            <ErrorAlert error={discard.error} />
          )}
          <Accordion multiple value={open} onChange={setOpen} variant="separated" chevronPosition="left">
            {definition.rules.map((rule, i) => (
              <Accordion.Item key={rule.id} value={rule.id} data-rule-id={rule.id}>
                <Group wrap="nowrap" gap={4} pr="xs">
                  <Accordion.Control>
                    <Group gap="sm" wrap="nowrap">
                      <Text size="sm" c="dimmed" w={22} ta="right">
                        {i + 1}
                      </Text>
                      <Text size="sm" fw={500} lineClamp={1} style={{ flex: 1 }}>
                        {rule.name}
                      </Text>
                      {problemsAt(`definition.rules.${i}`).length > 0 ? (
                        <Badge color="red" variant="light">
                          Check
                        </Badge>
                      ) : null}
                      <ChannelBadge channel={rule.channel} />
                    </Group>
                  </Accordion.Control>
                  {canEdit ? (
                    <Group gap={2} wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        aria-label="Move up"
                        disabled={i === 0}
                        onClick={() => move(i, -1)}
                      >
                        <IconArrowUp size={16} />
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        aria-label="Move down"
                        disabled={i === definition.rules.length - 1}
                        onClick={() => move(i, 1)}
                      >
                        <IconArrowDown size={16} />
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label="Remove rule"
                        onClick={() => removeRule(i)}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  ) : null}
                </Group>
                <Accordion.Panel>
                  <RuleEditor
                    rule={rule}
                    onChange={(r) => setRule(i, r)}
                    readOnly={!canEdit}
                    problems={problemsAt(`definition.rules.${i}`)}
                  />
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
          {canEdit ? (
            <Group>
              <Button variant="light" leftSection={<IconPlus size={16} />} onClick={addRule}>
                Add rule
              </Button>
            </Group>
          ) : null}
          <Text size="sm" c="dimmed">
            When no rule matches: a visit tagged with a campaign’s UTM key takes that campaign’s channel; a
            referrer from another site is Referral; no referrer and no UTM values is Direct; anything else is
            Other.
          </Text>
          <ListsEditor
            definition={definition}
            onChange={setDefinition}
            readOnly={!canEdit}
            problemsAt={problemsAt}
          />
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 4 }}>
        <Stack gap="md">
          <TestCard definition={definition} />
          <RunsCard />
          <VersionsCard canEdit={canEdit} dirty={dirty} />
          <Paper withBorder radius="md" p="md">
            <Title order={3} size="h5" mb="xs">
              The ten channels
            </Title>
            <Stack gap={6}>
              {channels.map((c) => (
                <Group key={c} gap="xs" wrap="nowrap" align="flex-start">
                  <ChannelBadge channel={c} w={124} />
                  <Text size="xs" c="dimmed">
                    {channelHelp[c]}
                  </Text>
                </Group>
              ))}
            </Stack>
          </Paper>
        </Stack>
      </Grid.Col>
      <PublishModal opened={publishing} onClose={() => setPublishing(false)} />
    </Grid>
  );
}

/** "definition.rules.3.conditions.0" → "Rule 4 (Paid search), condition 1". */
function describeField(field: string, d: RuleSetDefinition): string {
  const m = /^definition\.rules\.(\d+)(?:\.conditions\.(\d+))?/.exec(field);
  if (!m) return field.replace(/^definition\./, '');
  const rule = d.rules[Number(m[1])];
  return `Rule ${Number(m[1]) + 1}${rule ? ` (${rule.name})` : ''}${m[2] !== undefined ? `, condition ${Number(m[2]) + 1}` : ''}`;
}

type Problem = { field: string; message: string };

function RuleEditor({
  rule,
  onChange,
  readOnly,
  problems,
}: {
  rule: ChannelRule;
  onChange: (r: ChannelRule) => void;
  readOnly: boolean;
  problems: Problem[];
}) {
  const setCondition = (k: number, c: RuleCondition) =>
    onChange({ ...rule, conditions: rule.conditions.map((x, j) => (j === k ? c : x)) });
  return (
    <Stack gap="sm">
      <Group grow align="flex-start">
        <TextInput
          label="Rule name"
          value={rule.name}
          maxLength={120}
          readOnly={readOnly}
          onChange={(e) => onChange({ ...rule, name: e.currentTarget.value })}
        />
        <Select
          label="Channel"
          data={channelOptions}
          value={rule.channel}
          readOnly={readOnly}
          allowDeselect={false}
          onChange={(v) => v && onChange({ ...rule, channel: v as Channel })}
          leftSection={
            <span
              style={{
                width: 10,
                height: 10,
                borderRadius: 5,
                background: `var(--mantine-color-${channelColors[rule.channel]}-6)`,
              }}
            />
          }
        />
      </Group>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">
        When all of these hold
      </Text>
      {rule.conditions.map((c, k) => {
        const at = new RegExp(`\\.conditions\\.${k}(\\.|$)`);
        const problem = problems.find((p) => at.test(p.field));
        return (
          <ConditionRow
            // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no ids; their order is their identity
            key={k}
            condition={c}
            readOnly={readOnly}
            error={problem?.message}
            onChange={(next) => setCondition(k, next)}
            onRemove={
              rule.conditions.length > 1
                ? () => onChange({ ...rule, conditions: rule.conditions.filter((_, j) => j !== k) })
                : undefined
            }
          />
        );
      })}
      {!readOnly && rule.conditions.length < 10 ? (
        <Group>
          <Button
            size="xs"
            variant="subtle"
            leftSection={<IconPlus size={14} />}
            onClick={() =>
              onChange({
                ...rule,
                conditions: [...rule.conditions, { field: 'utm_source', op: 'equals', value: '' }],
              })
            }
          >
            Add condition
          </Button>
        </Group>
      ) : null}
      {problems
        .filter((p) => !p.field.includes('.conditions.'))
        .map((p) => (
          <Text key={p.field} size="xs" c="red">
            {p.message}
          </Text>
        ))}
    </Stack>
  );
}

/** The operators that make sense for a field (the server refuses the others). */
function opsFor(field: RuleField): RuleOperator[] {
  if (field === 'click_id') return ['exists', 'in', 'equals'];
  if (field === 'referrer_domain') return [...ruleOperators];
  return ruleOperators.filter((o) => o !== 'in_list');
}

function ConditionRow({
  condition: c,
  onChange,
  onRemove,
  readOnly,
  error,
}: {
  condition: RuleCondition;
  onChange: (c: RuleCondition) => void;
  onRemove?: () => void;
  readOnly: boolean;
  error?: string;
}) {
  const ops = opsFor(c.field);
  const setOp = (op: RuleOperator) => {
    if (op === 'in') onChange({ field: c.field, op, values: c.values ?? (c.value ? [c.value] : []) });
    else if (op === 'exists')
      onChange({ field: c.field, op, ...(c.field === 'click_id' ? { values: [] } : {}) });
    else if (op === 'in_list') onChange({ field: c.field, op, value: 'search_engines' });
    else onChange({ field: c.field, op, value: c.value ?? c.values?.[0] ?? '' });
  };
  let valueInput: React.ReactNode = null;
  if (c.op === 'in' || (c.op === 'exists' && c.field === 'click_id'))
    valueInput = (
      <TagsInput
        aria-label="Values"
        placeholder={c.op === 'exists' ? 'any click id' : 'values, Enter after each'}
        data={c.field === 'click_id' ? [...clickIdNames] : []}
        value={c.values ?? []}
        readOnly={readOnly}
        onChange={(values) => onChange({ ...c, values })}
        error={error}
        style={{ flex: 1 }}
      />
    );
  else if (c.op === 'in_list')
    valueInput = (
      <Select
        aria-label="List"
        data={domainLists.map((l) => ({ value: l, label: domainListLabels[l] }))}
        value={c.value ?? null}
        readOnly={readOnly}
        allowDeselect={false}
        onChange={(v) => v && onChange({ ...c, value: v })}
        error={error}
        style={{ flex: 1 }}
      />
    );
  else if (c.op === 'equals' || c.op === 'matches')
    valueInput = (
      <TextInput
        aria-label="Value"
        placeholder={c.op === 'matches' ? 'e.g. paid* or *social*' : 'value'}
        value={c.value ?? ''}
        maxLength={200}
        readOnly={readOnly}
        onChange={(e) => onChange({ ...c, value: e.currentTarget.value })}
        error={error}
        style={{ flex: 1 }}
      />
    );
  else
    valueInput = (
      <Text size="sm" c={error ? 'red' : 'dimmed'} style={{ flex: 1 }}>
        {error ?? 'has any value'}
      </Text>
    );
  return (
    <Group gap="xs" align="flex-start" wrap="nowrap" role="group" aria-label="Condition">
      <Select
        aria-label="Field"
        w={180}
        data={ruleFields.map((f) => ({ value: f, label: ruleFieldLabels[f] }))}
        value={c.field}
        readOnly={readOnly}
        allowDeselect={false}
        onChange={(v) => {
          if (!v) return;
          const field = v as RuleField;
          const op = opsFor(field).includes(c.op) ? c.op : opsFor(field)[0]!;
          onChange({ ...c, field, op });
        }}
      />
      <Select
        aria-label="Operator"
        w={160}
        data={ops.map((o) => ({ value: o, label: ruleOperatorLabels[o] }))}
        value={c.op}
        readOnly={readOnly}
        allowDeselect={false}
        onChange={(v) => v && setOp(v as RuleOperator)}
      />
      {valueInput}
      {onRemove && !readOnly ? (
        <ActionIcon variant="subtle" color="gray" aria-label="Remove condition" onClick={onRemove} mt={4}>
          <IconX size={16} />
        </ActionIcon>
      ) : null}
    </Group>
  );
}

function ListsEditor({
  definition,
  onChange,
  readOnly,
  problemsAt,
}: {
  definition: RuleSetDefinition;
  onChange: (d: RuleSetDefinition) => void;
  readOnly: boolean;
  problemsAt: (prefix: string) => Problem[];
}) {
  return (
    <Paper withBorder radius="md" p="md">
      <Title order={3} size="h5">
        Domain lists
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Rules with “Referrer domain is on the list” use these. google.com covers its subdomains; google.*
        covers every country domain.
      </Text>
      <Stack gap="sm">
        {domainLists.map((l: DomainList) => (
          <TagsInput
            key={l}
            label={domainListLabels[l]}
            value={definition.lists[l]}
            readOnly={readOnly}
            onChange={(v) => onChange({ ...definition, lists: { ...definition.lists, [l]: v } })}
            error={problemsAt(`definition.lists.${l}`)[0]?.message}
            maxDropdownHeight={0}
          />
        ))}
        <TagsInput
          label="Your own domains"
          description="A referrer from one of these (or e.g. your payment provider) is internal and never starts a visit."
          value={definition.internalDomains}
          readOnly={readOnly}
          onChange={(v) => onChange({ ...definition, internalDomains: v })}
          error={problemsAt('definition.internalDomains')[0]?.message}
        />
      </Stack>
    </Paper>
  );
}

function PublishModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const publish = usePublishRules();
  const [note, setNote] = useState('');
  const close = () => {
    setNote('');
    publish.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Publish the channel rules" centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          publish.mutate(note.trim(), {
            onSuccess: ({ version }) => {
              notifications.show({
                color: 'green',
                message: `Version ${version.version} is live; history is being reclassified`,
              });
              close();
            },
          });
        }}
      >
        <Stack>
          <Text size="sm">
            New visits get their channel from the new version at once. Past touchpoints and every lead’s first
            and last touch are reclassified in the background; the progress shows beside the editor.
          </Text>
          <Textarea
            label="What changed"
            placeholder="e.g. Treat utm_medium=partner_newsletter as email"
            maxLength={500}
            autosize
            minRows={2}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            data-autofocus
          />
          <ErrorAlert error={publish.error} title="Not published" />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={publish.isPending} leftSection={<IconRocket size={16} />}>
              Publish
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function VersionsCard({ canEdit, dirty }: { canEdit: boolean; dirty: boolean }) {
  const versions = useRuleVersions();
  const restore = useRestoreVersion();
  const [confirming, setConfirming] = useState<number | null>(null);
  const list = versions.data?.data ?? [];
  return (
    <Paper withBorder radius="md" p="md">
      <Title order={3} size="h5" mb="xs">
        Published versions
      </Title>
      <ErrorAlert error={versions.error ?? restore.error} />
      {versions.isPending ? (
        <Skeleton h={60} />
      ) : (
        <Stack gap="sm" role="list" aria-label="Versions">
          {list.map((v) => (
            <Group key={v.version} justify="space-between" wrap="nowrap" align="flex-start" role="listitem">
              <div style={{ minWidth: 0 }}>
                <Group gap={6}>
                  <Text size="sm" fw={600}>
                    Version {v.version}
                  </Text>
                  {v.current ? (
                    <Badge size="sm" color="green" variant="light" leftSection={<IconCheck size={12} />}>
                      Live
                    </Badge>
                  ) : null}
                </Group>
                <Text size="xs" c="dimmed">
                  {formatDateTime(v.publishedAt)}
                  {v.publishedBy ? ` · ${v.publishedBy}` : ''} · {v.definition.rules.length} rules
                </Text>
                {v.note ? (
                  <Text size="xs" style={{ wordBreak: 'break-word' }}>
                    {v.note}
                  </Text>
                ) : v.version === 1 ? (
                  <Text size="xs" c="dimmed">
                    The defaults
                  </Text>
                ) : null}
              </div>
              {canEdit && !v.current ? (
                <Tooltip label="Copy this version into the draft; publish the draft to go back to it">
                  <Button
                    size="xs"
                    variant="light"
                    leftSection={<IconArrowBackUp size={14} />}
                    onClick={() => (dirty ? setConfirming(v.version) : restoreNow(v.version))}
                    loading={restore.isPending && restore.variables === v.version}
                  >
                    Restore
                  </Button>
                </Tooltip>
              ) : null}
            </Group>
          ))}
        </Stack>
      )}
      <Modal
        opened={confirming !== null}
        onClose={() => setConfirming(null)}
        title="Replace your unsaved changes?"
        centered
      >
        <Stack>
          <Text size="sm">
            The draft becomes a copy of version {confirming}; your unsaved edits are lost.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(null)}>
              Cancel
            </Button>
            <Button
              onClick={() => {
                if (confirming !== null) restoreNow(confirming);
                setConfirming(null);
              }}
            >
              Restore version {confirming}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );

  function restoreNow(version: number) {
    restore.mutate(version, {
      onSuccess: () =>
        notifications.show({
          color: 'blue',
          message: `The draft is now a copy of version ${version}. Publish it to make it live.`,
        }),
    });
  }
}

const runStatus: Record<Reclassification['status'], { label: string; color: string }> = {
  queued: { label: 'Queued', color: 'gray' },
  running: { label: 'Running', color: 'blue' },
  completed: { label: 'Completed', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
  superseded: { label: 'Superseded', color: 'gray' },
};

function RunsCard() {
  const runs = useReclassifications();
  const list = (runs.data?.data ?? []).slice(0, 3);
  return (
    <Paper withBorder radius="md" p="md" aria-label="Reclassification">
      <Title order={3} size="h5" mb="xs">
        Reclassifying history
      </Title>
      <ErrorAlert error={runs.error} />
      {runs.isPending ? (
        <Skeleton h={40} />
      ) : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing to reclassify yet. Publishing rules or changing a campaign’s UTM keys starts a run here.
        </Text>
      ) : (
        <Stack gap="md">
          {list.map((r) => {
            const pct =
              r.total > 0 ? Math.round((100 * r.done) / r.total) : r.status === 'completed' ? 100 : 0;
            const s = runStatus[r.status];
            return (
              <div key={r.id} data-status={r.status}>
                <Group justify="space-between" gap="xs">
                  <Text size="sm" fw={500}>
                    {r.reason === 'publish' ? `Version ${r.ruleVersion}` : 'Campaign keys changed'}
                  </Text>
                  <Badge size="sm" color={s.color} variant="light">
                    {s.label}
                  </Badge>
                </Group>
                <Progress
                  value={pct}
                  mt={6}
                  animated={r.status === 'running' || r.status === 'queued'}
                  color={s.color}
                  aria-label={`Reclassification progress ${pct}%`}
                />
                <Text size="xs" c="dimmed" mt={4}>
                  {formatNumber(r.done)} of {formatNumber(r.total)} touchpoints · {formatNumber(r.changed)}{' '}
                  changed · {formatNumber(r.leadsUpdated)} leads updated ·{' '}
                  {formatRelative(r.finishedAt ?? r.startedAt ?? r.createdAt)}
                </Text>
                {r.message ? (
                  <Text size="xs" c={r.status === 'failed' ? 'red' : 'dimmed'}>
                    {r.message}
                  </Text>
                ) : null}
              </div>
            );
          })}
        </Stack>
      )}
    </Paper>
  );
}

/** Try a landing URL and referrer against the rules as edited (saved or not). */
function TestCard({ definition }: { definition: RuleSetDefinition }) {
  const test = useTestRules();
  const [url, setUrl] = useState('');
  const [referrer, setReferrer] = useState('');
  const result = test.data;
  return (
    <Paper withBorder radius="md" p="md" aria-label="Test a visit">
      <Title order={3} size="h5">
        Test a visit
      </Title>
      <Text size="xs" c="dimmed" mb="xs">
        Which channel would the rules in the editor give this visit? Nothing is saved.
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          test.mutate({
            sample: {
              ...(url.trim() ? { url: url.trim() } : {}),
              ...(referrer.trim() ? { referrer: referrer.trim() } : {}),
            },
            definition,
          });
        }}
      >
        <Stack gap="xs">
          <TextInput
            label="Landing page URL"
            placeholder="https://example.com/?utm_source=google&utm_medium=cpc"
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            maxLength={2000}
            size="xs"
          />
          <TextInput
            label="Referrer"
            placeholder="https://www.linkedin.com/ (empty: typed in)"
            value={referrer}
            onChange={(e) => setReferrer(e.currentTarget.value)}
            maxLength={2000}
            size="xs"
          />
          <Group justify="flex-end">
            <Button type="submit" size="xs" variant="light" loading={test.isPending}>
              Classify
            </Button>
          </Group>
        </Stack>
      </form>
      <ErrorAlert error={test.error} title="Not classified" />
      {result ? (
        <Stack gap={4} mt="xs" aria-label="Test result">
          <Group gap="xs">
            <ChannelBadge channel={result.channel} size="lg" />
            {result.campaignId ? <CampaignLink id={result.campaignId} /> : null}
          </Group>
          <Text size="xs">{result.reason}</Text>
          <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
            source {result.source ?? '—'} · medium {result.medium ?? '—'} · campaign {result.campaign ?? '—'}
            {result.referrerDomain ? ` · from ${result.referrerDomain}` : ''}
          </Text>
        </Stack>
      ) : null}
    </Paper>
  );
}
