import {
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  ScrollArea,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconArrowMerge, IconSearch } from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import { type CustomFieldDefinition, type Lead, standardFieldKeys } from '../../../../../contracts/leads.ts';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { leadName } from '../../../components/leads/format.ts';
import { useLeadSearch } from '../../../components/leads/queries.ts';
import { StageBadge } from '../../../components/leads/StageBadge.tsx';
import { useMergeLead } from '../api.ts';
import { type FieldContext, fieldLabel, fieldValue } from '../fields.ts';

type MergeDialogProps = {
  lead: Lead;
  opened: boolean;
  onClose: () => void;
  ctx: FieldContext;
  customFields: CustomFieldDefinition[];
};

/**
 * Merges another lead into this one: find it, compare both side by side, choose which of the
 * other's values win. This lead keeps its email and id; the merge can be undone from its history.
 */
export function MergeDialog({ lead, opened, onClose, ctx, customFields }: MergeDialogProps) {
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q, 250);
  const [other, setOther] = useState<Lead | null>(null);
  const [prefer, setPrefer] = useState<string[]>([]);
  const search = useLeadSearch(debounced);
  const merge = useMergeLead(lead.id);
  const done = () => {
    setQ('');
    setOther(null);
    setPrefer([]);
    merge.reset();
    onClose();
  };
  const candidates = (search.data?.data ?? []).filter((l) => l.id !== lead.id);

  return (
    <Modal opened={opened} onClose={done} title="Merge with another lead" size={other ? 'xl' : 'lg'} centered>
      {other ? (
        <Stack>
          <Text size="sm">
            <b>{leadName(other)}</b> will be merged into <b>{leadName(lead)}</b>. This lead keeps its email
            and its link; the other lead’s history, identities and consent move here, and its email finds this
            lead from now on. Blanks here are filled from the other lead; tick “Use other” where the other
            lead’s value should win. You can undo the merge from the merge history.
          </Text>
          <ComparisonTable
            lead={lead}
            other={other}
            prefer={prefer}
            onPrefer={setPrefer}
            ctx={ctx}
            customFields={customFields}
          />
          <ErrorAlert error={merge.error} title="Not merged" />
          <Group justify="space-between">
            <Button variant="subtle" color="gray" onClick={() => setOther(null)}>
              Choose another lead
            </Button>
            <Group gap="sm">
              <Button variant="default" onClick={done}>
                Cancel
              </Button>
              <Button
                leftSection={<IconArrowMerge size={16} />}
                loading={merge.isPending}
                onClick={() =>
                  merge.mutate(
                    { mergedId: other.id, prefer },
                    {
                      onSuccess: () => {
                        notifications.show({
                          color: 'green',
                          message: `Merged ${leadName(other)} into this lead. You can undo it from the merge history.`,
                        });
                        done();
                      },
                    },
                  )
                }
              >
                Merge leads
              </Button>
            </Group>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <TextInput
            label="Find the lead to merge into this one"
            placeholder="Name, email or company"
            leftSection={<IconSearch size={16} />}
            rightSection={search.isFetching ? <Loader size="xs" /> : null}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            data-autofocus
          />
          <ErrorAlert error={search.error} />
          {debounced.trim() && !search.isPending && candidates.length === 0 ? (
            <Text size="sm" c="dimmed">
              No other lead matches “{debounced}”.
            </Text>
          ) : null}
          <Stack gap={4} role="list" aria-label="Matching leads">
            {candidates.map((c) => (
              <UnstyledButton
                key={c.id}
                role="listitem"
                onClick={() => {
                  setOther(c);
                  setPrefer([]);
                }}
                aria-label={`Choose ${leadName(c)}${c.email ? ` (${c.email})` : ''}`}
                p="xs"
                style={{
                  borderRadius: 'var(--mantine-radius-md)',
                  border: '1px solid var(--mantine-color-default-border)',
                }}
              >
                <Group justify="space-between" wrap="nowrap">
                  <div style={{ minWidth: 0 }}>
                    <Text size="sm" fw={500} truncate>
                      {leadName(c)}
                    </Text>
                    <Text size="xs" c="dimmed" truncate>
                      {[c.email, c.companyName].filter(Boolean).join(' · ')}
                    </Text>
                  </div>
                  <StageBadge stage={c.lifecycleStage} />
                </Group>
              </UnstyledButton>
            ))}
          </Stack>
        </Stack>
      )}
    </Modal>
  );
}

type ComparisonTableProps = {
  lead: Lead;
  other: Lead;
  prefer: string[];
  onPrefer: (prefer: string[]) => void;
  ctx: FieldContext;
  customFields: CustomFieldDefinition[];
};

type Row = { key: string; mine: unknown; theirs: unknown };

function ComparisonTable({ lead, other, prefer, onPrefer, ctx, customFields }: ComparisonTableProps) {
  const rows: Row[] = [
    { key: 'email', mine: lead.email, theirs: other.email },
    ...standardFieldKeys
      .filter((k) => k !== 'email')
      .map((k) => ({ key: k, mine: lead[k], theirs: other[k] })),
    { key: 'lifecycleStage', mine: lead.lifecycleStage, theirs: other.lifecycleStage },
    { key: 'ownerId', mine: lead.ownerId, theirs: other.ownerId },
    ...customFields
      .filter((d) => !d.archived)
      .map((d) => ({
        key: `customFields.${d.key}`,
        mine: lead.customFields[d.key] ?? null,
        theirs: other.customFields[d.key] ?? null,
      })),
  ];
  const toggle = (key: string, on: boolean) =>
    onPrefer(on ? [...prefer, key] : prefer.filter((k) => k !== key));

  return (
    <ScrollArea.Autosize mah="55vh" type="auto">
      <Table verticalSpacing={6} aria-label="Compare the two leads" stickyHeader>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="20%">Field</Table.Th>
            <Table.Th w="28%">This lead</Table.Th>
            <Table.Th w="28%">Other lead</Table.Th>
            <Table.Th w="24%">Result</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(({ key, mine, theirs }) => {
            const a = fieldValue(key, mine, ctx);
            const b = fieldValue(key, theirs, ctx);
            const label = fieldLabel(key, ctx);
            let result: ReactNode;
            if (key === 'email' || b === null || a === b || (key === 'ownerId' && a !== null))
              result = (
                <Badge variant="light" color="gray" tt="none">
                  Keeps this
                </Badge>
              );
            else if (a === null && key !== 'lifecycleStage')
              result = (
                <Badge variant="light" color="teal" tt="none">
                  Filled from other
                </Badge>
              );
            else
              result = (
                <Checkbox
                  label="Use other"
                  aria-label={`Use the other lead’s ${label}`}
                  checked={prefer.includes(key)}
                  onChange={(e) => toggle(key, e.currentTarget.checked)}
                />
              );
            const wins = prefer.includes(key) || (a === null && b !== null && key !== 'email');
            return (
              <Table.Tr key={key}>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {label}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Cell text={a} strong={!wins} />
                </Table.Td>
                <Table.Td>
                  <Cell text={b} strong={wins} />
                </Table.Td>
                <Table.Td>{result}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}

function Cell({ text, strong }: { text: string | null; strong: boolean }) {
  if (text === null)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Text
      size="sm"
      fw={strong ? 600 : 400}
      c={strong ? undefined : 'dimmed'}
      style={{ wordBreak: 'break-word' }}
    >
      {text}
    </Text>
  );
}
