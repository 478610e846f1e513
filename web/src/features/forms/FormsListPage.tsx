import {
  Anchor,
  Button,
  Code,
  EmptyState,
  Group,
  List,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconForms, IconPlus, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import type { FormStatus } from '../../../../contracts/forms.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { useForms } from './api.ts';
import { canEditForms, StatusBadge } from './parts.tsx';

/** `/forms`: every form with its status and how it is doing, newest first. */
export function FormsListPage() {
  const session = useSession();
  const canEdit = canEditForms(session.data?.role);
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const [status, setStatus] = useState<FormStatus | 'all'>('all');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const forms = useForms({ q: debounced, status: status === 'all' ? null : status, cursor });
  const list = forms.data?.data ?? [];
  const filtered = debounced !== '' || status !== 'all';
  const reset = () => setCursors([null]);

  return (
    <>
      <PageHeader
        title="Forms"
        description="Capture leads on a hosted page or on your own site with one script tag. Every submission becomes a lead, with its consent and the campaign that brought it."
        actions={
          canEdit ? (
            <Button component={Link} to="/forms/new" leftSection={<IconPlus size={16} />}>
              New form
            </Button>
          ) : null
        }
      />
      <ErrorAlert error={forms.error} />
      {!forms.isPending && list.length === 0 && !filtered && cursors.length === 1 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            icon={<IconForms size={22} />}
            title="No forms yet"
            description={
              <Stack gap="xs" align="center">
                <Text size="sm" c="dimmed" maw={560}>
                  A form turns visitors into leads. Pick the fields to ask for, add consent checkboxes, then
                  share its page or paste one tag into your website.
                </Text>
                <List size="sm" c="dimmed" spacing={4} ta="left">
                  <List.Item>Answers go straight to lead fields and your custom fields</List.Item>
                  <List.Item>UTM values and the page are recorded for attribution</List.Item>
                  <List.Item>Spam protection, double opt-in and notifications built in</List.Item>
                </List>
                {canEdit ? (
                  <Button component={Link} to="/forms/new" leftSection={<IconPlus size={16} />} mt="sm">
                    Build your first form
                  </Button>
                ) : null}
              </Stack>
            }
          />
        </Paper>
      ) : (
        <Stack gap="sm">
          <Group justify="space-between">
            <TextInput
              type="search"
              aria-label="Search forms"
              placeholder="Search by name or address"
              leftSection={<IconSearch size={16} />}
              value={q}
              onChange={(e) => {
                setQ(e.currentTarget.value);
                reset();
              }}
              w={320}
            />
            <SegmentedControl
              aria-label="Status"
              value={status}
              onChange={(v) => {
                setStatus(v as FormStatus | 'all');
                reset();
              }}
              data={[
                { value: 'all', label: 'All' },
                { value: 'published', label: 'Published' },
                { value: 'draft', label: 'Drafts' },
                { value: 'archived', label: 'Archived' },
              ]}
            />
          </Group>
          <Paper withBorder radius="md">
            {forms.isPending ? (
              <Stack p="md">
                <Skeleton h={24} />
                <Skeleton h={24} />
                <Skeleton h={24} />
              </Stack>
            ) : list.length === 0 ? (
              <Text p="lg" c="dimmed" ta="center" size="sm">
                No form matches.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={860}>
                <Table verticalSpacing="sm" highlightOnHover aria-label="Forms">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Form</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th ta="right">Submissions</Table.Th>
                      <Table.Th>Last submission</Table.Th>
                      <Table.Th>Created</Table.Th>
                      <Table.Th>Updated</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.map((f) => (
                      <Table.Tr key={f.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/forms/${f.id}`} fw={500} size="sm">
                            {f.name}
                          </Anchor>
                          <div>
                            <Code fz="xs">/f/{f.slug}</Code>
                          </div>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={f.status} />
                        </Table.Td>
                        <Table.Td ta="right">
                          <Text size="sm" fw={500}>
                            {formatNumber(f.submissionCount)}
                          </Text>
                          {f.spamCount > 0 ? (
                            <Text size="xs" c="dimmed">
                              +{formatNumber(f.spamCount)} spam
                            </Text>
                          ) : null}
                        </Table.Td>
                        <Table.Td>
                          {f.lastSubmissionAt ? (
                            <Tooltip label={formatDateTime(f.lastSubmissionAt)}>
                              <Text size="sm">{formatRelative(f.lastSubmissionAt)}</Text>
                            </Tooltip>
                          ) : (
                            <Text size="sm" c="dimmed">
                              None yet
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{formatDateTime(f.createdAt)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{formatDateTime(f.updatedAt)}</Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Paper>
          {cursors.length > 1 || forms.data?.nextCursor ? (
            <Group justify="flex-end" gap="xs">
              <Button
                variant="default"
                size="xs"
                disabled={cursors.length === 1}
                onClick={() => setCursors((c) => c.slice(0, -1))}
              >
                Previous
              </Button>
              <Button
                variant="default"
                size="xs"
                disabled={!forms.data?.nextCursor}
                onClick={() => setCursors((c) => [...c, forms.data?.nextCursor ?? null])}
              >
                Next
              </Button>
            </Group>
          ) : null}
        </Stack>
      )}
    </>
  );
}
