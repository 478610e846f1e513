import { Badge, type MantineColor } from '@mantine/core';
import { type LifecycleStage, stageLabels } from '../../../../contracts/leads.ts';

/** One colour per lifecycle stage, from cold (grey) through warm (orange) to won (green). */
export const stageColors: Record<LifecycleStage, MantineColor> = {
  subscriber: 'gray',
  lead: 'blue',
  mql: 'cyan',
  sal: 'teal',
  sql: 'yellow',
  opportunity: 'orange',
  customer: 'green',
  disqualified: 'red',
  recycled: 'grape',
};

type StageBadgeProps = { stage: LifecycleStage; size?: 'xs' | 'sm' | 'md' | 'lg' };

export function StageBadge({ stage, size = 'sm' }: StageBadgeProps) {
  return (
    <Badge
      color={stageColors[stage]}
      variant="light"
      size={size}
      style={{ flexShrink: 0, minWidth: 'max-content' }}
    >
      {stageLabels[stage] ?? stage}
    </Badge>
  );
}
