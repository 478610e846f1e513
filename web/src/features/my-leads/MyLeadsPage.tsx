import {
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  ThemeIcon,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconArrowsSort, IconChevronDown, IconChevronUp, IconSearch, IconUsers } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { activityTypeLabels, outcomeLabels, type SlaState } from '../../../../contracts/activities.ts';
import { type LifecycleStage, lifecycleStages } from '../../../../contracts/leads.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { StageBadge } from '../../components/leads/StageBadge.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { type MyLead, useMyLeads } from './api.ts';

const slaLook: Record<SlaState, { label: string; color: string }> = {
  none: { label: 'No SLA', color: 'gray' },
  waiting: { label: 'Waiting for you', color: 'blue' },
  due_soon: { label: 'SLA ends soon', color: 'orange' },
  overdue: { label: 'SLA passed', color: 'red' },
  accepted: { label: 'Accepted', color: 'teal' },
  rejected: { label: 'Rejected', color: 'gray' },
  closed: { label: 'Closed', color: 'gray' },
};
const slaOrder: SlaState[] = ['overdue', 'due_soon', 'waiting', 'accepted', 'none', 'rejected', 'closed'];

type SortKey = 'name' | 'stage' | 'score' | 'sla' | 'task' | 'activity';
const far = '9999';
const sorters: Record<SortKey, (l: MyLead) => string | number> = {
  name: (l) => l.name.toLowerCase(),
  stage: (l) => lifecycleStages.indexOf(l.stage as LifecycleStage),
  score: (l) => l.score?.total ?? -1,
  sla: (l) => slaOrder.indexOf(l.sla.state) * 1e13 + (l.sla.dueAt ? Date.parse(l.sla.dueAt) : 0),
  task: (l) => l.nextTask?.dueAt ?? far,
  activity: (l) => l.lastActivity?.occurredAt ?? '',
};

/** A rep's leads: where each stands (stage, score, SLA), what is next (task) and what happened last. */
export function MyLeadsPage() {
  const [scope, setScope] = useState<'open' | 'all'>('open');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'sla', desc: false });
  const list = useMyLeads({ scope, q });
  const rows = [...(list.data?.pages.flatMap((p) => p.data) ?? [])].sort((a, b) => {
    const x = sorters[sort.key](a);
    const y = sorters[sort.key](b);
    return (x < y ? -1 : x > y ? 1 : 0) * (sort.desc ? -1 : 1);
  });
  const header = (key: SortKey, label: string) => (
    <Table.Th>
      <UnstyledButton
        onClick={() =>
          setSort((s) => ({ key, desc: s.key === key ? !s.desc : key === 'score' || key === 'activity' }))
        }
        aria-label={`Sort by ${label.toLowerCase()}`}
      >
        <Group gap={4} wrap="nowrap">
          <Text size="sm" fw={700}>
            {label}
          </Text>
          {sort.key !== key ? (
            <IconArrowsSort size={14} opacity={0.5} />
          ) : sort.desc ? (
            <IconChevronDown size={14} />
          ) : (
            <IconChevronUp size={14} />
          )}
        </Group>
      </UnstyledButton>
    </Table.Th>
  );

  return (
    <>
      <PageHeader
        title="My leads"
        description="The leads you own: where each stands, the next task and the last thing that happened. Most urgent first."
        actions={
          <Group align="flex-end">
            <TextInput
              label="Search"
              placeholder="Name, email or company"
              leftSection={<IconSearch size={14} />}
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
              w={240}
            />
            <SegmentedControl
              aria-label="Which leads"
              data={[
                { value: 'open', label: 'Open' },
                { value: 'all', label: 'All' },
              ]}
              value={scope}
              onChange={(v) => setScope(v as 'open' | 'all')}
            />
          </Group>
        }
      />
      <ErrorAlert error={list.error} title="Your leads could not be loaded" />
      {list.isPending ? (
        <Stack>
          <Skeleton h={44} />
          <Skeleton h={44} />
          <Skeleton h={44} />
        </Stack>
      ) : rows.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <Group>
            <ThemeIcon variant="light" size="xl" radius="xl">
              <IconUsers size={22} />
            </ThemeIcon>
            <Stack gap={0}>
              <Text fw={600}>{q ? 'No lead of yours matches' : 'No leads of yours yet'}</Text>
              <Text size="sm" c="dimmed">
                {q
                  ? 'Try another name, or look at all stages.'
                  : 'Leads routed to you, or that you own, appear here. New ones arrive in the inbox first.'}
              </Text>
            </Stack>
          </Group>
        </Paper>
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="My leads">
              <Table.Thead>
                <Table.Tr>
                  {header('name', 'Lead')}
                  {header('stage', 'Stage')}
                  {header('score', 'Score')}
                  {header('sla', 'SLA')}
                  {header('task', 'Next task')}
                  {header('activity', 'Last activity')}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((l) => (
                  <Table.Tr key={l.id} data-testid="my-lead">
                    <Table.Td>
                      <Anchor component={Link} to={`/leads/${encodeURIComponent(l.id)}`} fw={600} size="sm">
                        {l.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {[l.companyName, l.email].filter(Boolean).join(' · ') || '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <StageBadge stage={l.stage as LifecycleStage} />
                    </Table.Td>
                    <Table.Td>
                      {l.score ? (
                        <Badge variant="light" color="grape">
                          {l.score.total}
                          {l.score.grade ? ` · ${l.score.grade}` : ''}
                        </Badge>
                      ) : (
                        <Text size="xs" c="dimmed">
                          —
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <SlaCell lead={l} />
                    </Table.Td>
                    <Table.Td>
                      {l.nextTask ? (
                        <>
                          <Text size="sm" lineClamp={1}>
                            {l.nextTask.title}
                          </Text>
                          <Text size="xs" c={Date.parse(l.nextTask.dueAt) < Date.now() ? 'red' : 'dimmed'}>
                            Due {formatRelative(l.nextTask.dueAt)}
                          </Text>
                        </>
                      ) : (
                        <Text size="xs" c="dimmed">
                          No open task
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {l.lastActivity ? (
                        <>
                          <Text size="sm">
                            {activityTypeLabels[l.lastActivity.type]}
                            {l.lastActivity.outcome ? ` · ${outcomeLabels[l.lastActivity.outcome]}` : ''}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {formatRelative(l.lastActivity.occurredAt)}
                          </Text>
                        </>
                      ) : (
                        <Text size="xs" c="dimmed">
                          Nothing logged
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {list.hasNextPage ? (
            <Group justify="center" p="sm">
              <Button
                variant="default"
                size="xs"
                loading={list.isFetchingNextPage}
                onClick={() => list.fetchNextPage()}
              >
                Load more
              </Button>
            </Group>
          ) : null}
        </Paper>
      )}
    </>
  );
}

function SlaCell({ lead }: { lead: MyLead }) {
  const look = slaLook[lead.sla.state];
  const open = lead.sla.state === 'waiting' || lead.sla.state === 'due_soon' || lead.sla.state === 'overdue';
  return (
    <Stack gap={2}>
      <Badge variant="light" color={look.color} style={{ minWidth: 'max-content' }}>
        {look.label}
      </Badge>
      {open && lead.sla.dueAt ? (
        <Tooltip label={formatDateTime(lead.sla.dueAt)}>
          <Text size="xs" c="dimmed">
            {lead.sla.state === 'overdue' ? 'Was due' : 'Due'} {formatRelative(lead.sla.dueAt)}
          </Text>
        </Tooltip>
      ) : null}
      {lead.sla.firstTouchMinutes !== null ? (
        <Text size="xs" c="dimmed">
          First touch after {lead.sla.firstTouchMinutes} business min
        </Text>
      ) : null}
    </Stack>
  );
}
