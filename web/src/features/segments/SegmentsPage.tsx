/** Segments: every saved segment and static list with its member count, and a chart to compare them. */
import { BarChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import {
  Anchor,
  Badge,
  Button,
  EmptyState,
  Group,
  Paper,
  Skeleton,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { IconClockHour4, IconFilter, IconList, IconPlus, IconUsersGroup } from '@tabler/icons-react';
import { Link } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useSegments } from '../../components/filters/api.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatNumber, formatRelative } from '../../lib/format.ts';

export function SegmentsPage() {
  const segments = useSegments();
  const list = segments.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Segments"
        description="Saved filters whose members change the moment a lead changes or does something, and lists you keep by hand. Use them to filter the lead list, or export them."
        actions={
          <Button component={Link} to="/segments/new" leftSection={<IconPlus size={16} />}>
            New segment
          </Button>
        }
      />
      <ErrorAlert error={segments.error} title="The segments could not be loaded" />
      {segments.isPending ? <Skeleton h={240} /> : null}
      {!segments.isPending && list.length === 0 && !segments.error ? (
        <Paper withBorder radius="md">
          <EmptyState
            p="xl"
            icon={<IconUsersGroup size={22} />}
            title="No segments yet"
            description="Describe a group of leads once (say, German companies that viewed pricing three times this month) and it stays current by itself."
          >
            <EmptyState.Actions>
              <Button component={Link} to="/segments/new" leftSection={<IconPlus size={16} />}>
                Build a segment
              </Button>
            </EmptyState.Actions>
          </EmptyState>
        </Paper>
      ) : null}
      {list.length > 0 ? (
        <>
          <Paper withBorder radius="md" p="md" mb="md">
            <Text fw={600} size="sm" mb="xs">
              Members per segment
            </Text>
            <BarChart
              h={Math.max(120, list.length * 36)}
              data={list.map((s) => ({ segment: s.name, Members: s.memberCount }))}
              dataKey="segment"
              orientation="vertical"
              yAxisProps={{ width: 160 }}
              xAxisProps={{ allowDecimals: false }}
              series={[{ name: 'Members', color: 'indigo.6' }]}
              valueFormatter={(v) => formatNumber(v)}
              withBarValueLabel
              gridAxis="none"
            />
          </Paper>
          <Paper withBorder radius="md">
            <Table.ScrollContainer minWidth={640}>
              <Table verticalSpacing="sm" highlightOnHover aria-label="Segments">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Kind</Table.Th>
                    <Table.Th ta="right">Members</Table.Th>
                    <Table.Th>Updated</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((s) => (
                    <Table.Tr key={s.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/segments/${encodeURIComponent(s.id)}`} fw={500}>
                          {s.name}
                        </Anchor>
                        {s.description ? (
                          <Text size="xs" c="dimmed" lineClamp={1}>
                            {s.description}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        <Group gap={6}>
                          {s.kind === 'dynamic' ? (
                            <Badge variant="light" leftSection={<IconFilter size={12} />}>
                              Dynamic
                            </Badge>
                          ) : (
                            <Badge variant="light" color="gray" leftSection={<IconList size={12} />}>
                              Static list
                            </Badge>
                          )}
                          {s.timeWindow ? (
                            <Tooltip label="Has a time window: re-checked every hour as time passes">
                              <Badge
                                variant="outline"
                                color="gray"
                                leftSection={<IconClockHour4 size={12} />}
                              >
                                Time window
                              </Badge>
                            </Tooltip>
                          ) : null}
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right" ff="monospace">
                        {formatNumber(s.memberCount)}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed">
                          {formatRelative(s.updatedAt)}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        </>
      ) : null}
    </>
  );
}
