import { Badge, type BadgeProps } from '@mantine/core';
import { type Channel, channelLabels, channels } from '../../../../contracts/capture.ts';

/** One colour per channel, the same everywhere (badges, charts). */
export const channelColors: Record<Channel, string> = {
  organic_search: 'teal',
  paid_search: 'blue',
  organic_social: 'grape',
  paid_social: 'violet',
  email: 'orange',
  referral: 'cyan',
  display: 'pink',
  events: 'yellow',
  direct: 'gray',
  other: 'dark',
};

export const channelOptions = channels.map((c) => ({ value: c, label: channelLabels[c] }));

export function isChannel(v: unknown): v is Channel {
  return typeof v === 'string' && (channels as readonly string[]).includes(v);
}

type ChannelBadgeProps = { channel: string | null | undefined } & Omit<BadgeProps, 'children' | 'color'>;

export function ChannelBadge({ channel, ...props }: ChannelBadgeProps) {
  if (!channel) return null;
  const known = isChannel(channel);
  return (
    <Badge
      variant="light"
      tt="none"
      color={known ? channelColors[channel] : 'gray'}
      style={{ minWidth: 'max-content' }}
      {...props}
    >
      {known ? channelLabels[channel] : channel}
    </Badge>
  );
}
