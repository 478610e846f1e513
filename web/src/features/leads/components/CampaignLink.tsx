import { Anchor, Badge } from '@mantine/core';
import { IconSpeakerphone } from '@tabler/icons-react';
import { Link } from 'react-router';
import { useCampaign } from '../../campaigns/api.ts';

/** A campaign by id as a link with its name (the id while it loads or when it was deleted). */
export function CampaignLink({ id, size = 'sm' }: { id: string; size?: 'xs' | 'sm' }) {
  const c = useCampaign(id);
  const name = c.data?.name ?? (c.error ? 'deleted campaign' : id);
  return (
    <Anchor component={Link} to={`/campaigns/${encodeURIComponent(id)}`} size={size}>
      {name}
    </Anchor>
  );
}

/** The campaign as a small badge that links to it (on timeline touches). */
export function CampaignBadge({ id }: { id: string }) {
  const c = useCampaign(id);
  return (
    <Badge
      component={Link}
      to={`/campaigns/${encodeURIComponent(id)}`}
      variant="outline"
      color="indigo"
      tt="none"
      size="sm"
      leftSection={<IconSpeakerphone size={11} />}
      style={{ cursor: 'pointer', minWidth: 'max-content' }}
    >
      {c.data?.name ?? (c.error ? 'deleted campaign' : 'campaign')}
    </Badge>
  );
}
