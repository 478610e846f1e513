/** The filter bar of a lead list: search, stage, owner, and the rarer filters behind "More filters". */
import {
  Badge,
  Button,
  Divider,
  Group,
  MultiSelect,
  NumberInput,
  Pill,
  Popover,
  ScrollArea,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { DateInput, DatePickerInput } from '@mantine/dates';
import '@mantine/dates/styles.css';
import { IconAdjustmentsHorizontal, IconSearch } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import {
  type CustomFieldDefinition,
  type LifecycleStage,
  lifecycleStages,
  stageLabels,
} from '../../../../contracts/leads.ts';
import { SegmentAndFilterControls } from '../filters/LeadListControls.tsx';
import { dayStart, formatCalendarDay, localDay, nextDay, previousDay } from './format.ts';
import type { DirectoryUser, LeadFilters } from './queries.ts';

const stageOptions = lifecycleStages.map((s) => ({ value: s, label: stageLabels[s] }));

/** Filters that live behind "More filters" (the others have their own control in the bar). */
const moreKeys = ['country', 'createdAfter', 'createdBefore', 'companySizeMin', 'companySizeMax'];
export const isMoreKey = (key: string) => moreKeys.includes(key) || key.startsWith('cf.');

type LeadFiltersBarProps = {
  filters: LeadFilters;
  onChange: (filters: LeadFilters) => void;
  customFields: CustomFieldDefinition[];
  users: DirectoryUser[];
};

export function LeadFiltersBar({ filters, onChange, customFields, users }: LeadFiltersBarProps) {
  const set = (patch: Record<string, string | null | undefined>) => {
    const next: LeadFilters = { ...filters };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === undefined || v === '') delete next[k];
      else next[k] = v;
    }
    onChange(next);
  };
  const stages = filters.stage ? (filters.stage.split(',') as LifecycleStage[]) : [];
  const moreCount = Object.keys(filters).filter(isMoreKey).length;
  const anything = Object.keys(filters).length > 0;
  const ownerOptions = [
    { value: '', label: 'Anyone' },
    { value: 'none', label: 'Unassigned' },
    ...users.map((u) => ({ value: u.id, label: u.active ? u.name : `${u.name} (deactivated)` })),
  ];

  return (
    <Stack gap="xs">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <SearchBox value={filters.q ?? ''} onChange={(q) => set({ q })} />
        <MultiSelect
          label="Stage"
          placeholder={stages.length ? undefined : 'Any stage'}
          data={stageOptions}
          value={stages}
          onChange={(v) => set({ stage: v.join(',') })}
          clearable
          w={240}
          maxDropdownHeight={320}
          comboboxProps={{ withinPortal: true }}
        />
        <Select
          label="Owner"
          data={ownerOptions}
          value={filters.ownerId ?? ''}
          onChange={(v) => set({ ownerId: v })}
          allowDeselect={false}
          searchable
          w={200}
          comboboxProps={{ withinPortal: true }}
        />
        <MoreFilters filters={filters} onApply={set} customFields={customFields} count={moreCount} />
        <SegmentAndFilterControls segment={filters.segment} filter={filters.filter} onChange={set} />
        {anything ? (
          <Button variant="subtle" color="gray" onClick={() => onChange({})}>
            Clear filters
          </Button>
        ) : null}
      </Group>
      <ActivePills
        filters={filters}
        customFields={customFields}
        onRemove={(keys) => set(Object.fromEntries(keys.map((k) => [k, null])))}
      />
    </Stack>
  );
}

type SearchBoxProps = { value: string; onChange: (q: string) => void };

/** A search box that asks the server only once typing pauses. */
function SearchBox({ value, onChange }: SearchBoxProps) {
  const [input, setInput] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(onChange);
  latest.current = onChange;
  // A new value from outside (a saved view, "Clear filters") replaces what is in the box and
  // cancels what was about to be sent.
  useEffect(() => {
    clearTimeout(timer.current);
    setInput(value);
  }, [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <TextInput
      label="Search"
      placeholder="Name, email or company"
      leftSection={<IconSearch size={16} />}
      value={input}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setInput(next);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => {
          if (next.trim() !== value) latest.current(next.trim());
        }, 300);
      }}
      w={260}
      type="search"
    />
  );
}

type MoreFiltersProps = {
  filters: LeadFilters;
  onApply: (patch: Record<string, string | null>) => void;
  customFields: CustomFieldDefinition[];
  count: number;
};

function MoreFilters({ filters, onApply, customFields, count }: MoreFiltersProps) {
  const [opened, setOpened] = useState(false);
  const [draft, setDraft] = useState<LeadFilters>({});
  const open = () => {
    setDraft(Object.fromEntries(Object.entries(filters).filter(([k]) => isMoreKey(k))));
    setOpened(true);
  };
  const put = (key: string, value: string | null | undefined) =>
    setDraft((d) => {
      const next = { ...d };
      if (value === null || value === undefined || value === '') delete next[key];
      else next[key] = value;
      return next;
    });
  const apply = () => {
    const patch: Record<string, string | null> = {};
    for (const k of Object.keys(filters)) if (isMoreKey(k)) patch[k] = null;
    Object.assign(patch, draft);
    onApply(patch);
    setOpened(false);
  };
  const from = draft.createdAfter ? localDay(draft.createdAfter) : null;
  const to = draft.createdBefore ? previousDay(localDay(draft.createdBefore)) : null;
  const active = customFields.filter((d) => !d.archived);

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-start" width={360} shadow="md" trapFocus>
      <Popover.Target>
        <Button
          variant="default"
          leftSection={<IconAdjustmentsHorizontal size={16} />}
          rightSection={
            count ? (
              <Badge size="sm" circle>
                {count}
              </Badge>
            ) : null
          }
          onClick={() => (opened ? setOpened(false) : open())}
          aria-expanded={opened}
        >
          More filters
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <form
          aria-label="More filters"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <ScrollArea.Autosize mah={460} type="auto" offsetScrollbars>
            <Stack gap="sm">
              <TextInput
                label="Country"
                placeholder="e.g. DE"
                value={draft.country ?? ''}
                onChange={(e) => put('country', e.currentTarget.value)}
              />
              <DatePickerInput
                type="range"
                label="Created between"
                placeholder="Any time"
                value={[from, to]}
                onChange={([a, b]) => {
                  put('createdAfter', a ? dayStart(a) : null);
                  put('createdBefore', b ? dayStart(nextDay(b)) : null);
                }}
                clearable
                allowSingleDateInRange
                popoverProps={{ withinPortal: false }}
              />
              <Group grow gap="xs">
                <NumberInput
                  label="Company size from"
                  min={0}
                  allowDecimal={false}
                  value={draft.companySizeMin ?? ''}
                  onChange={(v) => put('companySizeMin', v === '' ? null : String(v))}
                />
                <NumberInput
                  label="to"
                  aria-label="Company size to"
                  min={0}
                  allowDecimal={false}
                  value={draft.companySizeMax ?? ''}
                  onChange={(v) => put('companySizeMax', v === '' ? null : String(v))}
                />
              </Group>
              {active.length > 0 ? (
                <>
                  <Divider label="Custom fields" labelPosition="left" />
                  {active.map((d) => (
                    <CustomFieldFilter
                      key={d.id}
                      def={d}
                      value={draft[`cf.${d.key}`] ?? ''}
                      onChange={(v) => put(`cf.${d.key}`, v)}
                    />
                  ))}
                </>
              ) : null}
            </Stack>
          </ScrollArea.Autosize>
          <Group justify="space-between" mt="md">
            <Button variant="subtle" color="gray" onClick={() => setDraft({})}>
              Reset
            </Button>
            <Button type="submit">Apply filters</Button>
          </Group>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}

type CustomFieldFilterProps = {
  def: CustomFieldDefinition;
  value: string;
  onChange: (v: string | null) => void;
};

/** Equality on one custom field, with the input its type calls for. */
function CustomFieldFilter({ def, value, onChange }: CustomFieldFilterProps) {
  const common = { label: def.label, comboboxProps: { withinPortal: false } };
  switch (def.type) {
    case 'select':
    case 'multiselect':
      return (
        <Select
          {...common}
          placeholder="Any"
          data={def.options}
          value={value || null}
          onChange={(v) => onChange(v)}
          clearable
        />
      );
    case 'boolean':
      return (
        <Select
          {...common}
          placeholder="Any"
          data={[
            { value: 'true', label: 'Yes' },
            { value: 'false', label: 'No' },
          ]}
          value={value || null}
          onChange={(v) => onChange(v)}
          clearable
        />
      );
    case 'number':
      return (
        <NumberInput
          label={def.label}
          placeholder="Any"
          value={value}
          onChange={(v) => onChange(v === '' ? null : String(v))}
        />
      );
    case 'date':
      return (
        <DateInput
          label={def.label}
          placeholder="Any"
          value={value || null}
          onChange={(v) => onChange(v)}
          valueFormat="YYYY-MM-DD"
          clearable
          popoverProps={{ withinPortal: false }}
        />
      );
    case 'text':
      return (
        <TextInput
          label={def.label}
          placeholder="Any"
          value={value}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    default: {
      const never: never = def.type;
      return <Text size="sm">{String(never)}</Text>;
    }
  }
}

type ActivePillsProps = {
  filters: LeadFilters;
  customFields: CustomFieldDefinition[];
  onRemove: (keys: string[]) => void;
};

/** The "More filters" in force, each removable on its own. */
function ActivePills({ filters, customFields, onRemove }: ActivePillsProps) {
  const pills: { keys: string[]; label: string }[] = [];
  if (filters.country) pills.push({ keys: ['country'], label: `Country: ${filters.country}` });
  if (filters.createdAfter || filters.createdBefore) {
    const a = filters.createdAfter ? formatCalendarDay(localDay(filters.createdAfter)) : '…';
    const b = filters.createdBefore ? formatCalendarDay(previousDay(localDay(filters.createdBefore))) : '…';
    pills.push({ keys: ['createdAfter', 'createdBefore'], label: `Created: ${a} – ${b}` });
  }
  if (filters.companySizeMin || filters.companySizeMax) {
    pills.push({
      keys: ['companySizeMin', 'companySizeMax'],
      label: `Company size: ${filters.companySizeMin ?? '0'} – ${filters.companySizeMax ?? '∞'}`,
    });
  }
  for (const [k, v] of Object.entries(filters)) {
    if (!k.startsWith('cf.')) continue;
    const def = customFields.find((d) => `cf.${d.key}` === k);
    const shown = def?.type === 'boolean' ? (v === 'true' ? 'Yes' : 'No') : v;
    pills.push({ keys: [k], label: `${def?.label ?? k.slice(3)}: ${shown}` });
  }
  if (pills.length === 0) return null;
  return (
    <Group gap={6}>
      {pills.map((p) => (
        <Pill
          key={p.keys.join()}
          size="md"
          withRemoveButton
          onRemove={() => onRemove(p.keys)}
          // The pill's own remove button is hidden from keyboards and readers; here it is the control.
          removeButtonProps={{ 'aria-label': `Remove filter ${p.label}`, 'aria-hidden': false, tabIndex: 0 }}
        >
          {p.label}
        </Pill>
      ))}
    </Group>
  );
}
