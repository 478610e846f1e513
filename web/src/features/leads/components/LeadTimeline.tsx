import {
  ActionIcon,
  Anchor,
  Badge,
  Box,
  Button,
  Group,
  Menu,
  Modal,
  Skeleton,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Timeline,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import {
  IconAlarm,
  IconArrowMerge,
  IconArrowRight,
  IconArrowsSplit,
  IconBolt,
  IconBriefcase,
  IconChecklist,
  IconCircleDot,
  IconClick,
  IconDots,
  IconEye,
  IconFileImport,
  IconForms,
  IconMail,
  IconMailOpened,
  IconNote,
  IconPencil,
  IconPhone,
  IconPresentation,
  IconRotate,
  IconShieldCheck,
  IconSparkles,
  IconStairsUp,
  IconThumbDown,
  IconTrash,
  IconTrophy,
  IconUserCheck,
  IconUsersGroup,
} from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { type ActivityType, activityTypeLabels, outcomeLabels } from '../../../../../contracts/activities.ts';
import { type LifecycleStage, lifecycleStages, stageLabels } from '../../../../../contracts/leads.ts';
import type { StageHistoryEntry } from '../../../../../contracts/lifecycle.ts';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { valueText } from '../../../components/leads/format.ts';
import { describeMove, moveIcon, useLeadStages } from '../../../components/lifecycle/StageHistoryCard.tsx';
import { formatDateTime, formatRelative } from '../../../lib/format.ts';
import { ActivityDialog } from '../../activities/ActivityDialog.tsx';
import { type Activity, useActivities, useDeleteActivity } from '../../activities/api.ts';
import { useSession } from '../../auth/api.ts';
import { type Touchpoint, useTouchpoints } from '../api.ts';
import { type FieldContext, fieldLabel, fieldValue, purposeLabel, sourceLabel } from '../fields.ts';
import { describeWebTouchpoint, TouchBadges, webTouchpointTypes } from './WebActivity.tsx';

type LeadTimelineProps = { leadId: string; leadName: string; ctx: FieldContext };

type Entry =
  | { at: string; tp: Touchpoint; activity?: undefined; move?: undefined }
  | { at: string; tp?: undefined; activity: Activity; move?: undefined }
  | { at: string; tp?: undefined; activity?: undefined; move: StageHistoryEntry };

/**
 * Everything that happened to a lead, newest first, loaded a page at a time: its touchpoints, the
 * activities sales logged and its stage moves with their reasons, interleaved by time (activities
 * and moves as far back as the loaded touchpoints reach, all of them once every page is loaded).
 */
export function LeadTimeline({ leadId, leadName, ctx }: LeadTimelineProps) {
  const q = useTouchpoints(leadId);
  const activities = useActivities(leadId);
  const stages = useLeadStages(leadId);
  const touchpoints = q.data?.pages.flatMap((p) => p.data) ?? [];
  const reach = q.hasNextPage ? (touchpoints.at(-1)?.occurredAt ?? '') : '';
  const items: Entry[] = [
    ...touchpoints.map((tp) => ({ at: tp.occurredAt, tp })),
    ...(activities.data?.data ?? [])
      .filter((a) => a.occurredAt >= reach)
      .map((activity) => ({ at: activity.occurredAt, activity })),
    ...(stages.data?.history ?? []).filter((h) => h.at >= reach).map((move) => ({ at: move.at, move })),
  ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  if (q.isPending || activities.isPending || stages.isPending) {
    return (
      <Stack>
        <Skeleton h={40} />
        <Skeleton h={40} />
        <Skeleton h={40} />
      </Stack>
    );
  }
  return (
    <Stack gap="md">
      <ErrorAlert
        error={q.error ?? activities.error ?? stages.error}
        title="The timeline could not be loaded"
      />
      {items.length === 0 && !q.error ? (
        <Text size="sm" c="dimmed">
          Nothing has happened to this lead yet.
        </Text>
      ) : null}
      <Timeline bulletSize={28} lineWidth={2} aria-label="Timeline">
        {items.map(({ tp, activity, move }) => {
          if (move) return <MoveItem key={move.id} move={move} />;
          if (activity)
            return <ActivityItem key={activity.id} activity={activity} leadId={leadId} leadName={leadName} />;
          const d = describeWebTouchpoint(tp) ?? describe(tp, ctx);
          return (
            <Timeline.Item
              key={tp.id}
              bullet={
                <ThemeIcon size={28} radius="xl" variant="light" color={d.color}>
                  {d.icon}
                </ThemeIcon>
              }
              title={
                <Text size="sm" fw={600} component="span">
                  {d.title}
                </Text>
              }
              data-type={tp.type}
            >
              <Group gap={6} mt={2}>
                <Tooltip label={formatDateTime(tp.occurredAt)} withArrow>
                  <Text size="xs" c="dimmed" component="time" dateTime={tp.occurredAt}>
                    {formatDateTime(tp.occurredAt)} · {formatRelative(tp.occurredAt)}
                  </Text>
                </Tooltip>
                <Text size="xs" c="dimmed">
                  · via {sourceLabel(tp.source)}
                  {tp.actor ? ` · by ${tp.actor.label ?? tp.actor.type}` : ''}
                </Text>
              </Group>
              {d.body}
              {webTouchpointTypes.has(tp.type) ? null : <TouchBadges tp={tp} />}
            </Timeline.Item>
          );
        })}
      </Timeline>
      {q.hasNextPage ? (
        <Group justify="center">
          <Button
            variant="default"
            size="xs"
            loading={q.isFetchingNextPage}
            onClick={() => q.fetchNextPage()}
          >
            Show older activity
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

const activityLook: Record<ActivityType, { icon: ReactNode; color: string }> = {
  call: { icon: <IconPhone size={16} />, color: 'green' },
  email: { icon: <IconMail size={16} />, color: 'blue' },
  meeting: { icon: <IconUsersGroup size={16} />, color: 'violet' },
  demo: { icon: <IconPresentation size={16} />, color: 'orange' },
  note: { icon: <IconNote size={16} />, color: 'gray' },
};

// Timeline clones its children with layout props (__align, __active…): they go on to the item.
type ActivityItemProps = { activity: Activity; leadId: string; leadName: string } & Record<
  `__${string}`,
  unknown
>;

/** An activity sales logged: type and outcome, when, by whom, how long, the notes as text. */
function ActivityItem({ activity: a, leadId, leadName, ...timelineProps }: ActivityItemProps) {
  const me = useSession().data;
  const remove = useDeleteActivity(leadId);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const look = activityLook[a.type];
  const mine = me && (me.role === 'admin' || a.author.id === me.id);
  const title = `${activityTypeLabels[a.type]}${a.outcome ? ` · ${outcomeLabels[a.outcome]}` : ''}`;
  return (
    <Timeline.Item
      {...timelineProps}
      bullet={
        <ThemeIcon size={28} radius="xl" variant="filled" color={look.color}>
          {look.icon}
        </ThemeIcon>
      }
      title={
        <Group gap={6} justify="space-between" wrap="nowrap">
          <Text size="sm" fw={600} component="span">
            {title}
          </Text>
          {mine ? (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="sm"
                  aria-label={`Actions for the ${title.toLowerCase()}`}
                >
                  <IconDots size={14} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item leftSection={<IconPencil size={14} />} onClick={() => setEditing(true)}>
                  Edit
                </Menu.Item>
                <Menu.Item
                  leftSection={<IconTrash size={14} />}
                  color="red"
                  onClick={() => setDeleting(true)}
                >
                  Delete…
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          ) : null}
        </Group>
      }
      data-type={`activity.${a.type}`}
    >
      <Group gap={6} mt={2}>
        <Tooltip label={formatDateTime(a.occurredAt)} withArrow>
          <Text size="xs" c="dimmed" component="time" dateTime={a.occurredAt}>
            {formatDateTime(a.occurredAt)} · {formatRelative(a.occurredAt)}
          </Text>
        </Tooltip>
        <Text size="xs" c="dimmed">
          · by {a.author.label}
          {a.durationMinutes !== null ? ` · ${a.durationMinutes} min` : ''}
        </Text>
      </Group>
      {a.body ? (
        <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
          {a.body}
        </Text>
      ) : null}
      <ActivityDialog
        leadId={leadId}
        leadName={leadName}
        opened={editing}
        onClose={() => setEditing(false)}
        activity={a}
      />
      <Modal opened={deleting} onClose={() => setDeleting(false)} title="Delete this activity?" centered>
        <Stack>
          <Text size="sm">
            The {title.toLowerCase()} is removed from the timeline and from response-time reports.
          </Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() => remove.mutate(a.id, { onSuccess: () => setDeleting(false) })}
            >
              Delete activity
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Timeline.Item>
  );
}

type Described = { icon: ReactNode; color: string; title: ReactNode; body?: ReactNode };

type Changes = Record<string, [unknown, unknown]>;

function changesOf(tp: Touchpoint): Changes | null {
  const c = tp.properties.changes;
  return c && typeof c === 'object' && !Array.isArray(c) ? (c as Changes) : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

/** A sentence and an icon for each kind of touchpoint; unknown kinds still show what they carry. */
function describe(tp: Touchpoint, ctx: FieldContext): Described {
  const p = tp.properties;
  const changes = changesOf(tp);
  const rest = (...used: string[]) => <Properties properties={p} omit={['changes', ...used]} />;
  switch (tp.type) {
    case 'created':
      return {
        icon: <IconSparkles size={16} />,
        color: 'green',
        title: 'Lead created',
        body: (
          <>
            {changes ? <InitialValues changes={changes} ctx={ctx} /> : null}
            {rest()}
          </>
        ),
      };
    case 'updated': {
      const keys = Object.keys(changes ?? {});
      return {
        icon: <IconPencil size={16} />,
        color: 'blue',
        title:
          keys.length === 0
            ? 'Lead updated'
            : keys.length <= 2
              ? `Changed ${keys.map((k) => fieldLabel(k, ctx).toLowerCase()).join(' and ')}`
              : `Changed ${keys.length} fields`,
        body: (
          <>
            {changes ? <ChangeTable changes={changes} ctx={ctx} /> : null}
            {rest()}
          </>
        ),
      };
    }
    case 'imported':
      return {
        icon: <IconFileImport size={16} />,
        color: 'indigo',
        title: str(p.fileName) ? `Imported from ${str(p.fileName)}` : 'Imported',
        body: (
          <>
            {changes ? <ChangeTable changes={changes} ctx={ctx} /> : null}
            {rest('fileName')}
          </>
        ),
      };
    case 'merged':
      return {
        icon: <IconArrowMerge size={16} />,
        color: 'violet',
        title: `Merged with ${str(p.mergedEmail) ?? str(p.mergedLeadId) ?? 'another lead'}`,
        body: changes && Object.keys(changes).length > 0 ? <ChangeTable changes={changes} ctx={ctx} /> : null,
      };
    case 'unmerged':
      return {
        icon: <IconArrowsSplit size={16} />,
        color: 'grape',
        title: 'Merge undone',
        body: str(p.otherLeadId) ? (
          <Text size="xs" mt={4}>
            The leads are separate again:{' '}
            <Anchor component={Link} to={`/leads/${encodeURIComponent(str(p.otherLeadId)!)}`} size="xs">
              open the other lead
            </Anchor>
          </Text>
        ) : null,
      };
    case 'form_submitted':
      return {
        icon: <IconForms size={16} />,
        color: 'teal',
        title: `Submitted ${(str(p.formName) ?? str(p.form)) ? `the form “${str(p.formName) ?? str(p.form)}”` : 'a form'}`,
        body: (
          <>
            {changes ? <ChangeTable changes={changes} ctx={ctx} /> : null}
            {rest('formName', 'form')}
          </>
        ),
      };
    case 'page_viewed':
      return {
        icon: <IconEye size={16} />,
        color: 'cyan',
        title: `Viewed ${str(p.title) ? `“${str(p.title)}”` : (str(p.url) ?? str(p.path) ?? 'a page')}`,
        body: rest('title'),
      };
    case 'stage_changed': {
      const from = str(p.from);
      const to = str(p.to);
      return {
        icon: <IconStairsUp size={16} />,
        color: 'grape',
        title: to ? `Moved ${from ? `from ${stageName(from)} ` : ''}to ${stageName(to)}` : 'Stage changed',
        body: rest('from', 'to'),
      };
    }
    // Routing (the handoff to sales): who got the lead and why; an SLA that passed unaccepted.
    case 'assigned':
      return {
        icon: <IconUserCheck size={16} />,
        color: 'indigo',
        title: str(p.ownerName) ? `Assigned to ${str(p.ownerName)}` : 'Put in the team queue',
        body: (
          <Text size="xs" mt={4}>
            {str(p.reason)}
          </Text>
        ),
      };
    case 'sla_escalated':
      return {
        icon: <IconAlarm size={16} />,
        color: 'red',
        title: str(p.managerName) ? `SLA passed: escalated to ${str(p.managerName)}` : 'SLA passed',
        body: (
          <Text size="xs" mt={4}>
            {str(p.reason)}
          </Text>
        ),
      };
    // Sales: qualification and deals (what happened, and the deal it happened to).
    case 'qualified':
      return {
        icon: <IconChecklist size={16} />,
        color: 'yellow',
        title: 'Sales-qualified (SQL)',
        body: <Properties properties={p} omit={['policyVersion']} />,
      };
    case 'deal_opened':
    case 'deal_linked':
    case 'deal_stage_changed':
    case 'deal_won':
    case 'deal_lost':
    case 'deal_reopened':
    case 'deal_deleted':
      return describeDeal(tp);
    case 'email_opened':
      return {
        icon: <IconMailOpened size={16} />,
        color: 'blue',
        title: str(p.subject) ? `Opened the email “${str(p.subject)}”` : 'Opened an email',
        body: rest('subject'),
      };
    case 'email_clicked':
      return {
        icon: <IconClick size={16} />,
        color: 'blue',
        title: str(p.subject) ? `Clicked a link in “${str(p.subject)}”` : 'Clicked a link in an email',
        body: rest('subject'),
      };
    case 'event':
      return {
        icon: <IconBolt size={16} />,
        color: 'orange',
        title: str(p.name) ? `Event: ${str(p.name)}` : 'Custom event',
        body: rest('name'),
      };
    case 'consent_changed': {
      const purpose = str(p.purpose);
      const status = str(p.status);
      return {
        icon: <IconShieldCheck size={16} />,
        color: status === 'withdrawn' ? 'red' : 'green',
        title: purpose && status ? `${purposeLabel(purpose)} consent ${status}` : 'Consent changed',
        body: (
          <>
            {changes ? <ChangeTable changes={changes} ctx={ctx} /> : null}
            {rest('purpose', 'status')}
          </>
        ),
      };
    }
    default:
      return {
        icon: <IconCircleDot size={16} />,
        color: 'gray',
        title: humanize(tp.type),
        body: (
          <>
            {changes ? <ChangeTable changes={changes} ctx={ctx} /> : null}
            {rest()}
          </>
        ),
      };
  }
}

/** A stage move: from and to, who made it under which policy, and the reason given. */
function MoveItem({ move }: { move: StageHistoryEntry }) {
  const backward = move.kind === 'recycle' || move.kind === 'disqualify';
  return (
    <Timeline.Item
      bullet={
        <ThemeIcon size={28} radius="xl" variant="light" color={backward ? 'orange' : 'grape'}>
          {moveIcon(move.kind)}
        </ThemeIcon>
      }
      title={
        <Text size="sm" fw={600} component="span">
          {describeMove(move)}
        </Text>
      }
      data-type="stage_move"
    >
      <Group gap={6} mt={2}>
        <Text size="xs" c="dimmed" component="time" dateTime={move.at}>
          {formatDateTime(move.at)} · {formatRelative(move.at)}
        </Text>
        <Text size="xs" c="dimmed">
          · by {move.actor.label ?? move.actor.type}
          {move.policyVersion ? ` · policy v${move.policyVersion}` : ''}
        </Text>
      </Group>
      {move.reason ? (
        <Text size="sm" mt={4}>
          {move.reasonCode ? (
            <Badge size="xs" variant="outline" color={backward ? 'orange' : 'gray'} mr={6} tt="none">
              {move.reasonCode}
            </Badge>
          ) : null}
          {move.reason}
        </Text>
      ) : null}
    </Timeline.Item>
  );
}

/** "Deal “X” opened / moved to Proposal / won / lost: reason", with a link to the deal. */
function describeDeal(tp: Touchpoint): Described {
  const p = tp.properties;
  const deal = `Deal “${str(p.dealName) ?? 'untitled'}”`;
  const link = str(p.dealId) ? (
    <Anchor component={Link} to={`/pipeline?deal=${encodeURIComponent(str(p.dealId)!)}`} size="xs">
      Open the deal
    </Anchor>
  ) : null;
  const line = (text: string | null) =>
    text || link ? (
      <Text size="xs" mt={4}>
        {text}
        {text && link ? ' · ' : null}
        {link}
      </Text>
    ) : null;
  switch (tp.type) {
    case 'deal_opened':
      return {
        icon: <IconBriefcase size={16} />,
        color: 'orange',
        title: `${deal} opened`,
        body: line(str(p.stage) ? `In ${str(p.stage)}` : null),
      };
    case 'deal_linked':
      return {
        icon: <IconBriefcase size={16} />,
        color: 'orange',
        title: `Linked to ${deal}`,
        body: line(null),
      };
    case 'deal_stage_changed':
      return {
        icon: <IconArrowRight size={16} />,
        color: 'orange',
        title: `${deal} moved to ${str(p.to) ?? 'another stage'}`,
        body: line(str(p.from) ? `From ${str(p.from)}` : null),
      };
    case 'deal_won':
      return { icon: <IconTrophy size={16} />, color: 'green', title: `${deal} won`, body: line(null) };
    case 'deal_deleted':
      return {
        icon: <IconTrash size={16} />,
        color: 'gray',
        title: `${deal} deleted`,
        body: (
          <Text size="xs" mt={4}>
            The lead kept its stage.
          </Text>
        ),
      };
    case 'deal_lost':
      return {
        icon: <IconThumbDown size={16} />,
        color: 'red',
        title: `${deal} lost${str(p.reason) ? `: ${str(p.reason)}` : ''}`,
        body: line(str(p.note)),
      };
    default:
      return {
        icon: <IconRotate size={16} />,
        color: 'orange',
        title: `${deal} reopened${str(p.stage) ? ` in ${str(p.stage)}` : ''}`,
        body: line(str(p.reason)),
      };
  }
}

function stageName(stage: string): string {
  return (lifecycleStages as readonly string[]).includes(stage)
    ? stageLabels[stage as LifecycleStage]
    : stage;
}

function humanize(type: string): string {
  const words = type
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[._-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Activity';
}

type ChangeTableProps = { changes: Changes; ctx: FieldContext };

/** Each changed field: its old value struck through, an arrow, the new one. */
function ChangeTable({ changes, ctx }: ChangeTableProps) {
  const entries = Object.entries(changes).filter(([, v]) => Array.isArray(v));
  if (entries.length === 0) return null;
  return (
    <Table
      mt={6}
      withRowBorders={false}
      verticalSpacing={2}
      horizontalSpacing="xs"
      fz="xs"
      aria-label="Changes"
    >
      <Table.Tbody>
        {entries.map(([key, [before, after]]) => (
          <Table.Tr key={key}>
            <Table.Td c="dimmed" w="1%" style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
              {fieldLabel(key, ctx)}
            </Table.Td>
            <Table.Td style={{ wordBreak: 'break-word' }}>
              <Value text={fieldValue(key, before, ctx)} old /> <span aria-hidden>→</span>
              <VisuallyHidden>changed to</VisuallyHidden> <Value text={fieldValue(key, after, ctx)} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function InitialValues({ changes, ctx }: ChangeTableProps) {
  const entries = Object.entries(changes).filter(([, v]) => Array.isArray(v) && v[1] !== null);
  if (entries.length === 0) return null;
  return (
    <Text size="xs" c="dimmed" mt={4} style={{ wordBreak: 'break-word' }}>
      With{' '}
      {entries.map(([key, [, after]], i) => (
        <span key={key}>
          {i > 0 ? ', ' : ''}
          {fieldLabel(key, ctx).toLowerCase()}{' '}
          <Text span size="xs" c="var(--mantine-color-text)">
            {fieldValue(key, after, ctx)}
          </Text>
        </span>
      ))}
    </Text>
  );
}

type ValueProps = { text: string | null; old?: boolean };

function Value({ text, old }: ValueProps) {
  if (text === null)
    return (
      <Text span size="xs" c="dimmed" fs="italic">
        empty
      </Text>
    );
  return (
    <Text
      span
      size="xs"
      c={old ? 'dimmed' : undefined}
      td={old ? 'line-through' : undefined}
      fw={old ? undefined : 500}
    >
      {text}
    </Text>
  );
}

type PropertiesProps = { properties: Record<string, unknown>; omit: string[] };

/** Whatever else a touchpoint carries, as key: value lines (text only, never markup). */
function Properties({ properties, omit }: PropertiesProps) {
  const entries = Object.entries(properties).filter(
    ([k, v]) => !omit.includes(k) && v !== null && v !== undefined,
  );
  if (entries.length === 0) return null;
  return (
    <Box mt={4}>
      {entries.map(([k, v]) => (
        <Text key={k} size="xs" style={{ wordBreak: 'break-word' }}>
          <Text span size="xs" c="dimmed">
            {humanize(k)}:{' '}
          </Text>
          {typeof v === 'object' && !Array.isArray(v)
            ? Object.entries(v as Record<string, unknown>)
                .map(([k2, v2]) => `${humanize(k2)}: ${valueText(v2) ?? '—'}`)
                .join(' · ')
            : valueText(v)}
        </Text>
      ))}
    </Box>
  );
}
