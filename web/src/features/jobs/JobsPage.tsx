import {
  Badge,
  Button,
  Code,
  EmptyState,
  Group,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCircleCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { api, query } from '../../lib/api.ts';
import { formatDateTime, formatNumber } from '../../lib/format.ts';

type JobStatus = 'queued' | 'running' | 'succeeded' | 'dead';
type Job = {
  id: string;
  name: string;
  status: JobStatus;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
};
type JobsPage = { data: Job[]; nextCursor: string | null; counts: Partial<Record<JobStatus, number>> };

const statusColors: Record<JobStatus, string> = {
  queued: 'blue',
  running: 'yellow',
  succeeded: 'green',
  dead: 'red',
};
const statusLabels: Record<JobStatus, string> = {
  dead: 'Dead letters',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
};

export function JobsPage() {
  const [status, setStatus] = useState<JobStatus>('dead');
  const client = useQueryClient();
  const jobs = useQuery({
    queryKey: ['jobs', status],
    queryFn: () => api<JobsPage>('GET', `/api/v1/jobs${query({ status, limit: 100 })}`),
    refetchInterval: 5000,
  });
  const act = useMutation({
    mutationFn: async ({ id, action }: { id: string; action: 'retry' | 'discard' }) => {
      if (action === 'retry') await api<Job>('POST', `/api/v1/jobs/${encodeURIComponent(id)}/retry`);
      else await api<void>('DELETE', `/api/v1/jobs/${encodeURIComponent(id)}`);
    },
    onSuccess: (_r, v) => {
      notifications.show({
        color: 'green',
        message: v.action === 'retry' ? 'Job queued again' : 'Job discarded',
      });
      return client.invalidateQueries({ queryKey: ['jobs'] });
    },
  });
  const counts = jobs.data?.counts ?? {};

  return (
    <>
      <PageHeader
        title="Background jobs"
        description="Deliveries, timers and imports run as jobs with retries. A job that fails every attempt lands in dead letters, where you can retry it once the cause is fixed."
      />
      <SimpleGrid cols={{ base: 2, md: 4 }} mb="lg">
        {(['dead', 'queued', 'running', 'succeeded'] as JobStatus[]).map((s) => (
          <Paper key={s} withBorder radius="md" p="md">
            <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
              {statusLabels[s]}
            </Text>
            <Text fw={700} size="xl" c={s === 'dead' && (counts.dead ?? 0) > 0 ? 'red' : undefined}>
              {jobs.isPending ? '…' : formatNumber(counts[s] ?? 0)}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>
      <Group mb="sm">
        <SegmentedControl
          aria-label="Job status"
          value={status}
          onChange={(v) => setStatus(v as JobStatus)}
          data={(['dead', 'queued', 'running', 'succeeded'] as JobStatus[]).map((s) => ({
            value: s,
            label: statusLabels[s],
          }))}
        />
      </Group>
      <ErrorAlert error={jobs.error ?? act.error} />
      <Paper withBorder radius="md">
        {jobs.isPending ? (
          <Stack p="md">
            <Skeleton h={24} />
          </Stack>
        ) : (jobs.data?.data.length ?? 0) === 0 ? (
          <EmptyState
            p="xl"
            icon={<IconCircleCheck size={22} />}
            title={status === 'dead' ? 'No dead letters' : `No ${statusLabels[status].toLowerCase()} jobs`}
            description={status === 'dead' ? 'Every job succeeded or is still being retried.' : undefined}
          />
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" aria-label="Jobs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Attempts</Table.Th>
                  <Table.Th>{status === 'queued' ? 'Runs at' : 'Created'}</Table.Th>
                  <Table.Th>Last error</Table.Th>
                  {status === 'dead' ? <Table.Th /> : null}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {jobs.data?.data.map((j) => (
                  <Table.Tr key={j.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {j.name}
                      </Text>
                      <Tooltip label={<Code>{JSON.stringify(j.payload)}</Code>}>
                        <Text size="xs" c="dimmed">
                          {j.id}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={statusColors[j.status]} variant="light">
                        {j.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {j.attempts} / {j.maxAttempts}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(status === 'queued' ? j.runAt : j.createdAt)}</Text>
                    </Table.Td>
                    <Table.Td maw={360}>
                      <Text size="xs" c="red" lineClamp={2}>
                        {j.lastError ?? ''}
                      </Text>
                    </Table.Td>
                    {status === 'dead' ? (
                      <Table.Td>
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="light"
                            onClick={() => act.mutate({ id: j.id, action: 'retry' })}
                          >
                            Retry
                          </Button>
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            onClick={() => act.mutate({ id: j.id, action: 'discard' })}
                          >
                            Discard
                          </Button>
                        </Group>
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
    </>
  );
}
