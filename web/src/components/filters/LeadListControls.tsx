/**
 * Lead list additions: a segment picker and an advanced filter (the filter builder in a dialog),
 * both kept as list parameters (`segment=<id>`, `filter=<JSON>`); and "Add to list" for a selection.
 */
import { Badge, Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFilter, IconListCheck } from '@tabler/icons-react';
import { useState } from 'react';
import type { Filter } from '../../../../contracts/filters.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { useAddToSegment, useCreateSegment, useFilterCatalog, useSegments } from './api.ts';
import { emptyFilter, FilterBuilder, hasConditions } from './FilterBuilder.tsx';

function countConditions(f: Filter): number {
  if ('all' in f) return f.all.reduce((n, c) => n + countConditions(c), 0);
  if ('any' in f) return f.any.reduce((n, c) => n + countConditions(c), 0);
  if ('not' in f) return countConditions(f.not);
  return 1;
}

function parse(json: string | undefined): Filter | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as Filter;
  } catch {
    return null;
  }
}

type Props = {
  segment: string | undefined;
  filter: string | undefined;
  onChange: (patch: Record<string, string | null>) => void;
};

export function SegmentAndFilterControls({ segment, filter, onChange }: Props) {
  const segments = useSegments();
  const catalog = useFilterCatalog();
  const [open, setOpen] = useState(false);
  const current = parse(filter);
  const [draft, setDraft] = useState<Filter>(current ?? emptyFilter);
  const n = current ? countConditions(current) : 0;
  return (
    <>
      <Select
        label="Segment"
        placeholder="All leads"
        data={(segments.data?.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
        value={segment ?? null}
        onChange={(v) => onChange({ segment: v })}
        clearable
        searchable
        w={200}
        comboboxProps={{ withinPortal: true }}
      />
      <Button
        variant={n > 0 ? 'light' : 'default'}
        leftSection={<IconFilter size={16} />}
        rightSection={
          n > 0 ? (
            <Badge size="sm" circle>
              {n}
            </Badge>
          ) : null
        }
        onClick={() => {
          setDraft(current ?? emptyFilter);
          setOpen(true);
        }}
      >
        Advanced filter
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Advanced filter" size="xl">
        <Stack>
          {catalog.data ? (
            <FilterBuilder value={draft} onChange={setDraft} catalog={catalog.data} />
          ) : (
            <ErrorAlert error={catalog.error} />
          )}
          <Group justify="space-between">
            <Button
              variant="subtle"
              color="gray"
              onClick={() => {
                onChange({ filter: null });
                setOpen(false);
              }}
            >
              Remove filter
            </Button>
            <Group>
              <Button variant="default" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button
                onClick={() => {
                  onChange({ filter: hasConditions(draft) ? JSON.stringify(draft) : null });
                  setOpen(false);
                }}
              >
                Apply filter
              </Button>
            </Group>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** Adds the selected leads to a static list (an existing one, or a new one named here). */
export function AddToListButton({ leadIds }: { leadIds: string[] }) {
  const [open, setOpen] = useState(false);
  const segments = useSegments();
  const add = useAddToSegment();
  const create = useCreateSegment();
  const [target, setTarget] = useState<string | null>(null);
  const [newName, setNewName] = useState('');
  const lists = (segments.data?.data ?? []).filter((s) => s.kind === 'static');
  const NEW = '__new__';
  const submit = async () => {
    let segmentId = target;
    if (target === NEW) segmentId = (await create.mutateAsync({ name: newName.trim(), kind: 'static' })).id;
    if (!segmentId) return;
    const r = await add.mutateAsync({ segmentId, leadIds });
    notifications.show({ color: 'green', message: `${r.added} added to the list` });
    setOpen(false);
  };
  return (
    <>
      <Button
        size="xs"
        variant="default"
        leftSection={<IconListCheck size={14} />}
        onClick={() => setOpen(true)}
      >
        Add to list
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Add to a static list" centered>
        <Stack>
          <Text size="sm">
            {leadIds.length} {leadIds.length === 1 ? 'lead' : 'leads'} selected.
          </Text>
          <Select
            label="List"
            placeholder="Pick a list"
            data={[...lists.map((s) => ({ value: s.id, label: s.name })), { value: NEW, label: 'New list…' }]}
            value={target}
            onChange={setTarget}
            comboboxProps={{ withinPortal: true }}
          />
          {target === NEW ? <NewListName value={newName} onChange={setNewName} /> : null}
          <ErrorAlert error={add.error ?? create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              onClick={() => void submit().catch(() => {})}
              loading={add.isPending || create.isPending}
              disabled={!target || (target === NEW && newName.trim() === '')}
            >
              Add
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function NewListName({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <TextInput label="Name of the new list" value={value} onChange={(e) => onChange(e.currentTarget.value)} />
  );
}
