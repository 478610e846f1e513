import { Badge, Group, Paper, RingProgress, Stack, Text, Title, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import type { Lead } from '../../../../contracts/leads.ts';

const closed = new Set(['customer', 'disqualified', 'recycled']);

function colorOf(p: number): string {
  return p >= 0.3 ? 'teal' : p >= 0.1 ? 'yellow' : 'gray';
}

/** The predictive model's view of one lead: its conversion probability and what drives it. */
export function LeadPredictionCard({ lead }: { lead: Lead }) {
  const p = lead.conversionProbability;
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Conversion prediction">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          Conversion prediction
        </Title>
        <Text size="xs" component={Link} to="/scoring/predict" c="dimmed">
          About the model
        </Text>
      </Group>
      {p === undefined ? (
        <Text size="sm" c="dimmed">
          {closed.has(lead.lifecycleStage)
            ? 'This lead’s outcome is known, so the model learns from it instead of scoring it.'
            : 'Not scored yet: the model scores open leads each time it is trained (daily, or with Train now).'}
        </Text>
      ) : (
        <Group align="flex-start" wrap="nowrap" gap="lg">
          <RingProgress
            size={96}
            thickness={9}
            roundCaps
            sections={[{ value: p * 100, color: colorOf(p) }]}
            label={
              <Text ta="center" fw={700} size="lg" data-testid="conversion-probability">
                {(p * 100).toFixed(p < 0.1 ? 1 : 0)}%
              </Text>
            }
          />
          <Stack gap={6} style={{ minWidth: 0, flex: 1 }}>
            <Text size="sm" c="dimmed">
              Chance of becoming a customer. What moves it most:
            </Text>
            {(lead.conversionFactors ?? []).map((f) => (
              <Group key={f.label} gap={8} wrap="nowrap">
                <Tooltip label={`${f.contribution > 0 ? '+' : ''}${f.contribution.toFixed(2)} log-odds`}>
                  <Badge
                    variant="light"
                    color={f.contribution > 0 ? 'teal' : 'red'}
                    w={44}
                    px={0}
                    aria-label={f.contribution > 0 ? 'raises' : 'lowers'}
                  >
                    {f.contribution > 0 ? '▲' : '▼'}
                  </Badge>
                </Tooltip>
                <Text size="sm" truncate>
                  {f.label}
                </Text>
              </Group>
            ))}
          </Stack>
        </Group>
      )}
    </Paper>
  );
}
