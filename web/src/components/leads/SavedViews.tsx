import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  Stack,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDeviceFloppy, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../../lib/api.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { type SavedView, useCreateSavedView, useDeleteSavedView, useSavedViews } from './queries.ts';

export type ViewDefinition = { filters: Record<string, string>; sort: string; columns: string[] };

type SavedViewsProps = {
  resource: string;
  current: ViewDefinition;
  viewId: string | null;
  onPick: (view: SavedView | null) => void;
};

/** A saved view's definition, tolerating views saved by older versions or other clients. */
export function viewDefinitionOf(view: SavedView): ViewDefinition | null {
  const d = view.definition as Partial<ViewDefinition> | null;
  if (!d || typeof d !== 'object') return null;
  return {
    filters: d.filters && typeof d.filters === 'object' ? (d.filters as Record<string, string>) : {},
    sort: typeof d.sort === 'string' ? d.sort : '-createdAt',
    columns: Array.isArray(d.columns) ? d.columns.filter((c): c is string => typeof c === 'string') : [],
  };
}

const same = (a: ViewDefinition, b: ViewDefinition) =>
  a.sort === b.sort &&
  a.columns.join() === b.columns.join() &&
  JSON.stringify(Object.entries(a.filters).sort()) === JSON.stringify(Object.entries(b.filters).sort());

/** Pick, save and delete named views (filters, sort and columns) of a list. */
export function SavedViews({ resource, current, viewId, onPick }: SavedViewsProps) {
  const views = useSavedViews(resource);
  const remove = useDeleteSavedView();
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState<SavedView | null>(null);
  const list = views.data?.data ?? [];
  const selected = list.find((v) => v.id === viewId) ?? null;
  const selectedDef = selected ? viewDefinitionOf(selected) : null;
  const modified = selectedDef !== null && !same(selectedDef, current);
  const mine = list.filter((v) => v.mine);
  const shared = list.filter((v) => !v.mine);
  const data = [
    {
      group: 'My views',
      items: mine.map((v) => ({ value: v.id, label: v.shared ? `${v.name} (shared)` : v.name })),
    },
    { group: 'Shared with me', items: shared.map((v) => ({ value: v.id, label: v.name })) },
  ].filter((g) => g.items.length > 0);

  return (
    <Group gap="xs" wrap="nowrap">
      <Select
        aria-label="Saved view"
        placeholder={list.length ? 'All leads (no saved view)' : 'No saved views yet'}
        data={data}
        value={selected?.id ?? null}
        onChange={(id) => onPick(list.find((v) => v.id === id) ?? null)}
        allowDeselect={false}
        clearable
        w={260}
        disabled={views.isPending || list.length === 0}
        comboboxProps={{ withinPortal: true }}
        error={views.error ? views.error.message : undefined}
      />
      {modified && selected ? (
        <Tooltip label="The filters, sort or columns differ from the saved view">
          <Button
            variant="light"
            color="yellow"
            size="xs"
            onClick={() => onPick(selected)}
            aria-label={`Modified: revert to the saved view ${selected.name}`}
            style={{ flexShrink: 0 }}
          >
            Modified · revert
          </Button>
        </Tooltip>
      ) : null}
      <Button variant="default" leftSection={<IconDeviceFloppy size={16} />} onClick={() => setSaving(true)}>
        Save view
      </Button>
      {selected?.mine ? (
        <Tooltip label="Delete this view">
          <ActionIcon
            variant="subtle"
            color="red"
            size="lg"
            aria-label={`Delete view ${selected.name}`}
            onClick={() => setDeleting(selected)}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Tooltip>
      ) : null}
      <SaveViewModal
        opened={saving}
        onClose={() => setSaving(false)}
        resource={resource}
        definition={current}
        onSaved={(v) => onPick(v)}
      />
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete saved view?" centered>
        <Stack>
          <Text size="sm">
            “{deleting?.name}” will be gone for you{deleting?.shared ? ' and everyone it is shared with' : ''}
            . The leads it shows are not touched.
          </Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                deleting &&
                remove.mutate(deleting, {
                  onSuccess: () => {
                    notifications.show({ color: 'green', message: `Deleted the view “${deleting.name}”` });
                    setDeleting(null);
                    onPick(null);
                  },
                })
              }
            >
              Delete view
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}

type SaveViewModalProps = {
  opened: boolean;
  onClose: () => void;
  resource: string;
  definition: ViewDefinition;
  onSaved: (view: SavedView) => void;
};

function SaveViewModal({ opened, onClose, resource, definition, onSaved }: SaveViewModalProps) {
  const create = useCreateSavedView();
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const error = create.error instanceof ApiError ? create.error : null;
  const done = () => {
    setName('');
    setShared(false);
    create.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={done} title="Save view" centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            { resource, name: name.trim(), definition, shared },
            {
              onSuccess: (view) => {
                notifications.show({ color: 'green', message: `Saved the view “${view.name}”` });
                onSaved(view);
                done();
              },
            },
          );
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            Keeps the current search, filters, sort and columns under a name, so you can come back to them.
          </Text>
          <ErrorAlert error={error && error.details.length === 0 ? error : null} />
          <TextInput
            label="Name"
            placeholder="MQLs in Germany"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={error?.fieldError('name')}
            data-autofocus
          />
          <Checkbox
            label="Share with everyone"
            description="Your colleagues can pick it too; only you can delete it."
            checked={shared}
            onChange={(e) => setShared(e.currentTarget.checked)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={done}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
              Save view
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
