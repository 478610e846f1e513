import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconPencil, IconPlus, IconTrash, IconUsers } from '@tabler/icons-react';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Campaign, CampaignCost } from '../../../../contracts/attribution.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatNumber } from '../../lib/format.ts';
import { useCampaign, useCampaignCosts, useCampaignTrend, useDeleteCampaign, useDeleteCost } from './api.ts';
import { CampaignDialog } from './CampaignDialog.tsx';
import { useCanEditCampaigns } from './CampaignsLayout.tsx';
import { dateRange, formatDay, Stat, StatusBadge } from './CampaignsListPage.tsx';
import { CostDialog } from './CostDialog.tsx';
import { ChannelBadge } from './channels.tsx';
import { formatMoney, formatSpend } from './money.ts';

// The charts library is big: it loads with the first campaign page, not with the app.
const CampaignCharts = lazy(() =>
  import('./CampaignCharts.tsx').then((m) => ({ default: m.CampaignCharts })),
);

function BackLink() {
  return (
    <Anchor component={Link} to="/campaigns" size="sm" c="dimmed">
      <Group gap={4}>
        <IconArrowLeft size={14} /> Campaigns
      </Group>
    </Anchor>
  );
}

export function CampaignDetailPage() {
  const { id = '' } = useParams();
  const campaign = useCampaign(id);
  if (campaign.isPending)
    return (
      <Stack>
        <Skeleton h={28} w={120} />
        <Skeleton h={90} />
        <Skeleton h={280} />
      </Stack>
    );
  if (campaign.error || !campaign.data)
    return (
      <Stack>
        <BackLink />
        <ErrorAlert
          error={campaign.error}
          title={
            campaign.error instanceof ApiError && campaign.error.status === 404
              ? 'Campaign not found'
              : 'The campaign could not be loaded'
          }
        />
      </Stack>
    );
  return <CampaignView campaign={campaign.data} />;
}

function CampaignView({ campaign }: { campaign: Campaign }) {
  const canEdit = useCanEditCampaigns();
  const trend = useCampaignTrend(campaign.id);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const single = campaign.spend.length === 1 ? campaign.spend[0]! : null;
  const perLead =
    single && campaign.leadsFirstTouched > 0
      ? formatMoney(Math.round(single.amount / campaign.leadsFirstTouched), single.currency)
      : '—';
  const leadsUrl = `/leads?firstTouchCampaignId=${encodeURIComponent(campaign.id)}`;

  return (
    <Stack gap="lg">
      <BackLink />
      <Paper withBorder radius="md" p="lg">
        <Group justify="space-between" align="flex-start">
          <Stack gap={6} style={{ minWidth: 0, flex: 1 }}>
            <Group gap="sm">
              <Title order={2} style={{ wordBreak: 'break-word' }}>
                {campaign.name}
              </Title>
              <ChannelBadge channel={campaign.channel} size="lg" />
              <StatusBadge status={campaign.status} />
            </Group>
            <Text size="sm" c="dimmed">
              {dateRange(campaign)}
            </Text>
            {campaign.description ? (
              <Text size="sm" maw={760} style={{ whiteSpace: 'pre-wrap' }}>
                {campaign.description}
              </Text>
            ) : null}
            <Group gap={6} mt={4}>
              <Text size="sm" c="dimmed">
                UTM campaign keys:
              </Text>
              {campaign.utmCampaigns.length === 0 ? (
                <Text size="sm" c="dimmed" fs="italic">
                  none yet — visits are matched to this campaign by their utm_campaign value
                </Text>
              ) : (
                campaign.utmCampaigns.map((k) => (
                  <Badge key={k} variant="outline" color="gray" tt="none" ff="monospace">
                    {k}
                  </Badge>
                ))
              )}
            </Group>
          </Stack>
          <Group gap="sm">
            <Button variant="default" component={Link} to={leadsUrl} leftSection={<IconUsers size={16} />}>
              Its leads
            </Button>
            {canEdit ? (
              <>
                <Button
                  variant="default"
                  leftSection={<IconPencil size={16} />}
                  onClick={() => setEditing(true)}
                >
                  Edit
                </Button>
                <Tooltip label="Delete campaign">
                  <ActionIcon
                    variant="default"
                    size="lg"
                    aria-label="Delete campaign"
                    onClick={() => setDeleting(true)}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Tooltip>
              </>
            ) : null}
          </Group>
        </Group>
      </Paper>

      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
        <Stat label="Total cost" value={formatSpend(campaign.spend)} />
        <Stat label="Leads first touched" value={formatNumber(campaign.leadsFirstTouched)} />
        <Stat label="Cost per lead" value={perLead} hint={single ? 'first-touch leads' : undefined} />
        <Stat
          label="Touches"
          value={formatNumber(campaign.touches)}
          hint="visits and submissions attributed"
        />
      </SimpleGrid>

      <ErrorAlert error={trend.error} title="The charts could not be loaded" />
      <Suspense fallback={<Skeleton h={280} />}>
        <CampaignCharts trend={trend.data} loading={trend.isPending} />
      </Suspense>

      <CostsCard campaign={campaign} canEdit={canEdit} />

      <Paper withBorder radius="md" p="lg">
        <Group justify="space-between">
          <div>
            <Title order={3} size="h4">
              Leads
            </Title>
            <Text size="sm" c="dimmed">
              {campaign.leadsFirstTouched === 0
                ? 'No lead was first touched by this campaign yet.'
                : `${formatNumber(campaign.leadsFirstTouched)} lead${campaign.leadsFirstTouched === 1 ? '' : 's'} came in through this campaign first.`}
            </Text>
          </div>
          <Button variant="light" component={Link} to={leadsUrl}>
            Open in the lead list
          </Button>
        </Group>
      </Paper>

      <CampaignDialog opened={editing} onClose={() => setEditing(false)} campaign={campaign} />
      <DeleteCampaignModal campaign={campaign} opened={deleting} onClose={() => setDeleting(false)} />
    </Stack>
  );
}

function CostsCard({ campaign, canEdit }: { campaign: Campaign; canEdit: boolean }) {
  const costs = useCampaignCosts(campaign.id);
  const remove = useDeleteCost(campaign.id);
  const [editing, setEditing] = useState<CampaignCost | 'new' | null>(null);
  const [removing, setRemoving] = useState<CampaignCost | null>(null);
  const rows = costs.data?.data ?? [];
  const defaultCurrency = rows[0]?.currency ?? campaign.spend[0]?.currency ?? 'EUR';
  return (
    <Paper withBorder radius="md" p="lg">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={3} size="h4">
            Costs
          </Title>
          <Text size="sm" c="dimmed">
            Spend by day: invoices, ad platform charges, event fees. Total {formatSpend(campaign.spend)}.
          </Text>
        </div>
        {canEdit ? (
          <Button leftSection={<IconPlus size={16} />} variant="light" onClick={() => setEditing('new')}>
            Add cost
          </Button>
        ) : null}
      </Group>
      <ErrorAlert error={costs.error ?? remove.error} />
      {costs.isPending ? (
        <Skeleton h={80} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No cost entries yet.
        </Text>
      ) : (
        <Table verticalSpacing="xs" aria-label="Costs" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Date</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
              <Table.Th>Currency</Table.Th>
              <Table.Th>Note</Table.Th>
              {canEdit ? <Table.Th w={90} /> : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{formatDay(c.date)}</Table.Td>
                <Table.Td ta="right" c={c.amount < 0 ? 'green' : undefined} style={{ whiteSpace: 'nowrap' }}>
                  {formatMoney(c.amount, c.currency)}
                </Table.Td>
                <Table.Td>{c.currency}</Table.Td>
                <Table.Td>
                  <Text size="sm" c={c.note ? undefined : 'dimmed'} style={{ wordBreak: 'break-word' }}>
                    {c.note ?? '—'}
                  </Text>
                </Table.Td>
                {canEdit ? (
                  <Table.Td>
                    <Group gap={4} wrap="nowrap" justify="flex-end">
                      <ActionIcon
                        variant="subtle"
                        aria-label={`Edit the cost of ${c.date}`}
                        onClick={() => setEditing(c)}
                      >
                        <IconPencil size={16} />
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Delete the cost of ${c.date}`}
                        onClick={() => setRemoving(c)}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <CostDialog
        campaignId={campaign.id}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        cost={editing === 'new' ? null : editing}
        defaultCurrency={defaultCurrency}
      />
      <Modal
        opened={removing !== null}
        onClose={() => setRemoving(null)}
        title="Delete this cost entry?"
        centered
      >
        <Stack>
          <Text size="sm">
            {removing
              ? `${formatMoney(removing.amount, removing.currency)} on ${formatDay(removing.date)}`
              : ''}{' '}
            is removed from the campaign’s total.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                removing &&
                remove.mutate(removing.id, {
                  onSuccess: () =>
                    notifications.show({ color: 'green', message: 'The cost entry was deleted' }),
                  onSettled: () => setRemoving(null),
                })
              }
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

function DeleteCampaignModal({
  campaign,
  opened,
  onClose,
}: {
  campaign: Campaign;
  opened: boolean;
  onClose: () => void;
}) {
  const remove = useDeleteCampaign();
  const navigate = useNavigate();
  return (
    <Modal opened={opened} onClose={onClose} title="Delete this campaign?" centered>
      <Stack>
        <Text size="sm">
          “{campaign.name}” and its cost entries are deleted. Its visits and leads keep their channel but lose
          the campaign (in the background).
        </Text>
        <ErrorAlert error={remove.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() =>
              remove.mutate(campaign.id, {
                onSuccess: () => {
                  notifications.show({ color: 'green', message: `Deleted ${campaign.name}` });
                  navigate('/campaigns', { replace: true });
                },
              })
            }
          >
            Delete campaign
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
