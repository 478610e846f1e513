/** One segment: its live count, members (the lead list, filtered by it), history, export, edit and delete. */
import {
  Anchor,
  Badge,
  Button,
  EmptyState,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconEdit, IconFilter, IconList, IconTrash, IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LeadList } from '../../components/leads/LeadList.tsx';
import { useLocalListState } from '../../components/leads/listState.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { canDeleteLeads } from '../leads/api.ts';
import { useDeleteSegment, useSegment, useSegmentCount, useSegmentHistory } from './api.ts';

const memberColumns = ['email', 'companyName', 'country', 'lifecycleStage', 'createdAt'];

export function SegmentDetailPage() {
  const { id = '' } = useParams();
  const segment = useSegment(id);
  const count = useSegmentCount(id);
  const history = useSegmentHistory(id);
  const role = useSession().data?.role;
  const [list, setList] = useLocalListState({ columns: memberColumns, limit: 25 });
  const [confirm, setConfirm] = useState(false);
  const remove = useDeleteSegment();
  const navigate = useNavigate();

  if (segment.isPending) return <Skeleton h={320} />;
  if (!segment.data) return <ErrorAlert error={segment.error} title="The segment could not be loaded" />;
  const s = segment.data;
  const canDelete = role === 'admin' || role === 'marketing' || role === 'sales_manager';

  return (
    <>
      <PageHeader
        title={s.name}
        description={s.description ?? undefined}
        actions={
          <>
            <Button
              variant="default"
              component="a"
              href={`/api/v1/segments/${encodeURIComponent(s.id)}/export.csv`}
              download
              leftSection={<IconDownload size={16} />}
            >
              Export CSV
            </Button>
            <Button
              variant="default"
              component={Link}
              to={`/leads?segment=${encodeURIComponent(s.id)}`}
              leftSection={<IconFilter size={16} />}
            >
              Open in lead list
            </Button>
            {s.kind === 'dynamic' ? (
              <Button
                component={Link}
                to={`/segments/${encodeURIComponent(s.id)}/edit`}
                leftSection={<IconEdit size={16} />}
              >
                Edit filter
              </Button>
            ) : null}
            {canDelete ? (
              <Button
                color="red"
                variant="light"
                leftSection={<IconTrash size={16} />}
                onClick={() => setConfirm(true)}
              >
                Delete
              </Button>
            ) : null}
          </>
        }
      />
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="md">
        <Paper withBorder radius="md" p="md">
          <Text size="sm" c="dimmed">
            Members now
          </Text>
          <Text fz={32} fw={700} data-testid="segment-count">
            {count.data ? formatNumber(count.data.count) : '–'}
          </Text>
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Text size="sm" c="dimmed">
            Kind
          </Text>
          <Group gap={6} mt={6}>
            {s.kind === 'dynamic' ? (
              <Badge size="lg" variant="light" leftSection={<IconFilter size={14} />}>
                Dynamic
              </Badge>
            ) : (
              <Badge size="lg" variant="light" color="gray" leftSection={<IconList size={14} />}>
                Static list
              </Badge>
            )}
            {s.timeWindow ? (
              <Badge size="lg" variant="outline" color="gray">
                Time window
              </Badge>
            ) : null}
          </Group>
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Text size="sm" c="dimmed">
            Entered / left (latest 50)
          </Text>
          <Text fz={32} fw={700}>
            {formatNumber((history.data?.data ?? []).filter((h) => h.change === 'entered').length)} /{' '}
            {formatNumber((history.data?.data ?? []).filter((h) => h.change === 'left').length)}
          </Text>
        </Paper>
      </SimpleGrid>
      <Stack gap="md">
        <LeadList
          state={list}
          onChange={setList}
          fixed={{ segment: s.id }}
          canDelete={canDeleteLeads(role)}
          label={`Members of ${s.name}`}
          empty={
            <EmptyState
              p="xl"
              icon={<IconUsersGroup size={22} />}
              title="No members yet"
              description={
                s.kind === 'dynamic'
                  ? 'No lead matches this filter right now; leads enter as soon as they do.'
                  : 'Select leads in the lead list, then “Add to list”.'
              }
            />
          }
        />
        <Paper withBorder radius="md" p="md">
          <Title order={4} mb="xs">
            Recent changes
          </Title>
          {(history.data?.data.length ?? 0) === 0 ? (
            <Text size="sm" c="dimmed">
              Nobody has entered or left yet.
            </Text>
          ) : (
            <Table aria-label="Segment history">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Lead</Table.Th>
                  <Table.Th>Change</Table.Th>
                  <Table.Th>Why</Table.Th>
                  <Table.Th>When</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {history.data?.data.map((h, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: history rows of one lead may repeat
                  <Table.Tr key={`${h.leadId}:${h.at}:${i}`}>
                    <Table.Td>
                      <Anchor component={Link} to={`/leads/${encodeURIComponent(h.leadId)}`} size="sm">
                        {h.lead?.email ?? h.leadId}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={h.change === 'entered' ? 'green' : 'orange'}>
                        {h.change}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {h.reason === 'event'
                          ? 'a change or activity'
                          : h.reason === 'refresh'
                            ? 'a re-check'
                            : 'by hand'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {formatDateTime(h.at)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
      </Stack>
      <Modal opened={confirm} onClose={() => setConfirm(false)} title={`Delete ${s.name}?`} centered>
        <Stack>
          <Text size="sm">The segment and its history go; its leads stay.</Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                remove.mutate(s.id, {
                  onSuccess: () => {
                    notifications.show({ message: `${s.name} deleted` });
                    navigate('/segments');
                  },
                })
              }
            >
              Delete segment
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
