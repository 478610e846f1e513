import { IconChartBar, IconInbox, IconLayoutKanban } from '@tabler/icons-react';
import { ComingSoon } from '../../components/ComingSoon.tsx';

// Areas whose capability has not landed yet. Each says what it will hold, so nobody mistakes it
// for a finished page; each is replaced by its feature when that lands.

export const InboxArea = () => (
  <ComingSoon
    title="Inbox"
    icon={<IconInbox size={22} />}
    description="Qualified leads routed to sales, with an SLA."
    what="Each new assignment shows why the lead qualified and how long is left to accept it."
  />
);
export const PipelineArea = () => (
  <ComingSoon
    title="Pipeline"
    icon={<IconLayoutKanban size={22} />}
    description="Deals by stage."
    what="A board of open deals to drag from stage to stage, won or lost with a reason."
  />
);
export const AnalyticsArea = () => (
  <ComingSoon
    title="Analytics"
    icon={<IconChartBar size={22} />}
    description="The feedback loop."
    what="Funnel and velocity by channel, attribution to revenue, lead quality by source and scoring calibration."
  />
);
