import { Anchor, Badge, Button, Group, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Lead } from '../../../../contracts/leads.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { leadName } from '../../components/leads/format.ts';
import { useSession } from '../auth/api.ts';
import { canSell, useLeadDeals, usePipelines } from './api.ts';
import { NewDealDialog } from './DealDialogs.tsx';
import { formatDay, formatMoney } from './format.ts';

const statusColor = { open: 'blue', won: 'teal', lost: 'red' } as const;

/** The lead's deals, and "Open deal" for sales (a deal moves the lead to Opportunity). */
export function LeadDealsCard({ lead }: { lead: Lead }) {
  const deals = useLeadDeals(lead.id);
  const pipelines = usePipelines();
  const role = useSession().data?.role;
  const [opening, setOpening] = useState(false);
  const list = deals.data?.data ?? [];
  const sells = canSell(role) && lead.lifecycleStage !== 'disqualified';
  return (
    <Paper component="section" withBorder radius="md" p="lg" aria-label="Deals">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Deals
        </Title>
        {sells ? (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            onClick={() => setOpening(true)}
            disabled={!pipelines.data}
          >
            Open deal
          </Button>
        ) : null}
      </Group>
      <ErrorAlert error={deals.error} title="Deals could not be loaded" />
      {deals.isPending ? (
        <Skeleton h={48} />
      ) : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          No deal yet. {sells ? 'Open one when the lead is qualified: it moves to Opportunity.' : ''}
        </Text>
      ) : (
        <Stack gap="sm" role="list" aria-label="Lead deals">
          {list.map((d) => (
            <Group key={d.id} justify="space-between" wrap="nowrap" role="listitem" align="flex-start">
              <div style={{ minWidth: 0 }}>
                <Anchor
                  component={Link}
                  to={`/pipeline?pipeline=${encodeURIComponent(d.pipelineId)}&deal=${encodeURIComponent(d.id)}`}
                  size="sm"
                  fw={600}
                >
                  {d.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {[
                    d.amount ? formatMoney(d.amount.amount, d.amount.currency) : null,
                    d.ownerName,
                    d.status === 'open' && d.expectedCloseDate
                      ? `closes ${formatDay(d.expectedCloseDate)}`
                      : null,
                    d.lostReason?.label,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </Text>
              </div>
              <Badge
                color={statusColor[d.status]}
                variant={d.status === 'open' ? 'light' : 'filled'}
                style={{ flexShrink: 0 }}
              >
                {d.status === 'open' ? d.stageName : d.status === 'won' ? 'Won' : 'Lost'}
              </Badge>
            </Group>
          ))}
        </Stack>
      )}
      {pipelines.data ? (
        <NewDealDialog
          opened={opening}
          onClose={() => setOpening(false)}
          pipelines={pipelines.data.data}
          lead={{ id: lead.id, label: leadName(lead), companyName: lead.companyName }}
        />
      ) : null}
    </Paper>
  );
}
