import { Group, Progress, Skeleton, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { type LifecycleStage, lifecycleStages, stageLabels } from '../../../../contracts/leads.ts';
import { formatNumber } from '../../lib/format.ts';
import type { LeadStats } from './queries.ts';
import { stageColors } from './StageBadge.tsx';

type StageBarProps = {
  stats: LeadStats | undefined;
  loading: boolean;
  /** Narrows the list to one stage when a legend entry is clicked. */
  onPick?: (stage: LifecycleStage) => void;
};

/** How the leads of the current filter spread over the lifecycle stages, as one bar. */
export function StageBar({ stats, loading, onPick }: StageBarProps) {
  if (!stats) return loading ? <Skeleton h={44} /> : null;
  const present = lifecycleStages.filter((s) => stats.byStage[s] > 0);
  const pct = (n: number) => (stats.total > 0 ? (n / stats.total) * 100 : 0);
  return (
    <Stack gap={8} aria-label="Leads by lifecycle stage" role="group">
      {stats.total === 0 ? (
        <Progress value={0} size={14} radius="xl" aria-label="No leads to show by stage" />
      ) : (
        <Progress.Root size={14} radius="xl">
          {present.map((s) => (
            <Tooltip
              key={s}
              label={`${stageLabels[s]}: ${formatNumber(stats.byStage[s])} (${Math.round(pct(stats.byStage[s]))}%)`}
              withArrow
            >
              <Progress.Section
                value={pct(stats.byStage[s])}
                color={stageColors[s]}
                aria-label={`${stageLabels[s]}: ${formatNumber(stats.byStage[s])}`}
              />
            </Tooltip>
          ))}
        </Progress.Root>
      )}
      <Group gap="md">
        {present.map((s) => (
          <UnstyledButton
            key={s}
            onClick={() => onPick?.(s)}
            disabled={!onPick}
            aria-label={`Show only ${stageLabels[s]} leads (${formatNumber(stats.byStage[s])})`}
          >
            <Group gap={6} wrap="nowrap">
              <span
                aria-hidden
                style={{
                  width: 10,
                  height: 10,
                  borderRadius: 10,
                  background: `var(--mantine-color-${stageColors[s]}-filled)`,
                }}
              />
              <Text size="xs" c="dimmed">
                {stageLabels[s]}
              </Text>
              <Text size="xs" fw={600}>
                {formatNumber(stats.byStage[s])}
              </Text>
            </Group>
          </UnstyledButton>
        ))}
      </Group>
    </Stack>
  );
}
