import {
  ActionIcon,
  Badge,
  Button,
  Code,
  EmptyState,
  Group,
  Menu,
  Modal,
  Paper,
  Pill,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDots, IconForms, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import {
  type CustomFieldDefinition,
  type CustomFieldType,
  customFieldTypes,
  type MergeRule,
} from '../../../../contracts/leads.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useCustomFields } from '../../components/leads/queries.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { useCreateCustomField, useFieldRules, useSetFieldRule, useUpdateCustomField } from './api.ts';

const typeLabels: Record<CustomFieldType, string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  boolean: 'Yes / no',
  select: 'One of a list',
  multiselect: 'Several of a list',
};

const ruleLabels: Record<MergeRule, string> = { newest: 'Newest value wins', first: 'First value wins' };
const ruleOptions = (['newest', 'first'] as const).map((r) => ({ value: r, label: ruleLabels[r] }));

const hasOptions = (t: CustomFieldType) => t === 'select' || t === 'multiselect';

export function CustomFieldsPage() {
  const fields = useCustomFields();
  const update = useUpdateCustomField();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<CustomFieldDefinition | null>(null);
  const list = fields.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="Custom fields"
        description="Fields of your own on every lead: set them in the app, the API (customFields) and imports, filter lists by them, export them. A key cannot change once used; archive a field you no longer need."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            New custom field
          </Button>
        }
      />
      <ErrorAlert error={fields.error ?? update.error} />
      <Paper withBorder radius="md">
        {fields.isPending ? (
          <Stack p="md">
            <Skeleton h={24} />
            <Skeleton h={24} />
          </Stack>
        ) : list.length === 0 ? (
          <EmptyState
            p="xl"
            icon={<IconForms size={22} />}
            title="No custom fields yet"
            description="Add one for what your team tracks beyond the standard fields: a product interest, a budget, a lead source detail."
          />
        ) : (
          <Table.ScrollContainer minWidth={820}>
            <Table verticalSpacing="sm" aria-label="Custom fields">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Field</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Options</Table.Th>
                  <Table.Th>When leads merge</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th w={48} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((f) => (
                  <Table.Tr key={f.id} opacity={f.archived ? 0.6 : 1}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {f.label}
                      </Text>
                      <Code fz="xs">{f.key}</Code>
                      {f.helpText ? (
                        <Text size="xs" c="dimmed" lineClamp={2} maw={320}>
                          {f.helpText}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{typeLabels[f.type]}</Text>
                    </Table.Td>
                    <Table.Td maw={280}>
                      {f.options.length ? (
                        <Group gap={4}>
                          {f.options.slice(0, 6).map((o) => (
                            <Pill key={o} size="sm">
                              {o}
                            </Pill>
                          ))}
                          {f.options.length > 6 ? (
                            <Text size="xs" c="dimmed">
                              +{f.options.length - 6} more
                            </Text>
                          ) : null}
                        </Group>
                      ) : (
                        <Text size="sm" c="dimmed">
                          —
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{ruleLabels[f.mergeRule]}</Text>
                    </Table.Td>
                    <Table.Td>
                      {f.archived ? (
                        <Badge color="gray" variant="light">
                          Archived
                        </Badge>
                      ) : (
                        <Badge color="green" variant="light">
                          Active
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Menu position="bottom-end">
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${f.label}`}>
                            <IconDots size={16} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => setEditing(f)}>Edit…</Menu.Item>
                          <Menu.Item
                            onClick={() =>
                              update.mutate(
                                { id: f.id, archived: !f.archived },
                                {
                                  onSuccess: (d) =>
                                    notifications.show({
                                      color: 'green',
                                      message: d.archived
                                        ? `“${d.label}” is archived: hidden from forms and filters, values kept`
                                        : `“${d.label}” is back in use`,
                                    }),
                                },
                              )
                            }
                          >
                            {f.archived ? 'Unarchive' : 'Archive'}
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      <StandardFieldRules />
      <CreateFieldModal opened={creating} onClose={() => setCreating(false)} />
      <EditFieldModal field={editing} onClose={() => setEditing(null)} />
    </>
  );
}

/** The standard fields' merge rules: which value a lead keeps when two sources disagree. */
function StandardFieldRules() {
  const rules = useFieldRules();
  const set = useSetFieldRule();
  return (
    <Stack gap="sm" mt="xl">
      <div>
        <Title order={3} size="h4">
          Standard fields when sources disagree
        </Title>
        <Text size="sm" c="dimmed" maw={760}>
          When an import, a form or the API brings a different value for a field a lead already has, the
          newest value wins unless you switch the field to “first value wins”. Edits made in the app always
          apply.
        </Text>
      </div>
      <ErrorAlert error={rules.error ?? set.error} />
      <Paper withBorder radius="md">
        <Table verticalSpacing="xs" aria-label="Standard field merge rules">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Field</Table.Th>
              <Table.Th>Rule</Table.Th>
              <Table.Th w={200}>First value wins</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.isPending ? (
              <Table.Tr>
                <Table.Td colSpan={3}>
                  <Skeleton h={24} />
                </Table.Td>
              </Table.Tr>
            ) : (
              rules.data?.data.map((r) => (
                <Table.Tr key={r.field}>
                  <Table.Td>
                    <Text size="sm">{r.label}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {ruleLabels[r.mergeRule]}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      aria-label={`First value wins for ${r.label}`}
                      checked={r.mergeRule === 'first'}
                      disabled={set.isPending && set.variables?.field === r.field}
                      onChange={(e) => {
                        const mergeRule: MergeRule = e.currentTarget.checked ? 'first' : 'newest';
                        set.mutate(
                          { field: r.field, mergeRule },
                          {
                            onSuccess: () =>
                              notifications.show({
                                color: 'green',
                                message: `${r.label}: ${ruleLabels[mergeRule].toLowerCase()}`,
                              }),
                          },
                        );
                      }}
                    />
                  </Table.Td>
                </Table.Tr>
              ))
            )}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

/** A snake_case key from a label: "Budget (EUR)" → budget_eur. */
function keyFrom(label: string): string {
  const k = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^[^a-z]+/, '');
  return k.slice(0, 63);
}

type CreateFieldModalProps = { opened: boolean; onClose: () => void };

function CreateFieldModal({ opened, onClose }: CreateFieldModalProps) {
  const create = useCreateCustomField();
  const empty = {
    label: '',
    key: '',
    keyTouched: false,
    type: 'text' as CustomFieldType,
    options: [] as string[],
    helpText: '',
    mergeRule: 'newest' as MergeRule,
  };
  const [form, setForm] = useState(empty);
  const error = create.error instanceof ApiError ? create.error : null;
  const done = () => {
    setForm(empty);
    create.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={done} title="New custom field" centered size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            {
              key: form.key,
              label: form.label.trim(),
              type: form.type,
              options: hasOptions(form.type) ? form.options : undefined,
              helpText: form.helpText.trim() || null,
              mergeRule: form.mergeRule,
            },
            {
              onSuccess: (f) => {
                notifications.show({ color: 'green', message: `“${f.label}” is now a field on every lead` });
                done();
              },
            },
          );
        }}
      >
        <Stack>
          <ErrorAlert error={error && error.details.length === 0 ? error : null} />
          <TextInput
            label="Label"
            description="What people see."
            required
            maxLength={100}
            value={form.label}
            onChange={(e) => {
              const label = e.currentTarget.value;
              setForm({ ...form, label, key: form.keyTouched ? form.key : keyFrom(label) });
            }}
            error={error?.fieldError('label')}
            data-autofocus
          />
          <TextInput
            label="Key"
            description="Used in the API, imports and exports (customFields.key). Lower case, digits and _; cannot change later."
            required
            maxLength={63}
            value={form.key}
            onChange={(e) => setForm({ ...form, key: e.currentTarget.value, keyTouched: true })}
            error={
              error?.fieldError('key') ??
              (form.key && !/^[a-z][a-z0-9_]{0,62}$/.test(form.key)
                ? 'Start with a letter; use lower-case letters, digits and _'
                : undefined)
            }
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <Select
            label="Type"
            data={customFieldTypes.map((t) => ({ value: t, label: typeLabels[t] }))}
            value={form.type}
            onChange={(v) => v && setForm({ ...form, type: v as CustomFieldType })}
            allowDeselect={false}
            error={error?.fieldError('type')}
          />
          {hasOptions(form.type) ? (
            <TagsInput
              label="Options"
              description="Type an option and press Enter. Options can be added later but not removed."
              value={form.options}
              onChange={(options) => setForm({ ...form, options })}
              error={error?.fieldError('options')}
              clearable
            />
          ) : null}
          <Textarea
            label="Help text"
            description="Shown under the field when people edit a lead."
            maxLength={500}
            autosize
            minRows={2}
            value={form.helpText}
            onChange={(e) => setForm({ ...form, helpText: e.currentTarget.value })}
            error={error?.fieldError('helpText')}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="merge-rule-label">
              When an import or form brings another value
            </Text>
            <SegmentedControl
              aria-labelledby="merge-rule-label"
              data={ruleOptions}
              value={form.mergeRule}
              onChange={(v) => setForm({ ...form, mergeRule: v as MergeRule })}
            />
          </Stack>
          <Group justify="flex-end">
            <Button variant="default" onClick={done}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={create.isPending}
              disabled={
                !form.label.trim() || !form.key || (hasOptions(form.type) && form.options.length === 0)
              }
            >
              Create field
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

type EditFieldModalProps = { field: CustomFieldDefinition | null; onClose: () => void };

function EditFieldModal({ field, onClose }: EditFieldModalProps) {
  return (
    <Modal
      opened={field !== null}
      onClose={onClose}
      title={`Edit “${field?.label ?? ''}”`}
      centered
      size="lg"
    >
      {field ? <EditFieldForm key={field.id} field={field} onClose={onClose} /> : null}
    </Modal>
  );
}

type EditFieldFormProps = { field: CustomFieldDefinition; onClose: () => void };

function EditFieldForm({ field, onClose }: EditFieldFormProps) {
  const update = useUpdateCustomField();
  const [label, setLabel] = useState(field.label);
  const [added, setAdded] = useState<string[]>([]);
  const [helpText, setHelpText] = useState(field.helpText ?? '');
  const [mergeRule, setMergeRule] = useState<MergeRule>(field.mergeRule);
  const error = update.error instanceof ApiError ? update.error : null;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const fresh = added.filter((o) => !field.options.includes(o));
        update.mutate(
          {
            id: field.id,
            label: label.trim(),
            helpText: helpText.trim() || null,
            mergeRule,
            ...(fresh.length ? { options: [...field.options, ...fresh] } : {}),
          },
          {
            onSuccess: (f) => {
              notifications.show({ color: 'green', message: `Saved “${f.label}”` });
              onClose();
            },
          },
        );
      }}
    >
      <Stack>
        <ErrorAlert error={error && error.details.length === 0 ? error : null} />
        <Group gap="xs">
          <Text size="sm" c="dimmed">
            Key
          </Text>
          <Code>{field.key}</Code>
          <Text size="sm" c="dimmed">
            · {typeLabels[field.type]}
          </Text>
        </Group>
        <TextInput
          label="Label"
          required
          maxLength={100}
          value={label}
          onChange={(e) => setLabel(e.currentTarget.value)}
          error={error?.fieldError('label')}
        />
        {hasOptions(field.type) ? (
          <Stack gap={6}>
            <Text size="sm" fw={500}>
              Options
            </Text>
            <Group gap={4}>
              {field.options.map((o) => (
                <Pill key={o}>{o}</Pill>
              ))}
            </Group>
            <TagsInput
              label="Add options"
              description="Existing options stay: leads may hold them. Archive the field instead of removing options."
              value={added}
              onChange={setAdded}
              error={error?.fieldError('options')}
            />
          </Stack>
        ) : null}
        <Textarea
          label="Help text"
          maxLength={500}
          autosize
          minRows={2}
          value={helpText}
          onChange={(e) => setHelpText(e.currentTarget.value)}
        />
        <Select
          label="When an import or form brings another value"
          data={ruleOptions}
          value={mergeRule}
          onChange={(v) => v && setMergeRule(v as MergeRule)}
          allowDeselect={false}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={update.isPending} disabled={!label.trim()}>
            Save field
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
