import { Button, Tabs } from '@mantine/core';
import { IconPlus, IconRoute, IconSpeakerphone } from '@tabler/icons-react';
import { useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useSession } from '../auth/api.ts';
import { CampaignDialog } from './CampaignDialog.tsx';

/** Marketing (and admins) change campaigns and channel rules; sales reads them. */
export function useCanEditCampaigns(): boolean {
  const role = useSession().data?.role;
  return role === 'admin' || role === 'marketing';
}

/**
 * Campaigns and the channel rules live side by side: both decide how a visit is attributed
 * (a campaign's UTM keys name the campaign, the rules name the channel), and marketing owns both.
 */
export function CampaignsLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const canEdit = useCanEditCampaigns();
  const [creating, setCreating] = useState(false);
  const tab = location.pathname.startsWith('/campaigns/channel-rules') ? 'channel-rules' : 'list';
  return (
    <>
      <PageHeader
        title="Campaigns"
        description="Where leads come from: campaigns with their UTM keys and costs, and the rules that give every visit a channel."
        actions={
          tab === 'list' && canEdit ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
              New campaign
            </Button>
          ) : null
        }
      />
      <Tabs
        value={tab}
        onChange={(v) => navigate(v === 'channel-rules' ? '/campaigns/channel-rules' : '/campaigns')}
        mb="lg"
      >
        <Tabs.List>
          <Tabs.Tab value="list" leftSection={<IconSpeakerphone size={16} />}>
            Campaigns
          </Tabs.Tab>
          <Tabs.Tab value="channel-rules" leftSection={<IconRoute size={16} />}>
            Channel rules
          </Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <Outlet />
      <CampaignDialog
        opened={creating}
        onClose={() => setCreating(false)}
        onSaved={(c) => navigate(`/campaigns/${encodeURIComponent(c.id)}`)}
      />
    </>
  );
}
