/**
 * /scoring: the model editor (fit rules built with the filter builder, engagement rules with caps,
 * groups and decay, grade thresholds), a live preview of the editor's model on a chosen lead, the
 * backtest of the saved draft beside the published model, publishing with rescore progress, and
 * the versions list.
 */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Grid,
  Group,
  NumberInput,
  Paper,
  Progress,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Filter, FilterCatalog, FilterOp } from '../../../../contracts/filters.ts';
import { opLabels, propertyOps } from '../../../../contracts/filters.ts';
import type { Lead } from '../../../../contracts/leads.ts';
import type { EngagementRule, FitRule } from '../../../../contracts/scoring.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFilterCatalog } from '../../components/filters/api.ts';
import { FilterBuilder } from '../../components/filters/FilterBuilder.tsx';
import { leadName } from '../../components/leads/format.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { api, query } from '../../lib/api.ts';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import {
  type BacktestResult,
  type ScoringDefinition,
  useBacktest,
  useDiscardDraft,
  useDraft,
  usePreview,
  usePublish,
  useSaveDraft,
  useScoringModels,
} from './api.ts';
import { gradeColor } from './LeadScoreCard.tsx';

const newId = (prefix: string, taken: string[]) => {
  let i = 1;
  while (taken.includes(`${prefix}-${i}`)) i++;
  return `${prefix}-${i}`;
};

export function ScoringPage() {
  const session = useSession();
  const canEdit = ['admin', 'marketing'].includes(session.data?.role ?? '');
  const draft = useDraft();
  const catalog = useFilterCatalog();
  const [def, setDef] = useState<ScoringDefinition | null>(null);
  const [note, setNote] = useState('');
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (draft.data && !dirty) {
      setDef(structuredClone(draft.data.definition));
      setNote(draft.data.saved ? (draft.data.note ?? '') : '');
    }
  }, [draft.data, dirty]);
  const save = useSaveDraft();
  const discard = useDiscardDraft();
  const change = (d: ScoringDefinition) => {
    setDef(d);
    setDirty(true);
  };

  async function saveDraft() {
    if (!def) return;
    await save.mutateAsync({ definition: def, note: note || null });
    setDirty(false);
    notifications.show({ message: 'Draft saved', color: 'teal' });
  }

  return (
    <>
      <PageHeader
        title="Scoring model"
        description="Fit rules score who a lead is; engagement rules score what they do, with caps and decay. Edit a draft, preview it on a lead, backtest it against what actually happened, then publish: every lead is rescored in the background."
        actions={
          canEdit ? (
            <>
              {draft.data?.saved ? (
                <Button
                  variant="default"
                  loading={discard.isPending}
                  onClick={async () => {
                    await discard.mutateAsync();
                    setDirty(false);
                  }}
                >
                  Discard draft
                </Button>
              ) : null}
              <Button onClick={saveDraft} loading={save.isPending} disabled={!dirty}>
                Save draft
              </Button>
            </>
          ) : null
        }
      />
      {save.error ? <ErrorAlert error={save.error} /> : null}
      {draft.error ? <ErrorAlert error={draft.error} /> : null}
      {draft.data && def && catalog.data ? (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Stack gap="lg">
              <Paper withBorder radius="md" p="md">
                <Group justify="space-between">
                  <Group gap="xs">
                    <Badge color={draft.data.saved ? 'orange' : 'teal'} variant="light">
                      {draft.data.saved
                        ? `Draft v${draft.data.version}`
                        : `Editing from published v${draft.data.version}`}
                    </Badge>
                    {dirty ? (
                      <Badge color="gray" variant="outline">
                        Unsaved changes
                      </Badge>
                    ) : null}
                  </Group>
                  <TextInput
                    placeholder="What changes in this version"
                    aria-label="Note"
                    value={note}
                    onChange={(e) => {
                      setNote(e.currentTarget.value);
                      setDirty(true);
                    }}
                    w={320}
                    disabled={!canEdit}
                  />
                </Group>
              </Paper>
              <FitEditor def={def} onChange={change} catalog={catalog.data} />
              <EngagementEditor def={def} onChange={change} catalog={catalog.data} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Stack gap="lg">
              <PreviewPanel def={def} />
              <BacktestPanel saved={!!draft.data.saved} dirty={dirty} last={draft.data.backtest} />
              <PublishPanel canPublish={canEdit && !!draft.data.saved && !dirty} />
            </Stack>
          </Grid.Col>
        </Grid>
      ) : null}
    </>
  );
}

// ---- fit ----

function FitEditor({
  def,
  onChange,
  catalog,
}: {
  def: ScoringDefinition;
  onChange: (d: ScoringDefinition) => void;
  catalog: FilterCatalog;
}) {
  const rules = def.fit.rules;
  const setRules = (r: FitRule[]) => onChange({ ...def, fit: { ...def.fit, rules: r } });
  const setRule = (i: number, patch: Partial<FitRule>) =>
    setRules(rules.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  const ids = [...rules.map((r) => r.id), ...def.engagement.rules.map((r) => r.id)];
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Fit rules">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={3} size="h4">
            Fit rules
          </Title>
          <Text size="sm" c="dimmed">
            Who the lead is: a filter on lead and company fields, and the points it gives.
          </Text>
        </div>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          onClick={() =>
            setRules([
              ...rules,
              {
                id: newId('fit', ids),
                name: 'New fit rule',
                filter: { all: [{ field: 'companySize', op: 'gte', value: 100 }] },
                points: 10,
              },
            ])
          }
        >
          Add fit rule
        </Button>
      </Group>
      <Stack gap="sm">
        {rules.map((r, i) => (
          <Paper key={r.id} withBorder radius="sm" p="sm" bg="var(--mantine-color-gray-0)">
            <Group gap="sm" mb="xs" wrap="nowrap">
              <TextInput
                aria-label="Rule name"
                value={r.name}
                onChange={(e) => setRule(i, { name: e.currentTarget.value })}
                style={{ flex: 1 }}
              />
              <NumberInput
                aria-label="Points"
                value={r.points}
                onChange={(v) => setRule(i, { points: Number(v) || 0 })}
                w={110}
                min={-1000}
                max={1000}
                suffix=" pts"
              />
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={`Remove ${r.name}`}
                onClick={() => setRules(rules.filter((_, k) => k !== i))}
              >
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
            <FilterBuilder
              value={r.filter as Filter}
              onChange={(f) => setRule(i, { filter: f })}
              catalog={{ ...catalog, behavior: { types: [], paths: [] } }}
            />
          </Paper>
        ))}
      </Stack>
      <Group mt="md" gap="sm" align="flex-end">
        <Text size="sm" fw={600}>
          Grades by fit points:
        </Text>
        {(['A', 'B', 'C'] as const).map((g) => (
          <NumberInput
            key={g}
            label={`${g} from`}
            value={def.fit.grades[g]}
            onChange={(v) =>
              onChange({ ...def, fit: { ...def.fit, grades: { ...def.fit.grades, [g]: Number(v) || 0 } } })
            }
            w={100}
          />
        ))}
        <Text size="sm" c="dimmed">
          below C: D
        </Text>
      </Group>
    </Paper>
  );
}

// ---- engagement ----

type Where = NonNullable<EngagementRule['behavior']['where']>[number];

function EngagementEditor({
  def,
  onChange,
  catalog,
}: {
  def: ScoringDefinition;
  onChange: (d: ScoringDefinition) => void;
  catalog: FilterCatalog;
}) {
  const rules = def.engagement.rules;
  const groups = def.engagement.groups;
  const setEng = (patch: Partial<ScoringDefinition['engagement']>) =>
    onChange({ ...def, engagement: { ...def.engagement, ...patch } });
  const setRule = (i: number, patch: Partial<EngagementRule>) =>
    setEng({ rules: rules.map((r, k) => (k === i ? { ...r, ...patch } : r)) });
  const ids = [...def.fit.rules.map((r) => r.id), ...rules.map((r) => r.id)];
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Engagement rules">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={3} size="h4">
            Engagement rules
          </Title>
          <Text size="sm" c="dimmed">
            What the lead does: touchpoints of a type with property conditions. Points may be negative.
          </Text>
        </div>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          onClick={() =>
            setEng({
              rules: [
                ...rules,
                {
                  id: newId('eng', ids),
                  name: 'New engagement rule',
                  behavior: { type: 'page_viewed', where: [] },
                  points: 5,
                  repeatable: true,
                  cap: 20,
                  group: null,
                  decay: { kind: 'halfLife', days: 30 },
                },
              ],
            })
          }
        >
          Add engagement rule
        </Button>
      </Group>
      <Stack gap="sm">
        {rules.map((r, i) => (
          <Paper
            key={r.id}
            withBorder
            radius="sm"
            p="sm"
            bg="var(--mantine-color-gray-0)"
            aria-label={`Engagement rule ${r.name}`}
          >
            <Group gap="sm" wrap="nowrap" mb="xs">
              <TextInput
                aria-label="Rule name"
                value={r.name}
                onChange={(e) => setRule(i, { name: e.currentTarget.value })}
                style={{ flex: 1 }}
              />
              <NumberInput
                aria-label="Points"
                value={r.points}
                onChange={(v) => setRule(i, { points: Number(v) || 0 })}
                w={110}
                min={-1000}
                max={1000}
                suffix=" pts"
              />
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={`Remove ${r.name}`}
                onClick={() => setEng({ rules: rules.filter((_, k) => k !== i) })}
              >
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
            <Group gap="sm" align="flex-end" mb="xs">
              <Select
                label="Touchpoint"
                data={[...new Set([...catalog.behavior.types, r.behavior.type])]}
                value={r.behavior.type}
                onChange={(v) => v && setRule(i, { behavior: { ...r.behavior, type: v } })}
                searchable
                w={170}
              />
              <Switch
                label="Every time"
                checked={r.repeatable}
                onChange={(e) => setRule(i, { repeatable: e.currentTarget.checked })}
                mb={8}
              />
              <NumberInput
                label="Cap"
                placeholder="none"
                value={r.cap ?? ''}
                onChange={(v) => setRule(i, { cap: v === '' ? null : Number(v) })}
                min={1}
                w={90}
              />
              <Select
                label="Group"
                placeholder="none"
                data={groups.map((g) => g.name)}
                value={r.group ?? null}
                onChange={(v) => setRule(i, { group: v })}
                clearable
                w={110}
              />
              <SegmentedControl
                size="xs"
                mb={4}
                value={r.decay.kind}
                data={[
                  { value: 'none', label: 'No decay' },
                  { value: 'halfLife', label: 'Half-life' },
                  { value: 'window', label: 'Window' },
                ]}
                onChange={(k) =>
                  setRule(i, {
                    decay:
                      k === 'none'
                        ? { kind: 'none' }
                        : { kind: k as 'halfLife' | 'window', days: 'days' in r.decay ? r.decay.days : 30 },
                  })
                }
              />
              {r.decay.kind !== 'none' ? (
                <NumberInput
                  label="Days"
                  value={r.decay.days}
                  min={1}
                  max={3650}
                  onChange={(v) =>
                    setRule(i, {
                      decay: { kind: r.decay.kind as 'halfLife' | 'window', days: Number(v) || 0 },
                    })
                  }
                  w={80}
                />
              ) : null}
            </Group>
            <WhereEditor
              where={r.behavior.where ?? []}
              paths={catalog.behavior.paths}
              onChange={(where) => setRule(i, { behavior: { ...r.behavior, where } })}
            />
          </Paper>
        ))}
      </Stack>
      <Group mt="md" gap="sm" align="flex-end">
        <Text size="sm" fw={600}>
          Group caps:
        </Text>
        {groups.map((g, i) => (
          <Group key={g.name} gap={4} align="flex-end">
            <NumberInput
              label={g.name}
              value={g.cap}
              min={1}
              onChange={(v) =>
                setEng({ groups: groups.map((x, k) => (k === i ? { ...x, cap: Number(v) || 0 } : x)) })
              }
              w={90}
            />
          </Group>
        ))}
        <Button
          size="xs"
          variant="subtle"
          leftSection={<IconPlus size={14} />}
          onClick={() =>
            setEng({
              groups: [
                ...groups,
                {
                  name: newId(
                    'group',
                    groups.map((g) => g.name),
                  ),
                  cap: 30,
                },
              ],
            })
          }
        >
          Add group
        </Button>
      </Group>
    </Paper>
  );
}

function WhereEditor({
  where,
  paths,
  onChange,
}: {
  where: Where[];
  paths: string[];
  onChange: (w: Where[]) => void;
}) {
  const set = (i: number, patch: Partial<Where>) =>
    onChange(where.map((w, k) => (k === i ? { ...w, ...patch } : w)));
  return (
    <Stack gap={4}>
      {where.map((w, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity of their own
        <Group key={i} gap="xs" wrap="nowrap">
          <Text size="xs" c="dimmed" w={36}>
            {i === 0 ? 'where' : 'and'}
          </Text>
          <Select
            aria-label="Property"
            data={[...new Set([...paths, w.path, 'form', 'path'])]}
            value={w.path}
            onChange={(v) => v && set(i, { path: v })}
            searchable
            w={140}
            size="xs"
          />
          <Select
            aria-label="Operator"
            data={propertyOps.map((o) => ({ value: o, label: opLabels[o] }))}
            value={w.op}
            onChange={(v) => v && set(i, { op: v as FilterOp })}
            w={130}
            size="xs"
          />
          {w.op === 'isSet' || w.op === 'isNotSet' ? null : (
            <TextInput
              aria-label="Value"
              value={w.value === undefined || w.value === null ? '' : String(w.value)}
              onChange={(e) => {
                const raw = e.currentTarget.value;
                const numeric =
                  ['gt', 'gte', 'lt', 'lte'].includes(w.op) && raw !== '' && !Number.isNaN(Number(raw));
                set(i, { value: numeric ? Number(raw) : raw });
              }}
              size="xs"
              style={{ flex: 1 }}
            />
          )}
          <ActionIcon
            variant="subtle"
            color="gray"
            aria-label="Remove condition"
            onClick={() => onChange(where.filter((_, k) => k !== i))}
          >
            <IconTrash size={14} />
          </ActionIcon>
        </Group>
      ))}
      <Button
        size="compact-xs"
        variant="subtle"
        w="fit-content"
        leftSection={<IconPlus size={12} />}
        onClick={() => onChange([...where, { path: 'name', op: 'eq', value: '' }])}
      >
        Property condition
      </Button>
    </Stack>
  );
}

// ---- preview ----

function PreviewPanel({ def }: { def: ScoringDefinition }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [leadId, setLeadId] = useState<string | null>(null);
  const leads = useQuery({
    queryKey: ['scoring', 'lead-search', debounced],
    queryFn: () =>
      api<{ data: Lead[] }>(
        'GET',
        `/api/v1/leads${query({ q: debounced || undefined, limit: 20, sort: '-updatedAt' })}`,
      ),
  });
  const preview = usePreview();
  const [debouncedDef] = useDebouncedValue(def, 400);
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run when the lead or the model changes
  useEffect(() => {
    if (leadId) preview.mutate({ leadId, definition: debouncedDef });
  }, [leadId, debouncedDef]);
  const p = preview.data;
  const options = (leads.data?.data ?? []).map((l) => ({
    value: l.id,
    label: `${leadName(l)} · ${l.email ?? ''}`,
  }));
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Preview">
      <Title order={3} size="h4" mb={4}>
        Preview on a lead
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        The model as edited (saved or not), applied to one lead now.
      </Text>
      <Select
        aria-label="Lead to preview"
        placeholder="Search leads…"
        searchable
        searchValue={search}
        onSearchChange={setSearch}
        data={options}
        value={leadId}
        onChange={setLeadId}
        filter={({ options }) => options}
        nothingFoundMessage="No lead found"
      />
      {preview.error ? <ErrorAlert error={preview.error} /> : null}
      {p && leadId ? (
        <Stack gap="xs" mt="md">
          <SimpleGrid cols={4} spacing="xs">
            <Metric label="Total" value={<span data-testid="preview-total">{p.total}</span>} />
            <Metric label="Fit" value={p.fit} />
            <Metric label="Engagement" value={p.engagement} />
            <Metric label="Grade" value={<Badge color={gradeColor[p.grade ?? 'D']}>{p.grade}</Badge>} />
          </SimpleGrid>
          <Text size="xs" c="dimmed">
            Published model today: {p.stored.total} ({p.stored.grade ?? '—'})
          </Text>
          <Table fz="sm" verticalSpacing={2}>
            <Table.Tbody>
              {p.rules.map((r) => (
                <Table.Tr key={`${r.kind}:${r.ruleId}`}>
                  <Table.Td>{r.name}</Table.Td>
                  <Table.Td ta="right" c="dimmed">
                    {r.kind === 'engagement' ? `${r.events}×` : ''}
                  </Table.Td>
                  <Table.Td ta="right" fw={600}>
                    {Number.isInteger(r.counted) ? r.counted : r.counted.toFixed(1)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      ) : null}
    </Paper>
  );
}

function Metric({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <Paper withBorder radius="sm" p={6}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700}>{value}</Text>
    </Paper>
  );
}

// ---- backtest ----

function BacktestPanel({
  saved,
  dirty,
  last,
}: {
  saved: boolean;
  dirty: boolean;
  last: BacktestResult | null;
}) {
  const run = useBacktest();
  const r = run.data ?? last;
  const [tab, setTab] = useState<string | null>('outcomes');
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Backtest">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={3} size="h4">
            Backtest
          </Title>
          <Text size="sm" c="dimmed">
            The saved draft and the published model over every lead, under the active policy.
          </Text>
        </div>
        <Button
          onClick={() => run.mutate()}
          loading={run.isPending}
          disabled={!saved || dirty}
          variant="light"
        >
          Run backtest
        </Button>
      </Group>
      {!saved || dirty ? (
        <Text size="xs" c="dimmed" mb="xs">
          Save the draft to backtest it.
        </Text>
      ) : null}
      {run.error ? <ErrorAlert error={run.error} /> : null}
      {r ? (
        <Stack gap="sm">
          <Text size="sm">
            {formatNumber(r.leads)} leads · MQL when total ≥ {r.policy.minTotal ?? '—'} and grade ≥{' '}
            {r.policy.minGrade ?? '—'} (policy v{r.policy.version}) · {formatDateTime(r.at)}
          </Text>
          <Table withTableBorder fz="sm" aria-label="Backtest results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                <Table.Th ta="right">Draft v{r.draft.version}</Table.Th>
                <Table.Th ta="right">
                  Published{r.published.version ? ` v${r.published.version}` : ''}
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(
                [
                  ['Would be MQL', (s) => s.mql],
                  ['… reached SAL', (s) => s.reached.sal],
                  ['… reached SQL', (s) => s.reached.sql],
                  ['… became customers', (s) => s.reached.customer],
                  ['… were disqualified', (s) => s.reached.disqualified],
                ] as [string, (s: BacktestResult['draft']) => number][]
              ).map(([label, f]) => (
                <Table.Tr key={label}>
                  <Table.Td>{label}</Table.Td>
                  <Table.Td
                    ta="right"
                    fw={600}
                    data-testid={label === 'Would be MQL' ? 'backtest-draft-mql' : undefined}
                  >
                    {formatNumber(f(r.draft))}
                  </Table.Td>
                  <Table.Td ta="right">{formatNumber(f(r.published))}</Table.Td>
                </Table.Tr>
              ))}
              <Table.Tr>
                <Table.Td>Customer rate among MQLs</Table.Td>
                <Table.Td ta="right">{pct(r.draft.reached.customer, r.draft.mql)}</Table.Td>
                <Table.Td ta="right">{pct(r.published.reached.customer, r.published.mql)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Tabs value={tab} onChange={setTab}>
            <Tabs.List>
              <Tabs.Tab value="outcomes">Outcomes</Tabs.Tab>
              <Tabs.Tab value="scores">Score distribution</Tabs.Tab>
              <Tabs.Tab value="grades">Grades</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="outcomes" pt="sm">
              <BarChart
                h={200}
                data={[
                  { k: 'MQL', Draft: r.draft.mql, Published: r.published.mql },
                  { k: 'SAL', Draft: r.draft.reached.sal, Published: r.published.reached.sal },
                  { k: 'SQL', Draft: r.draft.reached.sql, Published: r.published.reached.sql },
                  { k: 'Customer', Draft: r.draft.reached.customer, Published: r.published.reached.customer },
                  {
                    k: 'Disqualified',
                    Draft: r.draft.reached.disqualified,
                    Published: r.published.reached.disqualified,
                  },
                ]}
                dataKey="k"
                series={[
                  { name: 'Draft', color: 'orange.6' },
                  { name: 'Published', color: 'indigo.4' },
                ]}
                withLegend
              />
            </Tabs.Panel>
            <Tabs.Panel value="scores" pt="sm">
              <BarChart
                h={200}
                data={r.bands.map((b, i) => ({
                  band: i + 1 < r.bands.length ? `${b}–${r.bands[i + 1]! - 1}` : `${b}+`,
                  Draft: r.draft.histogram[i] ?? 0,
                  Published: r.published.histogram[i] ?? 0,
                }))}
                dataKey="band"
                series={[
                  { name: 'Draft', color: 'orange.6' },
                  { name: 'Published', color: 'indigo.4' },
                ]}
                withLegend
              />
            </Tabs.Panel>
            <Tabs.Panel value="grades" pt="sm">
              <BarChart
                h={200}
                data={(['A', 'B', 'C', 'D'] as const).map((g) => ({
                  grade: g,
                  Draft: r.draft.grades[g],
                  Published: r.published.grades[g],
                }))}
                dataKey="grade"
                series={[
                  { name: 'Draft', color: 'orange.6' },
                  { name: 'Published', color: 'indigo.4' },
                ]}
                withLegend
              />
            </Tabs.Panel>
          </Tabs>
        </Stack>
      ) : null}
    </Paper>
  );
}

const pct = (a: number, b: number) => (b === 0 ? '—' : `${((a / b) * 100).toFixed(1)}%`);

// ---- publish and versions ----

function PublishPanel({ canPublish }: { canPublish: boolean }) {
  const publish = usePublish();
  const models = useScoringModels();
  const list = models.data?.data ?? [];
  const current = list.find((m) => m.status === 'published');
  const rescore = current?.rescore;
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Versions">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Versions
        </Title>
        <Button
          color="teal"
          onClick={() => publish.mutate()}
          loading={publish.isPending}
          disabled={!canPublish}
        >
          Publish draft
        </Button>
      </Group>
      {publish.error ? <ErrorAlert error={publish.error} /> : null}
      {rescore ? (
        <Alert
          color={rescore.finishedAt ? 'teal' : 'blue'}
          variant="light"
          mb="sm"
          title={`Rescoring under v${current?.version}`}
        >
          <Progress
            value={rescore.total === 0 ? 100 : (rescore.done / rescore.total) * 100}
            animated={!rescore.finishedAt}
            mb={6}
          />
          <Text size="sm" data-testid="rescore-status">
            {rescore.finishedAt
              ? `Done: ${formatNumber(rescore.done)} leads rescored, ${formatNumber(rescore.changed)} changed.`
              : `${formatNumber(rescore.done)} of ${formatNumber(rescore.total)} leads…`}
          </Text>
        </Alert>
      ) : null}
      <Table fz="sm" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Published</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((m) => (
            <Table.Tr key={m.version}>
              <Table.Td>
                <Text size="sm" fw={600}>
                  v{m.version}
                </Text>
                <Text size="xs" c="dimmed">
                  {m.fitRules} fit · {m.engagementRules} engagement rules
                </Text>
                {m.note ? (
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {m.note}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Text
                  size="xs"
                  fw={700}
                  tt="uppercase"
                  c={m.status === 'published' ? 'teal' : m.status === 'draft' ? 'orange' : 'dimmed'}
                >
                  {m.status}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{m.publishedAt ? formatDateTime(m.publishedAt) : '—'}</Text>
                {m.publishedBy ? (
                  <Text size="xs" c="dimmed">
                    {m.publishedBy}
                  </Text>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
