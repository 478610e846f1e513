import { Badge, Button, Code, Group, Paper, Select, Skeleton, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { api, query } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';

type AuditEntry = {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  target: { type: string; id: string } | null;
  ip: string | null;
  details: Record<string, unknown>;
};

const filters = [
  { value: '', label: 'All actions' },
  { value: 'auth.', label: 'Sign-ins and sign-outs' },
  { value: 'auth.login_failed', label: 'Failed sign-ins' },
  { value: 'user.', label: 'User changes' },
  { value: 'api_key.', label: 'API key changes' },
  { value: 'job.', label: 'Job retries and discards' },
];

function actionColor(action: string): string {
  if (action.includes('failed') || action.includes('locked') || action.includes('revoked')) return 'red';
  if (action.startsWith('auth.')) return 'blue';
  if (action.startsWith('user.')) return 'grape';
  if (action.startsWith('api_key.')) return 'orange';
  return 'gray';
}

export function AuditLogPage() {
  const [action, setAction] = useState('');
  const entries = useInfiniteQuery({
    queryKey: ['audit-log', action],
    queryFn: ({ pageParam }) =>
      api<{ data: AuditEntry[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/audit-log${query({ action, cursor: pageParam, limit: 50 })}`,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = entries.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Security-relevant actions: sign-ins and failures, user, role and key changes. Entries cannot be edited or deleted."
        actions={
          <Select
            aria-label="Filter actions"
            data={filters}
            value={action}
            onChange={(v) => setAction(v ?? '')}
            allowDeselect={false}
            w={240}
          />
        }
      />
      <ErrorAlert error={entries.error} />
      <Paper withBorder radius="md">
        <Table.ScrollContainer minWidth={1080}>
          <Table verticalSpacing="xs" aria-label="Audit log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th miw={210}>Action</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Details</Table.Th>
                <Table.Th>IP</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.isPending
                ? [1, 2, 3, 4].map((i) => (
                    <Table.Tr key={i}>
                      <Table.Td colSpan={6}>
                        <Skeleton h={20} />
                      </Table.Td>
                    </Table.Tr>
                  ))
                : rows.map((e) => (
                    <Table.Tr key={e.id}>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Text size="sm">{formatDateTime(e.at)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge
                          variant="light"
                          color={actionColor(e.action)}
                          tt="none"
                          styles={{ root: { maxWidth: 'none' }, label: { overflow: 'visible' } }}
                        >
                          {e.action}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{e.actor.label ?? e.actor.type}</Text>
                        <Text size="xs" c="dimmed">
                          {e.actor.type}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" c="dimmed">
                          {e.target ? `${e.target.type} ${e.target.id}` : '—'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {Object.keys(e.details).length > 0 ? (
                          <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} fz="xs">
                            {JSON.stringify(e.details)}
                          </Code>
                        ) : null}
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Text size="xs" c="dimmed">
                          {e.ip ?? '—'}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {!entries.isPending && rows.length === 0 ? (
          <Text p="lg" c="dimmed" ta="center">
            Nothing recorded for this filter yet.
          </Text>
        ) : null}
      </Paper>
      <Stack align="center" mt="md">
        {entries.hasNextPage ? (
          <Group>
            <Button
              variant="default"
              loading={entries.isFetchingNextPage}
              onClick={() => entries.fetchNextPage()}
            >
              Load older entries
            </Button>
          </Group>
        ) : null}
      </Stack>
    </>
  );
}
