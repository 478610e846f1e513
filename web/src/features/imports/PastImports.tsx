import { Anchor, Badge, EmptyState, Paper, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { IconFileImport } from '@tabler/icons-react';
import type { ImportStatus } from '../../../../contracts/imports.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useImports } from './api.ts';

const statusColors: Record<ImportStatus, string> = {
  ready: 'gray',
  queued: 'blue',
  running: 'blue',
  completed: 'teal',
  failed: 'red',
  cancelled: 'gray',
};

/** The imports run so far, newest first; opening one shows its progress or results. */
export function PastImports({ onOpen }: { onOpen: (id: string) => void }) {
  const imports = useImports();
  const list = imports.data?.data ?? [];
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} size="h4" mb="sm">
        Past imports
      </Title>
      <ErrorAlert error={imports.error} />
      {imports.isPending ? (
        <Stack>
          <Skeleton h={24} />
          <Skeleton h={24} />
        </Stack>
      ) : list.length === 0 ? (
        <EmptyState
          icon={<IconFileImport size={22} />}
          title="No imports yet"
          description="Files you import show up here with their counts and errors."
        />
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs" aria-label="Past imports">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Created</Table.Th>
                <Table.Th ta="right">Updated</Table.Th>
                <Table.Th ta="right">Unchanged</Table.Th>
                <Table.Th ta="right">Failed</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th>By</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>
                    <Anchor component="button" type="button" size="sm" onClick={() => onOpen(i.id)}>
                      {i.filename}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={statusColors[i.status]}>
                      {i.dryRun && i.status === 'completed' ? 'dry run' : i.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{formatNumber(i.counts.created)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(i.counts.updated)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(i.counts.unchanged)}</Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" c={i.counts.failed > 0 ? 'red' : undefined}>
                      {formatNumber(i.counts.failed)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(i.createdAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {i.createdBy ?? '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
