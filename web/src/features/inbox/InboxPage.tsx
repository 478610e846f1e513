import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Paper,
  Progress,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Textarea,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import '@mantine/dates/styles.css';
import { notifications } from '@mantine/notifications';
import { IconAlarm, IconCheck, IconHandGrab, IconInbox, IconSettings, IconX } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { Lead } from '../../../../contracts/leads.ts';
import type { InboxItem } from '../../../../contracts/routing.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { leadName } from '../../components/leads/format.ts';
import { useLeadPage } from '../../components/leads/queries.ts';
import { StageBadge } from '../../components/leads/StageBadge.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { usePipelines } from '../deals/api.ts';
import { NewDealDialog } from '../deals/DealDialogs.tsx';
import { useAccept, useClaim, useInbox, usePatchRep, useReject, useReps } from './api.ts';
import { QualifyDialog } from './QualifyDialog.tsx';

function useNow(everyMs = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

function duration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s % 60}s`;
}

/** Time left to accept: a bar that empties and turns red when the SLA passes. */
export function SlaCountdown({ assignedAt, dueAt }: { assignedAt: string; dueAt: string | null }) {
  const now = useNow();
  if (!dueAt)
    return (
      <Text size="sm" c="dimmed" data-testid="sla">
        No SLA
      </Text>
    );
  const start = Date.parse(assignedAt);
  const due = Date.parse(dueAt);
  const left = due - now;
  const share = due > start ? Math.max(0, Math.min(100, (left / (due - start)) * 100)) : 0;
  const color = left <= 0 ? 'red' : share < 25 ? 'orange' : 'teal';
  return (
    <Stack gap={4} miw={180} data-testid="sla">
      <Group gap={6}>
        <IconAlarm size={16} color={`var(--mantine-color-${color}-6)`} />
        <Text size="sm" fw={600} c={color}>
          {left > 0 ? `${duration(left)} left to accept` : `Overdue by ${duration(left)}`}
        </Text>
      </Group>
      <Progress value={share} color={color} size="sm" aria-label="Time left to accept" />
      <Text size="xs" c="dimmed">
        Due {formatDateTime(dueAt)}
      </Text>
    </Stack>
  );
}

function Explanation({ item }: { item: InboxItem }) {
  const q = item.qualified;
  if (!q) return <Text size="sm">Qualification not recorded</Text>;
  const e = (q.explanation ?? null) as {
    criterion?: string;
    total?: number;
    grade?: string | null;
    minTotal?: number;
    minGrade?: string;
  } | null;
  return (
    <Stack gap={4}>
      <Text size="sm">{q.reason ?? 'Qualified'}</Text>
      {e?.criterion === 'score' ? (
        <Group gap={6}>
          <Badge variant="light" color="grape">
            Score {e.total} (needs {e.minTotal})
          </Badge>
          <Badge variant="light" color="grape">
            Grade {e.grade ?? '—'} (needs {e.minGrade})
          </Badge>
        </Group>
      ) : null}
      <Text size="xs" c="dimmed">
        MQL {formatRelative(q.at)}
      </Text>
    </Stack>
  );
}

function LeadCard({
  item,
  onReject,
  queued,
}: {
  item: InboxItem;
  onReject: (item: InboxItem) => void;
  queued?: boolean;
}) {
  const accept = useAccept();
  const claim = useClaim();
  const { lead, assignment } = item;
  return (
    <Card withBorder radius="md" padding="lg" data-testid="inbox-item">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2}>
          <Anchor component={Link} to={`/leads/${lead.id}`} fw={700} size="lg">
            {lead.name}
          </Anchor>
          <Text size="sm" c="dimmed">
            {[lead.jobTitle, lead.companyName, lead.email].filter(Boolean).join(' · ') || '—'}
          </Text>
        </Stack>
        <SlaCountdown assignedAt={assignment.assignedAt} dueAt={assignment.slaDueAt} />
      </Group>
      <SimpleGrid cols={{ base: 1, md: 3 }} mt="md" spacing="lg">
        <Stack gap={4}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            Why it qualified
          </Text>
          <Explanation item={item} />
        </Stack>
        <Stack gap={4}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            Why you
          </Text>
          <Text size="sm">{assignment.reason}</Text>
          <Text size="xs" c="dimmed">
            Assigned {formatRelative(assignment.assignedAt)}
            {assignment.escalatedAt ? ' · escalated' : ''}
            {assignment.firstTouchMinutes !== null
              ? ` · first touch after ${assignment.firstTouchMinutes} business min`
              : ''}
          </Text>
        </Stack>
        <Stack gap={4}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            Recent activity
          </Text>
          {item.touchpoints.length === 0 ? (
            <Text size="sm" c="dimmed">
              None yet
            </Text>
          ) : (
            item.touchpoints.map((t) => (
              <Group key={t.id} gap={6} wrap="nowrap">
                <Badge variant="dot" size="sm">
                  {t.type.replaceAll('_', ' ')}
                </Badge>
                <Text size="xs" c="dimmed">
                  {formatRelative(t.occurredAt)}
                </Text>
              </Group>
            ))
          )}
        </Stack>
      </SimpleGrid>
      <Group justify="flex-end" mt="md">
        {queued ? (
          <Button
            leftSection={<IconHandGrab size={16} />}
            loading={claim.isPending}
            onClick={() =>
              // The card leaves the inbox as the lists refresh: the toast must not depend on it staying.
              claim.mutateAsync(lead.id).then(
                () => notifications.show({ color: 'teal', message: `${lead.name} is yours` }),
                (e: Error) => notifications.show({ color: 'red', message: e.message }),
              )
            }
          >
            Claim
          </Button>
        ) : (
          <>
            <Button variant="default" leftSection={<IconX size={16} />} onClick={() => onReject(item)}>
              Reject
            </Button>
            <Button
              color="teal"
              leftSection={<IconCheck size={16} />}
              loading={accept.isPending}
              onClick={() =>
                accept.mutateAsync(lead.id).then(
                  () => notifications.show({ color: 'teal', message: `Accepted ${lead.name}` }),
                  (e: Error) => notifications.show({ color: 'red', message: e.message }),
                )
              }
            >
              Accept
            </Button>
          </>
        )}
      </Group>
    </Card>
  );
}

function RejectDialog({
  item,
  reasons,
  onClose,
}: {
  item: InboxItem | null;
  reasons: { code: string; label: string; outcome: string }[];
  onClose: () => void;
}) {
  const reject = useReject();
  const [code, setCode] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const chosen = reasons.find((r) => r.code === code);
  const close = () => {
    setCode(null);
    setNote('');
    reject.reset();
    onClose();
  };
  return (
    <Modal opened={item !== null} onClose={close} title={item ? `Reject ${item.lead.name}` : ''}>
      <Stack>
        <Select
          label="Reason"
          placeholder="Why is this lead not for sales?"
          data={reasons.map((r) => ({ value: r.code, label: r.label }))}
          value={code}
          onChange={setCode}
          required
          allowDeselect={false}
        />
        {chosen ? (
          <Text size="sm" c="dimmed">
            {chosen.outcome === 'recycled'
              ? 'The lead goes back to marketing nurture (recycled).'
              : 'The lead is disqualified.'}
          </Text>
        ) : null}
        <Textarea
          label="Note for marketing"
          autosize
          minRows={2}
          maxLength={2000}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <ErrorAlert error={reject.error} title="Could not reject" />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color="red"
            disabled={!code}
            loading={reject.isPending}
            onClick={() =>
              item &&
              code &&
              reject.mutate(
                { leadId: item.lead.id, reasonCode: code, note: note.trim() || undefined },
                {
                  onSuccess: () => {
                    notifications.show({ message: `Rejected ${item.lead.name}` });
                    close();
                  },
                },
              )
            }
          >
            Reject lead
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A rep's own availability: routing skips them until the date. */
function AwayControl({ userId }: { userId: string }) {
  const reps = useReps();
  const patch = usePatchRep();
  const me = reps.data?.data.find((r) => r.userId === userId);
  if (!me) return null;
  return (
    <DatePickerInput
      label="Out of office until"
      placeholder="Available"
      clearable
      w={200}
      minDate={new Date().toISOString().slice(0, 10)}
      value={me.outUntil ? me.outUntil.slice(0, 10) : null}
      onChange={(v) =>
        patch.mutate(
          { userId, patch: { outUntil: v ? new Date(`${v}T00:00:00`).toISOString() : null } },
          {
            onSuccess: () =>
              notifications.show({
                message: v ? 'New leads skip you until then' : 'You get new leads again',
              }),
            onError: (e) => notifications.show({ color: 'red', message: e.message }),
          },
        )
      }
    />
  );
}

function Stat({ label, value, color }: { label: string; value: number; color: string }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text fz={28} fw={700} c={color}>
        {value}
      </Text>
    </Paper>
  );
}

/** The caller's accepted leads: qualify them (SAL → SQL), then open a deal (→ Opportunity). */
function AcceptedLeads({ userId }: { userId: string }) {
  const leads = useLeadPage({ stage: 'sal,sql', ownerId: userId }, '-updatedAt', 50, null);
  const pipelines = usePipelines();
  const [qualifying, setQualifying] = useState<{ id: string; name: string } | null>(null);
  const [opening, setOpening] = useState<Lead | null>(null);
  const list = leads.data?.data ?? [];
  if (leads.isPending) return <Skeleton h={80} />;
  return (
    <>
      <Title order={4} mt="md">
        Your accepted leads
      </Title>
      <Text size="sm" c="dimmed">
        Qualify them with need, budget, authority and timing; open a deal for the qualified ones.
      </Text>
      <ErrorAlert error={leads.error} title="Your leads could not be loaded" />
      {list.length === 0 ? (
        <Paper withBorder radius="md" p="md">
          <Text size="sm" c="dimmed">
            Leads you accept appear here until they have a deal.
          </Text>
        </Paper>
      ) : (
        <Paper withBorder radius="md" p={0}>
          <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="Your accepted leads">
            <Table.Tbody>
              {list.map((l) => (
                <Table.Tr key={l.id} data-testid="accepted-lead">
                  <Table.Td>
                    <Anchor component={Link} to={`/leads/${l.id}`} fw={600}>
                      {leadName(l)}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {[l.jobTitle, l.companyName].filter(Boolean).join(' · ') || l.email}
                    </Text>
                  </Table.Td>
                  <Table.Td w={90}>
                    <StageBadge stage={l.lifecycleStage} />
                  </Table.Td>
                  <Table.Td w={150} ta="right">
                    {l.lifecycleStage === 'sal' ? (
                      <Button
                        size="xs"
                        variant="light"
                        color="yellow"
                        onClick={() => setQualifying({ id: l.id, name: leadName(l) })}
                      >
                        Qualify
                      </Button>
                    ) : (
                      <Button
                        size="xs"
                        variant="light"
                        disabled={!pipelines.data}
                        onClick={() => setOpening(l)}
                      >
                        Open deal
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <QualifyDialog lead={qualifying} onClose={() => setQualifying(null)} />
      {pipelines.data ? (
        <NewDealDialog
          opened={opening !== null}
          onClose={() => setOpening(null)}
          pipelines={pipelines.data.data}
          lead={
            opening ? { id: opening.id, label: leadName(opening), companyName: opening.companyName } : null
          }
        />
      ) : null}
    </>
  );
}

export function InboxPage() {
  const inbox = useInbox();
  const session = useSession();
  const now = useNow(30_000);
  const [rejecting, setRejecting] = useState<InboxItem | null>(null);
  const assigned = inbox.data?.assigned ?? [];
  const queue = inbox.data?.queue ?? [];
  const due = (i: InboxItem) =>
    i.assignment.slaDueAt ? Date.parse(i.assignment.slaDueAt) : Number.POSITIVE_INFINITY;
  const overdue = assigned.filter((i) => due(i) <= now).length;
  const soon = assigned.filter((i) => due(i) > now && due(i) - now < 60 * 60_000).length;
  const sorted = [...assigned].sort((a, b) => due(a) - due(b));
  const role = session.data?.role;
  return (
    <>
      <PageHeader
        title="Inbox"
        description="Qualified leads routed to you. Accept them within the SLA, or reject them with a reason marketing can learn from."
        actions={
          <Group align="flex-end">
            {session.data ? <AwayControl userId={session.data.id} /> : null}
            {role === 'admin' || role === 'sales_manager' ? (
              <Button
                component={Link}
                to="/inbox/routing"
                variant="default"
                leftSection={<IconSettings size={16} />}
              >
                Routing settings
              </Button>
            ) : null}
          </Group>
        }
      />
      <ErrorAlert error={inbox.error} title="Could not load the inbox" />
      <SimpleGrid cols={{ base: 1, sm: 4 }} mb="lg">
        <Stat label="Waiting for you" value={assigned.length} color="blue" />
        <Stat label="Due within an hour" value={soon} color="orange" />
        <Stat label="Overdue" value={overdue} color="red" />
        <Stat label="In the team queue" value={queue.length} color="gray" />
      </SimpleGrid>
      {inbox.isPending ? (
        <Stack>
          <Skeleton h={160} />
          <Skeleton h={160} />
        </Stack>
      ) : (
        <Stack gap="md">
          {sorted.length === 0 ? (
            <Paper withBorder radius="md" p="xl">
              <Group>
                <ThemeIcon variant="light" size="xl" radius="xl">
                  <IconInbox size={22} />
                </ThemeIcon>
                <Stack gap={0}>
                  <Text fw={600}>Inbox zero</Text>
                  <Text size="sm" c="dimmed">
                    New MQLs routed to you appear here.
                  </Text>
                </Stack>
              </Group>
            </Paper>
          ) : (
            sorted.map((item) => <LeadCard key={item.assignment.id} item={item} onReject={setRejecting} />)
          )}
          {session.data ? <AcceptedLeads userId={session.data.id} /> : null}
          {queue.length > 0 ? (
            <>
              <Title order={4} mt="md">
                Team queue
              </Title>
              <Text size="sm" c="dimmed">
                Nobody in the team could take these when they arrived (out of office or at capacity). Claim
                one to make it yours.
              </Text>
              {queue.map((item) => (
                <LeadCard key={item.assignment.id} item={item} onReject={setRejecting} queued />
              ))}
            </>
          ) : null}
        </Stack>
      )}
      <RejectDialog
        item={rejecting}
        reasons={inbox.data?.rejectionReasons ?? []}
        onClose={() => setRejecting(null)}
      />
    </>
  );
}
