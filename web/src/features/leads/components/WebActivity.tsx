/**
 * How web touchpoints (page views, form submissions, custom events, identity stitches) read on a
 * lead's timeline: what was seen where, with its channel and campaign when the touch started a visit.
 */
import { Anchor, Badge, Box, Code, Group, Text } from '@mantine/core';
import { IconBolt, IconEye, IconForms, IconLink, IconUnlink } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { Touchpoint } from '../../../../../contracts/leads.ts';
import { ChannelBadge } from '../../campaigns/channels.tsx';
import { CampaignBadge } from './CampaignLink.tsx';

type Described = { icon: ReactNode; color: string; title: ReactNode; body?: ReactNode };

type Page = { url?: string; path?: string; title?: string; referrer?: string };
type Utm = Record<string, string>;

const obj = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** A URL shown as text (never a live link to an arbitrary scheme). */
function PageLine({ page, label = 'Page' }: { page: Page; label?: string }) {
  const url = str(page.url);
  const safe = url && /^https?:\/\//i.test(url);
  return (
    <Text size="xs" style={{ wordBreak: 'break-all' }}>
      <Text span size="xs" c="dimmed">
        {label}:{' '}
      </Text>
      {safe ? (
        <Anchor href={url} target="_blank" rel="noreferrer noopener" size="xs">
          {url}
        </Anchor>
      ) : (
        (url ?? page.path ?? '—')
      )}
    </Text>
  );
}

function UtmLine({ utm, referrer }: { utm: Utm | null; referrer: string | null }) {
  const parts = utm ? Object.entries(utm).filter(([, v]) => typeof v === 'string' && v) : [];
  if (parts.length === 0 && !referrer) return null;
  return (
    <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
      {parts.map(([k, v]) => `utm_${k}=${v}`).join(' · ')}
      {parts.length > 0 && referrer ? ' · ' : ''}
      {referrer ? `from ${referrer}` : ''}
    </Text>
  );
}

/** The channel and campaign of a touch (a visit start or an original source), when it has them. */
export function TouchBadges({ tp }: { tp: Touchpoint }) {
  if (!tp.channel && !tp.campaignId) return null;
  return (
    <Group gap={6} mt={4} aria-label="Attribution">
      <ChannelBadge channel={tp.channel} size="sm" />
      {tp.campaignId ? <CampaignBadge id={tp.campaignId} /> : null}
    </Group>
  );
}

/** The touchpoint types describeWebTouchpoint knows (they show their own attribution badges). */
export const webTouchpointTypes = new Set([
  'page_viewed',
  'form_submitted',
  'event',
  'visitor_linked',
  'visitor_unlinked',
]);

/** A description for web touchpoints; null for every other kind. */
export function describeWebTouchpoint(tp: Touchpoint): Described | null {
  const p = tp.properties;
  const page = (obj(p.page) ?? {}) as Page;
  const utm = obj(p.utm) as Utm | null;
  const referrer = str(page.referrer);
  switch (tp.type) {
    case 'page_viewed':
      return {
        icon: <IconEye size={16} />,
        color: 'cyan',
        title: (
          <>
            Viewed {str(page.title) ? `“${str(page.title)}”` : (str(page.path) ?? 'a page')}
            {p.landing === true ? (
              <Badge size="xs" variant="light" color="gray" ml={6}>
                Visit start
              </Badge>
            ) : null}
          </>
        ),
        body: (
          <Box mt={4}>
            <PageLine page={page} />
            <UtmLine utm={utm} referrer={referrer} />
            <TouchBadges tp={tp} />
          </Box>
        ),
      };
    case 'form_submitted': {
      const form = obj(p.form);
      const name = str(form?.name) ?? str(p.formName) ?? str(form?.slug);
      return {
        icon: <IconForms size={16} />,
        color: 'teal',
        title: name ? `Submitted the form “${name}”` : 'Submitted a form',
        body: (
          <Box mt={4}>
            {str(page.url) ? <PageLine page={page} label="On" /> : null}
            <UtmLine utm={utm} referrer={referrer} />
            <TouchBadges tp={tp} />
          </Box>
        ),
      };
    }
    case 'event': {
      const props = obj(p.props);
      return {
        icon: <IconBolt size={16} />,
        color: 'orange',
        title: str(p.name) ? `Event: ${str(p.name)}` : 'Custom event',
        body: (
          <Box mt={4}>
            {props && Object.keys(props).length > 0 ? (
              <Code block fz="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {JSON.stringify(props, null, 2)}
              </Code>
            ) : null}
            {str(page.url) ? <PageLine page={page} label="On" /> : null}
            <TouchBadges tp={tp} />
          </Box>
        ),
      };
    }
    case 'visitor_linked': {
      const events = typeof p.events === 'number' ? p.events : 0;
      return {
        icon: <IconLink size={16} />,
        color: 'violet',
        title: 'Identified on the website',
        body: (
          <Text size="xs" mt={4} c="dimmed">
            Browser {str(p.visitorId) ?? ''} joined this lead
            {events > 0
              ? ` with ${events} earlier page view${events === 1 ? '' : 's'} and event${events === 1 ? '' : 's'}`
              : ''}
            .
          </Text>
        ),
      };
    }
    case 'visitor_unlinked': {
      const events = typeof p.events === 'number' ? p.events : 0;
      return {
        icon: <IconUnlink size={16} />,
        color: 'gray',
        title: 'Browser un-linked',
        body: (
          <Text size="xs" mt={4} c="dimmed">
            Browser {str(p.visitorId) ?? ''} was separated from this lead; {events} page view
            {events === 1 ? '' : 's'} and event{events === 1 ? '' : 's'} became anonymous again.
          </Text>
        ),
      };
    }
    default:
      return null;
  }
}
