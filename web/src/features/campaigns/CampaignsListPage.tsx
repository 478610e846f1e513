import {
  Anchor,
  Badge,
  Card,
  EmptyState,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch, IconSpeakerphone } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import {
  type Campaign,
  type CampaignStatus,
  campaignStatuses,
  campaignStatusLabels,
} from '../../../../contracts/attribution.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatNumber } from '../../lib/format.ts';
import { useCampaigns } from './api.ts';
import { ChannelBadge, channelOptions } from './channels.tsx';
import { formatSpend } from './money.ts';

export const statusColors: Record<CampaignStatus, string> = {
  planned: 'blue',
  active: 'green',
  paused: 'yellow',
  completed: 'gray',
  archived: 'dark',
};

export function StatusBadge({ status }: { status: CampaignStatus }) {
  return (
    <Badge variant="dot" color={statusColors[status]} tt="none" style={{ minWidth: 'max-content' }}>
      {campaignStatusLabels[status]}
    </Badge>
  );
}

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

export function formatDay(d: string | null): string {
  return d ? day.format(new Date(`${d}T00:00:00Z`)) : '';
}

export function dateRange(c: Pick<Campaign, 'startDate' | 'endDate'>): string {
  if (!c.startDate && !c.endDate) return 'No dates';
  if (c.startDate && c.endDate) return `${formatDay(c.startDate)} – ${formatDay(c.endDate)}`;
  return c.startDate ? `From ${formatDay(c.startDate)}` : `Until ${formatDay(c.endDate)}`;
}

export function CampaignsListPage() {
  const [q, setQ] = useState('');
  const [channel, setChannel] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [debounced] = useDebouncedValue(q, 250);
  const list = useCampaigns({
    q: debounced.trim() || undefined,
    channel: channel ?? undefined,
    status: status ?? undefined,
  });
  const rows = list.data?.data ?? [];
  const filtered = Boolean(debounced.trim() || channel || status);
  const leads = rows.reduce((n, c) => n + c.leadsFirstTouched, 0);
  const active = rows.filter((c) => c.status === 'active').length;

  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="lg">
        <Stat label={filtered ? 'Campaigns shown' : 'Campaigns'} value={formatNumber(rows.length)} />
        <Stat label="Active" value={formatNumber(active)} />
        <Stat label="Leads first touched" value={formatNumber(leads)} />
      </SimpleGrid>
      <Group mb="md" gap="sm">
        <TextInput
          leftSection={<IconSearch size={16} />}
          placeholder="Search names and UTM keys"
          aria-label="Search campaigns"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={280}
        />
        <Select
          placeholder="Any channel"
          aria-label="Channel"
          data={channelOptions}
          value={channel}
          onChange={setChannel}
          clearable
          w={200}
        />
        <Select
          placeholder="Any status"
          aria-label="Status"
          data={campaignStatuses.map((s) => ({ value: s, label: campaignStatusLabels[s] }))}
          value={status}
          onChange={setStatus}
          clearable
          w={170}
        />
      </Group>
      <ErrorAlert error={list.error} title="The campaigns could not be loaded" />
      <Paper withBorder radius="md">
        {list.isPending ? (
          <Skeleton h={160} />
        ) : rows.length === 0 ? (
          <EmptyState
            p="xl"
            icon={<IconSpeakerphone size={22} />}
            title={filtered ? 'No campaign matches' : 'No campaigns yet'}
            description={
              filtered
                ? 'Try other words or clear the filters.'
                : 'Create a campaign, give it the utm_campaign values your links carry, and record what it costs.'
            }
          />
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table highlightOnHover verticalSpacing="sm" aria-label="Campaigns">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Channel</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Dates</Table.Th>
                  <Table.Th ta="right">Leads first touched</Table.Th>
                  <Table.Th ta="right">Touches</Table.Th>
                  <Table.Th ta="right">Total cost</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/campaigns/${encodeURIComponent(c.id)}`} fw={500}>
                        {c.name}
                      </Anchor>
                      {c.utmCampaigns.length > 0 ? (
                        <Text size="xs" c="dimmed" lineClamp={1}>
                          {c.utmCampaigns.join(', ')}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <ChannelBadge channel={c.channel} />
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={c.status} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={c.startDate || c.endDate ? undefined : 'dimmed'}>
                        {dateRange(c)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">{formatNumber(c.leadsFirstTouched)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(c.touches)}</Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                      {formatSpend(c.spend)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      {list.data?.nextCursor ? (
        <Text size="sm" c="dimmed" mt="sm">
          Showing the {formatNumber(rows.length)} newest campaigns; search or filter to find older ones.
        </Text>
      ) : null}
    </>
  );
}

export function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Card withBorder radius="md" padding="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={24} fw={700} mt={4}>
        {value}
      </Text>
      {hint ? (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      ) : null}
    </Card>
  );
}
