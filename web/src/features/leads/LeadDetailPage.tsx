import {
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Menu,
  Modal,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowLeft,
  IconArrowMerge,
  IconBuilding,
  IconChecklist,
  IconChevronDown,
  IconDownload,
  IconEraser,
  IconInfoCircle,
  IconMail,
  IconPlus,
  IconTrash,
} from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { consentPurposes, type Lead } from '../../../../contracts/leads.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { leadName } from '../../components/leads/format.ts';
import { OwnerSelect } from '../../components/leads/OwnerSelect.tsx';
import { useCustomFields, useDirectory } from '../../components/leads/queries.ts';
import { StageBadge } from '../../components/leads/StageBadge.tsx';
import { StageHistoryCard } from '../../components/lifecycle/StageHistoryCard.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { ActivityDialog } from '../activities/ActivityDialog.tsx';
import { useSession } from '../auth/api.ts';
import { canSell } from '../deals/api.ts';
import { LeadDealsCard } from '../deals/LeadDealsCard.tsx';
import { QualifyDialog } from '../inbox/QualifyDialog.tsx';
import { LeadPredictionCard } from '../predict/LeadPredictionCard.tsx';
import { LeadScoreCard } from '../scoring/LeadScoreCard.tsx';
import { LeadTasksCard } from '../tasks/LeadTasksCard.tsx';
import {
  canDeleteLeads,
  canHandlePrivacy,
  exportUrl,
  type MergeView,
  useDeleteLead,
  useEraseLead,
  useLead,
  useMerges,
  useOwnerRule,
  useUndoMerge,
  useUpdateLead,
} from './api.ts';
import { LeadTimeline } from './components/LeadTimeline.tsx';
import { MergeDialog } from './components/MergeDialog.tsx';
import { CustomFieldsCard, ProfileCard } from './components/ProfileCards.tsx';
import { TouchesCard } from './components/TouchesCard.tsx';
import { VisitorsCard } from './components/VisitorsCard.tsx';
import { type FieldContext, purposeLabel, sourceLabel } from './fields.ts';

type MergedState = { mergedFrom?: string } | null;

export function LeadDetailPage() {
  const { id = '' } = useParams();
  const lead = useLead(id);
  const navigate = useNavigate();
  const location = useLocation();
  const mergedFrom = (location.state as MergedState)?.mergedFrom;

  // A merged lead lives on as the survivor: follow it there.
  const survivor =
    lead.error instanceof ApiError && lead.error.code === 'LEAD_MERGED'
      ? lead.error.details[0]?.message
      : undefined;
  useEffect(() => {
    if (survivor)
      navigate(`/leads/${encodeURIComponent(survivor)}`, { replace: true, state: { mergedFrom: id } });
  }, [survivor, id, navigate]);

  if (lead.isPending || survivor) {
    return (
      <Stack>
        <Skeleton h={28} w={120} />
        <Skeleton h={72} />
        <Grid>
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Skeleton h={360} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Skeleton h={240} />
          </Grid.Col>
        </Grid>
      </Stack>
    );
  }
  if (lead.error || !lead.data) {
    return (
      <Stack>
        <BackLink />
        <ErrorAlert
          error={lead.error}
          title={
            lead.error instanceof ApiError && lead.error.status === 404
              ? 'Lead not found'
              : 'The lead could not be loaded'
          }
        />
      </Stack>
    );
  }
  return <LeadView lead={lead.data} mergedFrom={mergedFrom} />;
}

function BackLink() {
  return (
    <Anchor component={Link} to="/leads" size="sm" c="dimmed">
      <Group gap={4}>
        <IconArrowLeft size={14} /> Leads
      </Group>
    </Anchor>
  );
}

type LeadViewProps = { lead: Lead; mergedFrom?: string };

function LeadView({ lead, mergedFrom }: LeadViewProps) {
  const user = useSession().data;
  const role = user?.role;
  const owners = useOwnerRule(user);
  const customFields = useCustomFields();
  const directory = useDirectory();
  const update = useUpdateLead(lead.id);
  const [merging, setMerging] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [erasing, setErasing] = useState(false);
  const [qualifying, setQualifying] = useState(false);
  const [logging, setLogging] = useState(false);
  const defs = customFields.data?.data ?? [];
  const ctx = useMemo<FieldContext>(() => {
    const users = new Map((directory.data?.data ?? []).map((u) => [u.id, u.name]));
    return { customFields: defs, ownerName: (uid) => users.get(uid) };
  }, [defs, directory.data]);
  const privacy = canHandlePrivacy(role);

  return (
    <Stack gap="lg">
      <BackLink />
      {mergedFrom ? (
        <Alert
          color="blue"
          variant="light"
          icon={<IconInfoCircle size={18} />}
          title="This lead absorbed the one you opened"
        >
          The lead you opened was merged into this one, so its history is here now. Undo the merge from the
          merge history to separate them again.
        </Alert>
      ) : null}
      <Paper withBorder radius="md" p="lg">
        <Group justify="space-between" align="flex-start" gap="lg">
          <Stack gap={6} style={{ minWidth: 0, flex: 1 }}>
            <Group gap="sm" wrap="nowrap" align="center">
              <Title order={2} style={{ wordBreak: 'break-word' }}>
                {leadName(lead)}
              </Title>
              <StageBadge stage={lead.lifecycleStage} size="lg" />
            </Group>
            <Group gap="lg" c="dimmed">
              {lead.email ? (
                <Group gap={6} wrap="nowrap">
                  <IconMail size={16} />
                  <Anchor href={`mailto:${lead.email}`} size="sm" style={{ wordBreak: 'break-all' }}>
                    {lead.email}
                  </Anchor>
                </Group>
              ) : null}
              {lead.companyName ? (
                <Group gap={6} wrap="nowrap">
                  <IconBuilding size={16} />
                  {lead.companyId ? (
                    <Anchor
                      component={Link}
                      to={`/companies/${encodeURIComponent(lead.companyId)}`}
                      size="sm"
                    >
                      {lead.companyName}
                    </Anchor>
                  ) : (
                    <Text size="sm">{lead.companyName}</Text>
                  )}
                </Group>
              ) : null}
              <Text size="sm">
                Created {formatDateTime(lead.createdAt)} · updated {formatRelative(lead.updatedAt)}
              </Text>
            </Group>
          </Stack>
          <Group gap="sm" align="flex-end">
            <OwnerSelect
              label="Owner"
              value={lead.ownerId}
              w={220}
              disabled={update.isPending}
              only={owners.only}
              allowUnassigned={owners.unassigned}
              lockedReason={owners.lockedReason}
              onChange={(ownerId) =>
                update.mutate(
                  { ownerId },
                  {
                    onSuccess: (l) =>
                      notifications.show({
                        color: 'green',
                        message: l.ownerId
                          ? `${ctx.ownerName(l.ownerId) ?? 'The new owner'} now owns this lead`
                          : 'This lead is unassigned now',
                      }),
                    onError: (e) =>
                      notifications.show({ color: 'red', title: 'Owner not changed', message: e.message }),
                  },
                )
              }
            />
            {lead.lifecycleStage === 'sal' && canSell(role) ? (
              <Button
                color="yellow"
                variant="light"
                leftSection={<IconChecklist size={16} />}
                onClick={() => setQualifying(true)}
              >
                Qualify
              </Button>
            ) : null}
            <Menu position="bottom-end" width={260}>
              <Menu.Target>
                <Button variant="default" rightSection={<IconChevronDown size={16} />}>
                  Actions
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item leftSection={<IconArrowMerge size={16} />} onClick={() => setMerging(true)}>
                  Merge with…
                </Menu.Item>
                {privacy ? (
                  <>
                    <Menu.Divider />
                    <Menu.Label>Privacy</Menu.Label>
                    <Menu.Item
                      leftSection={<IconDownload size={16} />}
                      component="a"
                      href={exportUrl(lead.id)}
                      download={`${lead.id}.json`}
                    >
                      Download personal data (JSON)
                    </Menu.Item>
                    <Menu.Item
                      leftSection={<IconEraser size={16} />}
                      color="red"
                      onClick={() => setErasing(true)}
                    >
                      Erase personal data…
                    </Menu.Item>
                  </>
                ) : null}
                {canDeleteLeads(role) ? (
                  <>
                    <Menu.Divider />
                    <Menu.Item
                      leftSection={<IconTrash size={16} />}
                      color="red"
                      onClick={() => setDeleting(true)}
                    >
                      Delete lead…
                    </Menu.Item>
                  </>
                ) : null}
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </Paper>

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack gap="lg">
            <ProfileCard lead={lead} canEdit />
            <TouchesCard lead={lead} />
            <CustomFieldsCard lead={lead} definitions={defs} canEdit />
            <ConsentCard lead={lead} />
            <IdentitiesCard lead={lead} />
            <VisitorsCard leadId={lead.id} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="lg">
            <LeadScoreCard leadId={lead.id} />
            <LeadPredictionCard lead={lead} />
            <StageHistoryCard
              leadId={lead.id}
              canChange
              lockedReason={
                role === 'marketing'
                  ? 'Marketing hands leads off at MQL: accepting, rejecting, qualifying and winning are sales’ moves.'
                  : undefined
              }
            />
            <LeadDealsCard lead={lead} />
            <LeadTasksCard lead={{ id: lead.id, name: leadName(lead) }} />
            <Paper withBorder radius="md" p="lg">
              <Group justify="space-between" mb="md">
                <Title order={3} size="h4">
                  Timeline
                </Title>
                <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setLogging(true)}>
                  Log activity
                </Button>
              </Group>
              <LeadTimeline leadId={lead.id} leadName={leadName(lead)} ctx={ctx} />
            </Paper>
            <MergeHistory lead={lead} />
          </Stack>
        </Grid.Col>
      </Grid>

      <MergeDialog
        lead={lead}
        opened={merging}
        onClose={() => setMerging(false)}
        ctx={ctx}
        customFields={defs}
      />
      <QualifyDialog
        lead={qualifying ? { id: lead.id, name: leadName(lead) } : null}
        onClose={() => setQualifying(false)}
      />
      <ActivityDialog
        leadId={lead.id}
        leadName={leadName(lead)}
        opened={logging}
        onClose={() => setLogging(false)}
      />
      <DeleteLeadModal lead={lead} opened={deleting} onClose={() => setDeleting(false)} />
      <EraseLeadModal lead={lead} opened={erasing} onClose={() => setErasing(false)} />
    </Stack>
  );
}

type LeadCardProps = { lead: Lead };

function IdentitiesCard({ lead }: LeadCardProps) {
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} size="h4" mb="xs">
        Identities
      </Title>
      {lead.externalIds.length === 0 ? (
        <Text size="sm" c="dimmed">
          No ids from other systems yet. Imports and the API attach them (externalIds).
        </Text>
      ) : (
        <Group gap={6}>
          {lead.externalIds.map((e) => (
            <Badge key={`${e.system}:${e.id}`} variant="outline" color="gray" tt="none">
              {e.system}: {e.id}
            </Badge>
          ))}
        </Group>
      )}
      <Text size="xs" c="dimmed" mt="sm">
        First came in through {sourceLabel(lead.source)} · id {lead.id}
      </Text>
    </Paper>
  );
}

function ConsentCard({ lead }: LeadCardProps) {
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} size="h4" mb="xs">
        Consent
      </Title>
      <Table verticalSpacing={6} aria-label="Consent">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Purpose</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Given through</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {consentPurposes.map((purpose) => {
            const c = lead.consent[purpose];
            return (
              <Table.Tr key={purpose}>
                <Table.Td>
                  <Text size="sm">{purposeLabel(purpose)}</Text>
                </Table.Td>
                <Table.Td>
                  {c ? (
                    <Badge
                      color={c.status === 'granted' ? 'green' : 'red'}
                      variant="light"
                      style={{ minWidth: 'max-content' }}
                    >
                      {c.status === 'granted' ? 'Granted' : 'Withdrawn'}
                    </Badge>
                  ) : (
                    <Badge color="gray" variant="light" style={{ minWidth: 'max-content' }}>
                      Not asked
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {c ? (
                    <>
                      <Text size="xs">
                        {c.source}
                        {c.textVersion ? ` · text ${c.textVersion}` : ''}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(c.at)}
                      </Text>
                    </>
                  ) : (
                    <Text size="xs" c="dimmed">
                      —
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

function MergeHistory({ lead }: LeadCardProps) {
  const navigate = useNavigate();
  const merges = useMerges(lead.id);
  const undo = useUndoMerge();
  const [undoing, setUndoing] = useState<MergeView | null>(null);
  const list = merges.data?.data ?? [];
  const name = (m: MergeView) =>
    [m.mergedLead.firstName, m.mergedLead.lastName].filter(Boolean).join(' ') ||
    m.mergedLead.email ||
    m.mergedId;
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} size="h4" mb="xs">
        Merge history
      </Title>
      <ErrorAlert error={merges.error ?? undo.error} />
      {merges.isPending ? (
        <Skeleton h={40} />
      ) : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          No lead has been merged into this one. Use Actions → Merge with… when one person shows up twice.
        </Text>
      ) : (
        <Stack gap="sm" role="list" aria-label="Merges">
          {list.map((m) => (
            <Group key={m.id} justify="space-between" wrap="nowrap" role="listitem" align="flex-start">
              <div style={{ minWidth: 0 }}>
                <Text size="sm" fw={500} style={{ wordBreak: 'break-word' }}>
                  {m.survivorId === lead.id
                    ? `Merged ${name(m)} into this lead`
                    : `Was merged into ${m.survivorId}`}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatDateTime(m.at)}
                  {m.actor.label ? ` · by ${m.actor.label}` : ''}
                  {m.mergedLead.email && name(m) !== m.mergedLead.email ? ` · ${m.mergedLead.email}` : ''}
                </Text>
                {m.undoneAt ? (
                  <Text size="xs" c="dimmed">
                    Undone {formatDateTime(m.undoneAt)} ·{' '}
                    <Anchor component={Link} to={`/leads/${encodeURIComponent(m.mergedId)}`} size="xs">
                      open that lead
                    </Anchor>
                  </Text>
                ) : null}
              </div>
              {m.undoneAt ? (
                <Badge variant="light" color="gray" style={{ flexShrink: 0 }}>
                  Undone
                </Badge>
              ) : m.survivorId === lead.id ? (
                <Button size="xs" variant="light" onClick={() => setUndoing(m)} style={{ flexShrink: 0 }}>
                  Undo merge
                </Button>
              ) : null}
            </Group>
          ))}
        </Stack>
      )}
      <Modal opened={undoing !== null} onClose={() => setUndoing(null)} title="Undo this merge?" centered>
        <Stack>
          <Text size="sm">
            {undoing ? name(undoing) : ''} becomes a lead of its own again, with its history and identities.
            Values changed here since the merge stay as they are.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setUndoing(null)}>
              Cancel
            </Button>
            <Button
              loading={undo.isPending}
              onClick={() =>
                undoing &&
                undo.mutate(undoing.id, {
                  onSuccess: ({ restored }) => {
                    notifications.show({
                      color: 'green',
                      message: `${leadName(restored)} is a separate lead again`,
                    });
                    // The "absorbed the lead you opened" notice no longer holds.
                    navigate('.', { replace: true, state: null });
                  },
                  onSettled: () => setUndoing(null),
                })
              }
            >
              Undo merge
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

type LeadModalProps = { lead: Lead; opened: boolean; onClose: () => void };

function DeleteLeadModal({ lead, opened, onClose }: LeadModalProps) {
  const remove = useDeleteLead();
  const navigate = useNavigate();
  return (
    <Modal opened={opened} onClose={onClose} title="Delete this lead?" centered>
      <Stack>
        <Text size="sm">
          {leadName(lead)} is removed for good with the whole history, and with the leads merged into it:
          activities, tasks, scores, list memberships and stage history go too; deals stay without it. Reports
          lose them. To forget the person but keep the numbers, erase the personal data instead.
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
              remove.mutate(lead.id, {
                onSuccess: () => {
                  notifications.show({ color: 'green', message: `Deleted ${leadName(lead)}` });
                  navigate('/leads', { replace: true });
                },
              })
            }
          >
            Delete lead
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Erasing cannot be undone, so the person types the email (or ERASE) to confirm. */
function EraseLeadModal({ lead, opened, onClose }: LeadModalProps) {
  const erase = useEraseLead();
  const navigate = useNavigate();
  const [typed, setTyped] = useState('');
  const expected = lead.email ?? 'ERASE';
  const close = () => {
    setTyped('');
    erase.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Erase this person’s data?" centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (typed.trim() !== expected) return;
          erase.mutate(lead.id, {
            onSuccess: () => {
              notifications.show({ color: 'green', message: 'The personal data was erased' });
              navigate('/leads', { replace: true });
            },
          });
        }}
      >
        <Stack>
          <Text size="sm">
            Name, email, phone and everything else that identifies this person are removed from the lead, the
            leads merged into it and its history, and so is what was written about them elsewhere: activity
            and task notes, form submissions, mails, reasons given for stage changes, stored webhook bodies.
            Anonymous facts (stage, dates, country, reason codes) stay for reports. Leadloop will not accept
            this email again without fresh consent. <b>This cannot be undone.</b>
          </Text>
          <Text size="sm">Download the personal data first if the person asked for a copy.</Text>
          <TextInput
            label={`Type ${expected} to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            data-autofocus
          />
          <ErrorAlert error={erase.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={erase.isPending} disabled={typed.trim() !== expected}>
              Erase personal data
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
