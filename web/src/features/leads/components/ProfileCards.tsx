import {
  Anchor,
  Button,
  DataList,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPencil } from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import {
  type CustomFieldDefinition,
  type Lead,
  type StandardField,
  standardFieldKeys,
  standardFields,
} from '../../../../../contracts/leads.ts';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { formatCalendarDay, valueText } from '../../../components/leads/format.ts';
import { ApiError } from '../../../lib/api.ts';
import { useUpdateLead } from '../api.ts';
import { CustomFieldInput } from './CustomFieldInput.tsx';

type CardProps = {
  title: string;
  editing: boolean;
  onEdit: () => void;
  canEdit: boolean;
  children: ReactNode;
};

function Card({ title, editing, onEdit, canEdit, children }: CardProps) {
  return (
    <Paper withBorder radius="md" p="lg">
      <Group justify="space-between" mb="md">
        <Title order={3} size="h4">
          {title}
        </Title>
        {!editing && canEdit ? (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPencil size={14} />}
            onClick={onEdit}
            aria-label={`Edit ${title.toLowerCase()}`}
          >
            Edit
          </Button>
        ) : null}
      </Group>
      {children}
    </Paper>
  );
}

const empty = (
  <Text span size="sm" c="dimmed">
    —
  </Text>
);

function Shown({ value }: { value: string | null }) {
  return value === null ? empty : <span style={{ wordBreak: 'break-word' }}>{value}</span>;
}

type ProfileCardProps = { lead: Lead; canEdit: boolean };

/** The standard fields, and a form that changes them (an emptied field is cleared). */
export function ProfileCard({ lead, canEdit }: ProfileCardProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<StandardField, string>>(() => draftOf(lead));
  const update = useUpdateLead(lead.id);
  const error = update.error instanceof ApiError ? update.error : null;
  const start = () => {
    setDraft(draftOf(lead));
    update.reset();
    setEditing(true);
  };
  const submit = () => {
    const patch: Record<string, string | number | null> = {};
    for (const key of standardFieldKeys) {
      const before = lead[key] === null ? '' : String(lead[key]);
      const now = draft[key].trim();
      if (now === before) continue;
      patch[key] = now === '' ? null : key === 'companySize' ? Number(now) : now;
    }
    if (Object.keys(patch).length === 0) return setEditing(false);
    update.mutate(patch, {
      onSuccess: () => {
        notifications.show({ color: 'green', message: 'Profile saved' });
        setEditing(false);
      },
    });
  };

  return (
    <Card title="Profile" editing={editing} onEdit={start} canEdit={canEdit}>
      {editing ? (
        <form
          aria-label="Edit profile"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack>
            <ErrorAlert error={error && error.details.length === 0 ? error : null} title="Not saved" />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {standardFieldKeys.map((key) =>
                key === 'companySize' ? (
                  <NumberInput
                    key={key}
                    label={standardFields[key].label}
                    min={0}
                    allowDecimal={false}
                    value={draft[key]}
                    onChange={(v) => setDraft({ ...draft, [key]: v === '' ? '' : String(v) })}
                    error={error?.fieldError(key)}
                  />
                ) : (
                  <TextInput
                    key={key}
                    label={standardFields[key].label}
                    type={key === 'email' ? 'email' : undefined}
                    maxLength={standardFields[key].max}
                    value={draft[key]}
                    onChange={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })}
                    error={error?.fieldError(key)}
                  />
                ),
              )}
            </SimpleGrid>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setEditing(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={update.isPending}>
                Save profile
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <DataList labelWidth={170} withDivider aria-label="Profile">
          {standardFieldKeys.map((key) => (
            <DataList.Item key={key}>
              <DataList.ItemLabel>{standardFields[key].label}</DataList.ItemLabel>
              <DataList.ItemValue>
                {key === 'companyName' && lead.companyId && lead.companyName ? (
                  <Anchor component={Link} to={`/companies/${encodeURIComponent(lead.companyId)}`} size="sm">
                    {lead.companyName}
                  </Anchor>
                ) : (
                  <Shown value={valueText(lead[key])} />
                )}
              </DataList.ItemValue>
            </DataList.Item>
          ))}
        </DataList>
      )}
    </Card>
  );
}

function draftOf(lead: Lead): Record<StandardField, string> {
  return Object.fromEntries(
    standardFieldKeys.map((k) => [k, lead[k] === null ? '' : String(lead[k])]),
  ) as Record<StandardField, string>;
}

type CustomFieldsCardProps = { lead: Lead; definitions: CustomFieldDefinition[]; canEdit: boolean };

/** The custom fields, each edited with the input its type calls for. */
export function CustomFieldsCard({ lead, definitions, canEdit }: CustomFieldsCardProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, unknown>>({});
  const update = useUpdateLead(lead.id);
  const error = update.error instanceof ApiError ? update.error : null;
  // Archived fields stay visible where they hold a value; they are not offered for editing.
  const active = definitions.filter((d) => !d.archived);
  const archivedWithValue = definitions.filter(
    (d) => d.archived && valueText(lead.customFields[d.key]) !== null,
  );
  const start = () => {
    setDraft({ ...lead.customFields });
    update.reset();
    setEditing(true);
  };
  const submit = () => {
    const patch: Record<string, unknown> = {};
    for (const d of active) {
      const before = lead.customFields[d.key] ?? null;
      const now = draft[d.key] ?? null;
      if (JSON.stringify(before) !== JSON.stringify(now)) patch[d.key] = now;
    }
    if (Object.keys(patch).length === 0) return setEditing(false);
    update.mutate(
      { customFields: patch as Record<string, string | number | boolean | string[] | null> },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: 'Custom fields saved' });
          setEditing(false);
        },
      },
    );
  };
  const shown = (d: CustomFieldDefinition) => {
    const v = lead.customFields[d.key];
    return d.type === 'date' && typeof v === 'string' ? formatCalendarDay(v) : valueText(v);
  };

  return (
    <Card title="Custom fields" editing={editing} onEdit={start} canEdit={canEdit && active.length > 0}>
      {definitions.length === 0 ? (
        <Text size="sm" c="dimmed">
          No custom fields are defined yet. Admins add them under{' '}
          <Anchor component={Link} to="/settings/custom-fields" size="sm">
            Settings → Custom fields
          </Anchor>
          .
        </Text>
      ) : editing ? (
        <form
          aria-label="Edit custom fields"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack>
            <ErrorAlert
              error={error && !error.details.some((d) => d.field.startsWith('customFields.')) ? error : null}
              title="Not saved"
            />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {active.map((d) => (
                <CustomFieldInput
                  key={d.id}
                  def={d}
                  value={draft[d.key] ?? null}
                  onChange={(v) => setDraft({ ...draft, [d.key]: v })}
                  error={error?.fieldError(`customFields.${d.key}`)}
                />
              ))}
            </SimpleGrid>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setEditing(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={update.isPending}>
                Save custom fields
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <DataList labelWidth={170} withDivider aria-label="Custom fields">
          {[...active, ...archivedWithValue].map((d) => (
            <DataList.Item key={d.id}>
              <DataList.ItemLabel>
                {d.label}
                {d.archived ? (
                  <Text span size="xs" c="dimmed">
                    {' '}
                    (archived)
                  </Text>
                ) : null}
              </DataList.ItemLabel>
              <DataList.ItemValue>
                <Shown value={shown(d)} />
              </DataList.ItemValue>
            </DataList.Item>
          ))}
        </DataList>
      )}
    </Card>
  );
}
