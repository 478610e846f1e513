/**
 * Builds a filter in the filter language (contracts/filters.ts): groups that need all or any of
 * their conditions, optionally negated, nested to any depth the server allows; conditions on lead
 * fields, company fields and behaviour (touchpoints of a type, with property conditions, a count
 * and a time window). Value inputs follow the field's kind.
 */
import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Menu,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import {
  IconActivity,
  IconBuilding,
  IconFolderPlus,
  IconPlus,
  IconTrash,
  IconUser,
} from '@tabler/icons-react';
import type {
  BehaviorCondition,
  FieldInfo,
  Filter,
  FilterCatalog,
  FilterOp,
  FilterValue,
  PropertyCondition,
} from '../../../../contracts/filters.ts';
import { filterLimits, opLabels, opsByKind, propertyOps } from '../../../../contracts/filters.ts';

type Value = FilterValue | FilterValue[] | undefined;
type Leaf = { field: string; op: FilterOp; value?: Value };

export const emptyFilter: Filter = { all: [] };

/** Whether a filter has at least one condition (an empty group matches everyone). */
export function hasConditions(f: Filter): boolean {
  if ('all' in f) return f.all.some(hasConditions);
  if ('any' in f) return f.any.some(hasConditions);
  if ('not' in f) return hasConditions(f.not);
  return true;
}

const noValue: FilterOp[] = ['isSet', 'isNotSet'];
const listOps: FilterOp[] = ['in', 'nin'];

/** A sensible starting value when a field or operator changes. */
function defaultValue(kind: FieldInfo['kind'] | 'property', op: FilterOp, options?: string[]): Value {
  if (noValue.includes(op)) return undefined;
  if (op === 'withinLastDays' || op === 'notWithinLastDays') return 30;
  if (listOps.includes(op)) return [];
  if (op === 'between') return kind === 'date' ? ['', ''] : [0, 100];
  if (kind === 'number') return 0;
  if (kind === 'boolean') return true;
  if (kind === 'date') return new Date().toISOString().slice(0, 10);
  if (kind === 'enum' && options?.length && op === 'eq') return options[0];
  return '';
}

type GroupShape = { mode: 'all' | 'any'; negated: boolean; children: Filter[] };

function groupOf(f: Filter): GroupShape {
  if ('all' in f) return { mode: 'all', negated: false, children: f.all };
  if ('any' in f) return { mode: 'any', negated: false, children: f.any };
  if ('not' in f) {
    const inner = f.not;
    if ('all' in inner || 'any' in inner) return { ...groupOf(inner), negated: true };
    return { mode: 'all', negated: true, children: [inner] };
  }
  return { mode: 'all', negated: false, children: [f] };
}

function filterOf(g: GroupShape): Filter {
  const inner: Filter = g.mode === 'all' ? { all: g.children } : { any: g.children };
  return g.negated ? { not: inner } : inner;
}

const isGroup = (f: Filter) => 'all' in f || 'any' in f || 'not' in f;

type FilterBuilderProps = { value: Filter; onChange: (f: Filter) => void; catalog: FilterCatalog };

export function FilterBuilder({ value, onChange, catalog }: FilterBuilderProps) {
  return <GroupEditor value={value} onChange={onChange} catalog={catalog} depth={1} />;
}

type GroupEditorProps = FilterBuilderProps & { depth: number; onRemove?: () => void };

function GroupEditor({ value, onChange, catalog, depth, onRemove }: GroupEditorProps) {
  const g = groupOf(value);
  const set = (patch: Partial<GroupShape>) => onChange(filterOf({ ...g, ...patch }));
  const setChild = (i: number, f: Filter) => set({ children: g.children.map((c, k) => (k === i ? f : c)) });
  const removeChild = (i: number) => set({ children: g.children.filter((_, k) => k !== i) });
  const add = (f: Filter) => set({ children: [...g.children, f] });
  const firstLead = catalog.lead[0];
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      bg={depth % 2 === 0 ? 'var(--mantine-color-gray-light)' : undefined}
      data-testid={`filter-group-${depth}`}
    >
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <Text size="sm" fw={500}>
              Leads matching
            </Text>
            <SegmentedControl
              size="xs"
              value={g.mode}
              onChange={(mode) => set({ mode: mode as 'all' | 'any' })}
              data={[
                { value: 'all', label: 'all' },
                { value: 'any', label: 'any' },
              ]}
              aria-label="Match all or any conditions"
            />
            <Text size="sm" fw={500}>
              of these
            </Text>
            <Switch
              size="xs"
              label="Exclude them (not)"
              checked={g.negated}
              onChange={(e) => set({ negated: e.currentTarget.checked })}
            />
          </Group>
          {onRemove ? (
            <Tooltip label="Remove group">
              <ActionIcon variant="subtle" color="gray" onClick={onRemove} aria-label="Remove group">
                <IconTrash size={16} />
              </ActionIcon>
            </Tooltip>
          ) : null}
        </Group>
        {g.children.length === 0 ? (
          <Text size="sm" c="dimmed">
            No conditions yet: {g.mode === 'all' ? 'every lead matches' : 'no lead matches'}.
          </Text>
        ) : null}
        {g.children.map((child, i) =>
          isGroup(child) ? (
            <GroupEditor
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
              key={i}
              value={child}
              onChange={(f) => setChild(i, f)}
              catalog={catalog}
              depth={depth + 1}
              onRemove={() => removeChild(i)}
            />
          ) : (
            <ConditionRow
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
              key={i}
              value={child}
              onChange={(f) => setChild(i, f)}
              onRemove={() => removeChild(i)}
              catalog={catalog}
            />
          ),
        )}
        <Menu position="bottom-start" withinPortal>
          <Menu.Target>
            <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} w="fit-content">
              Add condition
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item
              leftSection={<IconUser size={14} />}
              disabled={!firstLead}
              onClick={() =>
                firstLead &&
                add({
                  field: firstLead.field,
                  op: 'eq',
                  value: defaultValue(firstLead.kind, 'eq', firstLead.options),
                })
              }
            >
              Lead field
            </Menu.Item>
            <Menu.Item
              leftSection={<IconBuilding size={14} />}
              onClick={() => add({ company: { field: 'industry', op: 'eq', value: '' } })}
            >
              Company field
            </Menu.Item>
            <Menu.Item
              leftSection={<IconActivity size={14} />}
              onClick={() => add({ behavior: { type: 'page_viewed', withinDays: 30 } })}
            >
              Behaviour (did something)
            </Menu.Item>
            <Menu.Item
              leftSection={<IconFolderPlus size={14} />}
              disabled={depth >= filterLimits.maxDepth - 1}
              onClick={() => add({ any: [] })}
            >
              Group of conditions
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Stack>
    </Paper>
  );
}

type ConditionRowProps = {
  value: Filter;
  onChange: (f: Filter) => void;
  onRemove: () => void;
  catalog: FilterCatalog;
};

function ConditionRow({ value, onChange, onRemove, catalog }: ConditionRowProps) {
  let body: React.ReactNode;
  let icon: React.ReactNode;
  if ('behavior' in value) {
    icon = <IconActivity size={16} />;
    body = (
      <BehaviorEditor
        value={value.behavior}
        onChange={(behavior) => onChange({ behavior })}
        catalog={catalog}
      />
    );
  } else if ('company' in value) {
    icon = <IconBuilding size={16} />;
    body = (
      <FieldConditionEditor
        value={value.company}
        fields={catalog.company}
        onChange={(company) => onChange({ company })}
        label="Company field"
      />
    );
  } else {
    icon = <IconUser size={16} />;
    body = (
      <FieldConditionEditor
        value={value as Leaf}
        fields={catalog.lead}
        onChange={(leaf) => onChange(leaf)}
        label="Lead field"
      />
    );
  }
  return (
    <Group gap="xs" align="flex-start" wrap="nowrap" data-testid="filter-condition">
      <Badge variant="light" size="lg" radius="sm" mt={4} px={6} aria-hidden>
        {icon}
      </Badge>
      <div style={{ flex: 1 }}>{body}</div>
      <ActionIcon variant="subtle" color="gray" mt={4} onClick={onRemove} aria-label="Remove condition">
        <IconTrash size={16} />
      </ActionIcon>
    </Group>
  );
}

const groupLabels: Record<FieldInfo['group'], string> = {
  lead: 'Lead',
  activity: 'Stage, owner and activity',
  custom: 'Custom fields',
};

type FieldConditionEditorProps = {
  value: Leaf;
  fields: FieldInfo[];
  onChange: (v: Leaf) => void;
  label: string;
};

function FieldConditionEditor({ value, fields, onChange, label }: FieldConditionEditorProps) {
  const spec = fields.find((f) => f.field === value.field);
  const data = (['lead', 'activity', 'custom'] as const)
    .map((g) => ({
      group: groupLabels[g],
      items: fields.filter((f) => f.group === g).map((f) => ({ value: f.field, label: f.label })),
    }))
    .filter((g) => g.items.length > 0);
  const ops = spec ? opsByKind[spec.kind] : [];
  return (
    <Group gap="xs" align="flex-start" wrap="wrap">
      <Select
        aria-label={label}
        data={data}
        value={value.field}
        searchable
        w={200}
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
        onChange={(field) => {
          const next = fields.find((f) => f.field === field);
          if (!next) return;
          const op = opsByKind[next.kind].includes(value.op) ? value.op : opsByKind[next.kind][0]!;
          onChange({ field: next.field, op, value: defaultValue(next.kind, op, next.options) });
        }}
      />
      <Select
        aria-label="Operator"
        data={ops.map((op) => ({ value: op, label: opLabels[op] }))}
        value={value.op}
        w={170}
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
        onChange={(op) =>
          op &&
          spec &&
          onChange({
            ...value,
            op: op as FilterOp,
            value: defaultValue(spec.kind, op as FilterOp, spec.options),
          })
        }
      />
      {spec ? (
        <ValueInput
          kind={spec.kind}
          op={value.op}
          options={spec.options}
          value={value.value}
          onChange={(v) => onChange({ ...value, value: v })}
        />
      ) : null}
    </Group>
  );
}

type ValueInputProps = {
  kind: FieldInfo['kind'] | 'property';
  op: FilterOp;
  options?: string[];
  value: Value;
  onChange: (v: Value) => void;
  width?: number;
};

function ValueInput({ kind, op, options, value, onChange, width = 200 }: ValueInputProps) {
  if (noValue.includes(op)) return null;
  if (op === 'withinLastDays' || op === 'notWithinLastDays')
    return (
      <NumberInput
        aria-label="Days"
        min={1}
        max={filterLimits.maxDays}
        allowDecimal={false}
        suffix=" days"
        w={130}
        value={typeof value === 'number' ? value : 30}
        onChange={(v) => onChange(typeof v === 'number' ? v : 1)}
      />
    );
  if (op === 'between') {
    const [lo, hi] = Array.isArray(value) ? value : [null, null];
    const one = (v: FilterValue | undefined, set: (x: FilterValue) => void, name: string) =>
      kind === 'date' ? (
        <TextInput
          aria-label={name}
          type="date"
          w={160}
          value={typeof v === 'string' ? v.slice(0, 10) : ''}
          onChange={(e) => set(e.currentTarget.value)}
        />
      ) : (
        <NumberInput
          aria-label={name}
          w={110}
          value={typeof v === 'number' ? v : ''}
          onChange={(x) => set(Number(x) || 0)}
        />
      );
    return (
      <Group gap={6}>
        {one(lo, (x) => onChange([x, hi ?? null]), 'From')}
        <Text size="sm">and</Text>
        {one(hi, (x) => onChange([lo ?? null, x]), 'To')}
      </Group>
    );
  }
  if (listOps.includes(op)) {
    const list = Array.isArray(value) ? value.map(String) : [];
    return (
      <TagsInput
        aria-label="Values"
        placeholder="Type a value, then Enter"
        data={options}
        value={list}
        w={280}
        comboboxProps={{ withinPortal: true }}
        onChange={(vs) => onChange(kind === 'number' ? vs.map(Number).filter(Number.isFinite) : vs)}
      />
    );
  }
  if (kind === 'number')
    return (
      <NumberInput
        aria-label="Value"
        w={140}
        value={typeof value === 'number' ? value : ''}
        onChange={(v) => onChange(typeof v === 'number' ? v : 0)}
      />
    );
  if (kind === 'boolean')
    return (
      <SegmentedControl
        size="xs"
        mt={4}
        data={[
          { value: 'true', label: 'Yes' },
          { value: 'false', label: 'No' },
        ]}
        value={value === false ? 'false' : 'true'}
        onChange={(v) => onChange(v === 'true')}
      />
    );
  if (kind === 'date')
    return (
      <TextInput
        aria-label="Date"
        type="date"
        w={170}
        value={typeof value === 'string' ? value.slice(0, 10) : ''}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    );
  if ((kind === 'enum' || kind === 'list') && options && !['contains', 'startsWith', 'matches'].includes(op))
    return (
      <Select
        aria-label="Value"
        data={options}
        value={
          typeof value === 'string'
            ? (options.find((o) => o.toLowerCase() === value.toLowerCase()) ?? null)
            : null
        }
        w={200}
        searchable
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
        onChange={(v) => onChange(v ?? '')}
      />
    );
  return (
    <TextInput
      aria-label="Value"
      placeholder={op === 'matches' ? 'e.g. /pricing*' : 'Value'}
      w={width}
      maxLength={filterLimits.maxTextLength}
      value={typeof value === 'string' ? value : ''}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

type BehaviorEditorProps = {
  value: BehaviorCondition['behavior'];
  onChange: (v: BehaviorCondition['behavior']) => void;
  catalog: FilterCatalog;
};

const typeLabels: Record<string, string> = {
  page_viewed: 'viewed a page',
  form_submitted: 'submitted a form',
  event: 'did an event',
  email_opened: 'opened an email',
  email_clicked: 'clicked an email',
  created: 'was created',
  updated: 'was updated',
};

function BehaviorEditor({ value, onChange, catalog }: BehaviorEditorProps) {
  const types = [...new Set([...catalog.behavior.types, value.type])];
  const where = value.where ?? [];
  const setWhere = (list: PropertyCondition[]) =>
    onChange({ ...value, where: list.length ? list : undefined });
  return (
    <Stack gap={6}>
      <Group gap="xs" wrap="wrap">
        <Select
          aria-label="Touchpoint type"
          data={types.map((t) => ({ value: t, label: typeLabels[t] ?? t }))}
          value={value.type}
          w={170}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          onChange={(type) => type && onChange({ ...value, type })}
        />
        <Select
          aria-label="How often"
          data={[
            { value: 'gte', label: 'at least' },
            { value: 'lte', label: 'at most' },
            { value: 'eq', label: 'exactly' },
          ]}
          value={value.count?.op ?? 'gte'}
          w={105}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          onChange={(op) =>
            onChange({ ...value, count: { op: op as 'gte' | 'lte' | 'eq', value: value.count?.value ?? 1 } })
          }
        />
        <NumberInput
          aria-label="Times"
          min={0}
          allowDecimal={false}
          suffix=" times"
          w={100}
          value={value.count?.value ?? 1}
          onChange={(v) =>
            onChange({
              ...value,
              count: { op: value.count?.op ?? 'gte', value: typeof v === 'number' ? v : 1 },
            })
          }
        />
      </Group>
      <Group gap="xs" wrap="nowrap" mih={36}>
        <Switch
          size="xs"
          label="within the last"
          checked={value.withinDays !== undefined}
          onChange={(e) => onChange({ ...value, withinDays: e.currentTarget.checked ? 30 : undefined })}
        />
        {value.withinDays !== undefined ? (
          <NumberInput
            aria-label="Within days"
            min={1}
            max={filterLimits.maxDays}
            allowDecimal={false}
            suffix=" days"
            w={100}
            value={value.withinDays}
            onChange={(v) => onChange({ ...value, withinDays: typeof v === 'number' ? v : 1 })}
          />
        ) : null}
      </Group>
      {where.map((w, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
        <Group key={i} gap="xs" wrap="wrap" pl="md">
          <Text size="sm" c="dimmed">
            where
          </Text>
          <Select
            aria-label="Property"
            data={[...new Set([...catalog.behavior.paths, w.path])]}
            value={w.path}
            searchable
            w={130}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
            onChange={(path) => path && setWhere(where.map((x, k) => (k === i ? { ...x, path } : x)))}
          />
          <Select
            aria-label="Property operator"
            data={propertyOps.map((op) => ({ value: op, label: opLabels[op] }))}
            value={w.op}
            w={140}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
            onChange={(op) =>
              op &&
              setWhere(
                where.map((x, k) =>
                  k === i
                    ? {
                        path: x.path,
                        op: op as FilterOp,
                        value: defaultValue(
                          ['gt', 'gte', 'lt', 'lte', 'between'].includes(op) ? 'number' : 'text',
                          op as FilterOp,
                        ),
                      }
                    : x,
                ),
              )
            }
          />
          <ValueInput
            kind={
              ['gt', 'gte', 'lt', 'lte', 'between'].includes(w.op) || typeof w.value === 'number'
                ? 'number'
                : 'text'
            }
            op={w.op}
            value={w.value}
            width={150}
            onChange={(v) => setWhere(where.map((x, k) => (k === i ? { ...x, value: v } : x)))}
          />
          <ActionIcon
            variant="subtle"
            color="gray"
            onClick={() => setWhere(where.filter((_, k) => k !== i))}
            aria-label="Remove property condition"
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
        onClick={() => setWhere([...where, { path: 'page.path', op: 'matches', value: '' }])}
      >
        Add property condition
      </Button>
    </Stack>
  );
}
