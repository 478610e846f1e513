import { Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { Lead, LeadTouch } from '../../../../../contracts/leads.ts';
import { formatDateTime, formatRelative } from '../../../lib/format.ts';
import { ChannelBadge } from '../../campaigns/channels.tsx';
import { CampaignLink } from './CampaignLink.tsx';

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="xs" c="dimmed" w={96} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <div style={{ minWidth: 0, wordBreak: 'break-all' }}>{children}</div>
    </Group>
  );
}

function Touch({ title, touch }: { title: string; touch: LeadTouch | null | undefined }) {
  return (
    <Stack gap={6} aria-label={title} role="group">
      <Text size="sm" fw={600}>
        {title}
      </Text>
      {touch ? (
        <>
          <Row label="Channel">
            <ChannelBadge channel={touch.channel} />
          </Row>
          <Row label="Campaign">
            {touch.campaignId ? (
              <CampaignLink id={touch.campaignId} />
            ) : (
              <Text size="sm" c="dimmed">
                —
              </Text>
            )}
          </Row>
          <Row label="Source / medium">
            <Text size="sm">
              {touch.source ?? '—'} / {touch.medium ?? '—'}
            </Text>
          </Row>
          <Row label="Landing page">
            <Text size="sm">{touch.landingPage ?? '—'}</Text>
          </Row>
          <Row label="When">
            <Text size="sm" title={formatDateTime(touch.at)}>
              {formatDateTime(touch.at)} · {formatRelative(touch.at)}
            </Text>
          </Row>
        </>
      ) : (
        <Text size="sm" c="dimmed">
          Not known yet.
        </Text>
      )}
    </Stack>
  );
}

/** Where the lead came from first and most recently (attribution keeps both up to date). */
export function TouchesCard({ lead }: { lead: Lead }) {
  return (
    <Paper withBorder radius="md" p="lg" aria-label="First and last touch">
      <Title order={3} size="h4" mb="xs">
        First touch / Last touch
      </Title>
      {!lead.firstTouch && !lead.lastTouch ? (
        <Text size="sm" c="dimmed">
          No visit, form submission or original source is known for this lead yet. The tracking snippet and
          forms record them, and imports can bring a CRM’s original source.
        </Text>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 1 }} spacing="md">
          <Touch title="First touch" touch={lead.firstTouch} />
          <Touch title="Last touch" touch={lead.lastTouch} />
        </SimpleGrid>
      )}
    </Paper>
  );
}
