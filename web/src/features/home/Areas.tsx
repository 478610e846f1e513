import { IconChartBar } from '@tabler/icons-react';
import { ComingSoon } from '../../components/ComingSoon.tsx';

// Areas whose capability has not landed yet. Each says what it will hold, so nobody mistakes it
// for a finished page; each is replaced by its feature when that lands.

export const AnalyticsArea = () => (
  <ComingSoon
    title="Analytics"
    icon={<IconChartBar size={22} />}
    description="The feedback loop."
    what="Funnel and velocity by channel, attribution to revenue, lead quality by source and scoring calibration."
  />
);
