/** A lead's score: fit, engagement, total and grade, the rules that fired (with decay), and its history. */
import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useLeadScore, useLeadScoreHistory } from './api.ts';

export const gradeColor: Record<string, string> = { A: 'teal', B: 'blue', C: 'yellow', D: 'gray' };

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function Stat({ label, value, hint }: { label: string; value: React.ReactNode; hint?: string }) {
  return (
    <Paper withBorder radius="sm" p="xs">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Tooltip label={hint} disabled={!hint}>
        <Text fw={700} size="xl">
          {value}
        </Text>
      </Tooltip>
    </Paper>
  );
}

export function LeadScoreCard({ leadId }: { leadId: string }) {
  const score = useLeadScore(leadId);
  const history = useLeadScoreHistory(leadId);
  const s = score.data;
  const points = (history.data?.data ?? []).map((h) => ({
    at: new Date(h.at).toLocaleString(undefined, {
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    }),
    Total: h.total,
    Fit: h.fit,
    Engagement: h.engagement,
  }));
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Lead score">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Score
        </Title>
        <Text size="xs" component={Link} to="/scoring" c="dimmed">
          {s?.version ? `Model v${s.version}` : 'Scoring model'}
        </Text>
      </Group>
      {score.error ? <ErrorAlert error={score.error} /> : null}
      {s ? (
        <Stack gap="md">
          <SimpleGrid cols={4} spacing="xs">
            <Stat label="Total" value={<span data-testid="score-total">{s.total}</span>} />
            <Stat label="Fit" value={s.fit} />
            <Stat label="Engagement" value={s.engagement} hint="Decay computed for now" />
            <Stat
              label="Grade"
              value={
                s.grade ? (
                  <Badge size="lg" color={gradeColor[s.grade]} data-testid="score-grade">
                    {s.grade}
                  </Badge>
                ) : (
                  '—'
                )
              }
            />
          </SimpleGrid>
          {s.total !== s.stored.total ? (
            <Text size="xs" c="dimmed">
              Stored on the lead: {s.stored.total} (as of its last change; decay since then is shown above).
            </Text>
          ) : null}
          {s.rules.length === 0 ? (
            <Text size="sm" c="dimmed">
              No rule has fired for this lead yet.
            </Text>
          ) : (
            <Table verticalSpacing={4} fz="sm" aria-label="Score breakdown">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Rule</Table.Th>
                  <Table.Th ta="right">Events</Table.Th>
                  <Table.Th ta="right">Points</Table.Th>
                  <Table.Th ta="right">After decay</Table.Th>
                  <Table.Th ta="right">Counted</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.rules.map((r) => (
                  <Table.Tr key={`${r.kind}:${r.ruleId}`}>
                    <Table.Td>
                      {/* The name wraps: a long one must not push the numbers out of the card. */}
                      <Group gap={6} wrap="nowrap" align="flex-start">
                        <Badge
                          size="xs"
                          variant="light"
                          color={r.kind === 'fit' ? 'indigo' : 'grape'}
                          style={{ flexShrink: 0 }}
                          mt={2}
                        >
                          {r.kind}
                        </Badge>
                        <Text size="sm">{r.name}</Text>
                      </Group>
                      {r.lastEventAt ? (
                        <Text size="xs" c="dimmed">
                          last {formatDateTime(r.lastEventAt)}
                          {r.group ? ` · group ${r.group}` : ''}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td ta="right">{r.events}</Table.Td>
                    <Table.Td ta="right">{fmt(r.points)}</Table.Td>
                    <Table.Td ta="right">{fmt(r.decayed)}</Table.Td>
                    <Table.Td ta="right" fw={600} c={r.counted < 0 ? 'red' : undefined}>
                      {fmt(r.counted)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {points.length > 1 ? (
            <section aria-label="Score history">
              <Text size="sm" fw={600} mb={4}>
                History
              </Text>
              <LineChart
                h={160}
                data={points}
                dataKey="at"
                curveType="stepAfter"
                withDots={points.length < 30}
                series={[
                  { name: 'Total', color: 'indigo.6' },
                  { name: 'Fit', color: 'teal.5' },
                  { name: 'Engagement', color: 'grape.5' },
                ]}
                withLegend
              />
            </section>
          ) : null}
        </Stack>
      ) : null}
    </Paper>
  );
}
