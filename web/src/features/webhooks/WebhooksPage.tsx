import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Code,
  EmptyState,
  Group,
  Menu,
  Modal,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Skeleton,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconDots,
  IconKey,
  IconLock,
  IconPlus,
  IconRefresh,
  IconSend,
  IconTrash,
  IconWebhook,
} from '@tabler/icons-react';
import { useState } from 'react';
import {
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEventType,
  type WebhookSubscription,
  webhookEventTypes,
} from '../../../../contracts/webhooks.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { SecretOnce } from '../../components/SecretOnce.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import {
  useCreateWebhook,
  useDeleteWebhook,
  useDeliveries,
  useDelivery,
  usePing,
  useReplay,
  useRotateSecret,
  useUpdateWebhook,
  useWebhooks,
} from './api.ts';

const eventHelp: Record<WebhookEventType, string> = {
  'lead.created': 'A new lead (form, API, import, tracking)',
  'lead.updated': "A lead's fields changed",
  'lead.stage_changed': 'A lead moved to another lifecycle stage',
  'lead.mql': 'A lead became marketing-qualified',
  'lead.assigned': 'A lead was routed to a rep',
  'lead.accepted': 'Sales accepted a lead',
  'lead.rejected': 'Sales rejected a lead, with the reason',
  'lead.merged': 'Two leads were merged (ids of both)',
  'lead.unmerged': 'A merge was undone (ids of both)',
  'lead.erased': 'A person was erased at their request (id only)',
  'lead.deleted': 'A lead was deleted (id only)',
  'deal.created': 'A deal was opened',
  'deal.stage_changed': 'A deal moved to another stage (won and lost too)',
  'deal.won': 'A deal was won',
  'deal.lost': 'A deal was lost, with the reason',
  'deal.deleted': 'A deal was deleted (made by mistake; not an outcome)',
};

const deliveryColor: Record<WebhookDeliveryStatus, string> = {
  delivered: 'green',
  pending: 'yellow',
  held: 'gray',
  failed: 'red',
};

function StatusBadge({ sub }: { sub: WebhookSubscription }) {
  if (sub.active) return <Badge color="green">Active</Badge>;
  if (sub.disabledReason)
    return (
      <Stack gap={2} maw={220}>
        <Badge color="red" variant="light">
          Auto-disabled
        </Badge>
        <Text size="xs" c="dimmed">
          {sub.disabledReason}
          {sub.disabledAt ? ` (${formatRelative(sub.disabledAt)})` : ''}
        </Text>
      </Stack>
    );
  return (
    <Badge color="gray" variant="light">
      Paused
    </Badge>
  );
}

export function WebhooksPage() {
  const subs = useWebhooks();
  const update = useUpdateWebhook();
  const remove = useDeleteWebhook();
  const rotate = useRotateSecret();
  const ping = usePing();
  const [opened, { open, close }] = useDisclosure(false);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<WebhookSubscription | null>(null);
  const [shownSecret, setShownSecret] = useState<string | null>(null);
  const list = subs.data?.data ?? [];
  const selected = list.find((s) => s.id === selectedId) ?? list[0] ?? null;
  const isAdmin = useSession().data?.role === 'admin';
  // Non-admins change only what non-admins set up (public https targets); an admin's may reach inside.
  const locked = (s: WebhookSubscription) => !isAdmin && !s.restricted;

  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Leadloop POSTs signed JSON to your endpoints when leads and deals change. Failed deliveries are retried with backoff; a subscription that keeps failing is disabled until you enable it again."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={open}>
            Add webhook
          </Button>
        }
      />
      <ErrorAlert error={subs.error ?? update.error ?? remove.error ?? rotate.error ?? ping.error} />
      <Paper withBorder radius="md" mb="lg">
        {subs.isPending ? (
          <Stack p="md">
            <Skeleton h={24} />
            <Skeleton h={24} />
          </Stack>
        ) : list.length === 0 ? (
          <EmptyState
            p="xl"
            icon={<IconWebhook size={22} />}
            title="No webhooks yet"
            description="Add an endpoint to push new and changed leads to your CRM, a data warehouse or a chat tool."
          />
        ) : (
          <Table.ScrollContainer minWidth={860}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Webhook subscriptions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Endpoint</Table.Th>
                  <Table.Th>Events</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last delivery</Table.Th>
                  <Table.Th>Enabled</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((s) => (
                  <Table.Tr
                    key={s.id}
                    bg={selected?.id === s.id ? 'var(--mantine-primary-color-light)' : undefined}
                    style={{ cursor: 'pointer' }}
                    onClick={() => setSelectedId(s.id)}
                  >
                    <Table.Td maw={320}>
                      <Text size="sm" fw={500} truncate="end">
                        {s.url}
                      </Text>
                      {s.description && (
                        <Text size="xs" c="dimmed" truncate="end">
                          {s.description}
                        </Text>
                      )}
                      {locked(s) && (
                        <Tooltip label="Only an admin may change a webhook an admin set up">
                          <Badge
                            size="xs"
                            variant="outline"
                            color="gray"
                            leftSection={<IconLock size={10} />}
                          >
                            Set up by an admin
                          </Badge>
                        </Tooltip>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {s.events.map((e) => (
                          <Badge key={e} variant="light" size="sm" tt="none">
                            {e}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge sub={s} />
                    </Table.Td>
                    <Table.Td>
                      {s.lastDeliveryAt ? (
                        <Stack gap={0}>
                          <Text
                            size="sm"
                            fw={500}
                            tt="capitalize"
                            c={s.lastDeliveryStatus === 'delivered' ? 'green' : 'red'}
                          >
                            {s.lastDeliveryStatus}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {formatRelative(s.lastDeliveryAt)}
                          </Text>
                        </Stack>
                      ) : (
                        <Text size="sm" c="dimmed">
                          Never
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td onClick={(e) => e.stopPropagation()}>
                      <Switch
                        aria-label={`Enabled: ${s.url}`}
                        checked={s.active}
                        disabled={locked(s)}
                        onChange={(e) =>
                          update.mutate(
                            { id: s.id, patch: { active: e.currentTarget.checked } },
                            {
                              onSuccess: (u) =>
                                notifications.show({
                                  color: u.active ? 'green' : 'gray',
                                  message: u.active ? 'Webhook enabled' : 'Webhook paused',
                                }),
                            },
                          )
                        }
                      />
                    </Table.Td>
                    <Table.Td ta="right" onClick={(e) => e.stopPropagation()}>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="light"
                          leftSection={<IconSend size={14} />}
                          disabled={locked(s)}
                          loading={ping.isPending && ping.variables === s.id}
                          onClick={() => {
                            setSelectedId(s.id);
                            ping.mutate(s.id, {
                              onSuccess: (d) =>
                                notifications.show({
                                  color: d.delivery.status === 'delivered' ? 'green' : 'red',
                                  message:
                                    d.delivery.status === 'delivered'
                                      ? `Test ping delivered (HTTP ${d.delivery.lastStatusCode})`
                                      : `Test ping failed: ${d.delivery.lastError ?? 'no answer'}`,
                                }),
                            });
                          }}
                        >
                          Test
                        </Button>
                        <Menu position="bottom-end" withinPortal>
                          <Menu.Target>
                            <ActionIcon
                              variant="subtle"
                              color="gray"
                              aria-label={`More actions for ${s.url}`}
                              disabled={locked(s)}
                            >
                              <IconDots size={16} />
                            </ActionIcon>
                          </Menu.Target>
                          <Menu.Dropdown>
                            <Menu.Item
                              leftSection={<IconKey size={14} />}
                              onClick={() =>
                                rotate.mutate(s.id, { onSuccess: (r) => setShownSecret(r.secret) })
                              }
                            >
                              Rotate signing secret
                            </Menu.Item>
                            <Menu.Item
                              color="red"
                              leftSection={<IconTrash size={14} />}
                              onClick={() => setDeleting(s)}
                            >
                              Delete
                            </Menu.Item>
                          </Menu.Dropdown>
                        </Menu>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      {selected && <DeliveryLog sub={selected} />}
      <CreateWebhookModal opened={opened} onClose={close} onCreated={(id) => setSelectedId(id)} />
      <Modal
        opened={shownSecret !== null}
        onClose={() => setShownSecret(null)}
        title="New signing secret"
        centered
        size="lg"
      >
        {shownSecret && (
          <SecretOnce
            secret={shownSecret}
            notice="This is the only time the secret is shown. Use it to check the Leadloop-Signature header of every request (see the webhooks guide)."
            testId="webhook-secret"
            onDone={() => setShownSecret(null)}
          />
        )}
      </Modal>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete webhook?" centered>
        <Stack>
          <Text size="sm">
            Leadloop stops sending to {deleting?.url} and forgets its delivery log. Pause it instead to keep
            the log.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                deleting &&
                remove.mutate(deleting.id, {
                  onSuccess: () => notifications.show({ color: 'green', message: 'Webhook deleted' }),
                  onSettled: () => setDeleting(null),
                })
              }
            >
              Delete webhook
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function DeliveryLog({ sub }: { sub: WebhookSubscription }) {
  const [status, setStatus] = useState<WebhookDeliveryStatus | 'all'>('all');
  const deliveries = useDeliveries(sub.id, status === 'all' ? null : status);
  const replay = useReplay();
  const [openId, setOpenId] = useState<string | null>(null);
  const list = deliveries.data?.data ?? [];
  const counts = { delivered: 0, pending: 0, held: 0, failed: 0 };
  for (const d of list) counts[d.status]++;

  return (
    <Paper withBorder radius="md" p="md">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <div>
          <Title order={4}>Delivery log</Title>
          <Text size="sm" c="dimmed" truncate="end" maw={520}>
            {sub.url}
          </Text>
        </div>
        <SegmentedControl
          size="xs"
          value={status}
          onChange={(v) => setStatus(v as WebhookDeliveryStatus | 'all')}
          data={[
            { value: 'all', label: 'All' },
            { value: 'delivered', label: 'Delivered' },
            { value: 'pending', label: 'Retrying' },
            { value: 'held', label: 'Held' },
            { value: 'failed', label: 'Failed' },
          ]}
        />
      </Group>
      {status === 'all' && list.length > 0 && (
        <SimpleGrid cols={3} mb="md" maw={480}>
          {(['delivered', 'pending', 'failed'] as const).map((k) => (
            <Paper key={k} withBorder radius="sm" p="xs">
              <Text size="xs" c="dimmed" tt="capitalize">
                {k === 'pending' ? 'retrying' : k}
              </Text>
              <Text fw={700} c={deliveryColor[k]}>
                {counts[k]}
              </Text>
            </Paper>
          ))}
        </SimpleGrid>
      )}
      <ErrorAlert error={deliveries.error ?? replay.error} />
      {deliveries.isPending ? (
        <Skeleton h={24} />
      ) : list.length === 0 ? (
        <EmptyState
          p="lg"
          icon={<IconSend size={22} />}
          title="No deliveries yet"
          description="Send a test ping, or wait for the next event this webhook listens to."
        />
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table verticalSpacing="xs" aria-label="Deliveries">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Status</Table.Th>
                <Table.Th>Event</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Response</Table.Th>
                <Table.Th>Duration</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((d) => (
                <DeliveryRow
                  key={d.id}
                  d={d}
                  onOpen={() => setOpenId(d.id)}
                  replaying={replay.isPending && replay.variables?.deliveryId === d.id}
                  onReplay={() =>
                    replay.mutate(
                      { subscriptionId: sub.id, deliveryId: d.id },
                      {
                        onSuccess: (r) =>
                          notifications.show({
                            color: r.attempts.at(-1)?.ok ? 'green' : 'red',
                            message: r.attempts.at(-1)?.ok
                              ? `Replayed: HTTP ${r.attempts.at(-1)?.statusCode}`
                              : `Replay failed: ${r.attempts.at(-1)?.error ?? 'no answer'}`,
                          }),
                      },
                    )
                  }
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <DeliveryModal subscriptionId={sub.id} deliveryId={openId} onClose={() => setOpenId(null)} />
    </Paper>
  );
}

function DeliveryRow({
  d,
  onOpen,
  onReplay,
  replaying,
}: {
  d: WebhookDelivery;
  onOpen: () => void;
  onReplay: () => void;
  replaying: boolean;
}) {
  return (
    <Table.Tr data-testid="delivery-row">
      <Table.Td>
        <Badge color={deliveryColor[d.status]} variant="light">
          {d.status === 'pending' ? (d.attempts > 0 ? 'retrying' : 'queued') : d.status}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Code>{d.eventType}</Code>
      </Table.Td>
      <Table.Td>{d.attempts}</Table.Td>
      <Table.Td>
        {d.lastStatusCode !== null ? (
          <Text size="sm" c={d.lastStatusCode < 300 ? 'green' : 'red'} fw={500}>
            HTTP {d.lastStatusCode}
          </Text>
        ) : (
          <Text size="sm" c="dimmed" truncate="end" maw={200}>
            {d.lastError ?? '—'}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{d.lastDurationMs !== null ? `${d.lastDurationMs} ms` : '—'}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDateTime(d.createdAt)}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button size="xs" variant="subtle" onClick={onOpen}>
            Details
          </Button>
          <Button
            size="xs"
            variant="light"
            leftSection={<IconRefresh size={14} />}
            loading={replaying}
            onClick={onReplay}
          >
            Replay
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function DeliveryModal({
  subscriptionId,
  deliveryId,
  onClose,
}: {
  subscriptionId: string;
  deliveryId: string | null;
  onClose: () => void;
}) {
  const detail = useDelivery(subscriptionId, deliveryId);
  const d = detail.data;
  return (
    <Modal opened={deliveryId !== null} onClose={onClose} title="Delivery" size="xl" centered>
      <ErrorAlert error={detail.error} />
      {!d ? (
        <Skeleton h={120} />
      ) : (
        <Stack>
          <Group gap="xs">
            <Badge color={deliveryColor[d.delivery.status]}>{d.delivery.status}</Badge>
            <Code>{d.delivery.eventType}</Code>
            <Text size="xs" c="dimmed">
              Leadloop-Delivery: {d.delivery.id}
            </Text>
          </Group>
          <Title order={5}>Attempts</Title>
          <Table verticalSpacing={4} aria-label="Attempts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Trigger</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>Duration</Table.Th>
                <Table.Th>At</Table.Th>
                <Table.Th>Response</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.attempts.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>{a.attempt}</Table.Td>
                  <Table.Td>{a.trigger}</Table.Td>
                  <Table.Td>
                    <Text size="sm" c={a.ok ? 'green' : 'red'}>
                      {a.statusCode !== null ? `HTTP ${a.statusCode}` : (a.error ?? 'failed')}
                    </Text>
                  </Table.Td>
                  <Table.Td>{a.durationMs} ms</Table.Td>
                  <Table.Td>{formatDateTime(a.startedAt)}</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" truncate="end" maw={220}>
                      {a.responseBody ?? ''}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Title order={5}>Body</Title>
          <Code block mah={300} style={{ overflow: 'auto' }}>
            {JSON.stringify(d.payload, null, 2)}
          </Code>
        </Stack>
      )}
    </Modal>
  );
}

function CreateWebhookModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const create = useCreateWebhook();
  const isAdmin = useSession().data?.role === 'admin';
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['lead.created', 'lead.updated']);
  const error = create.error instanceof ApiError ? create.error : null;
  const secret = create.data?.secret;
  const done = () => {
    setUrl('');
    setDescription('');
    setEvents(['lead.created', 'lead.updated']);
    create.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={done} title={secret ? 'Webhook added' : 'Add webhook'} centered size="lg">
      {secret ? (
        <SecretOnce
          secret={secret}
          notice="This is the only time the secret is shown. Use it to check the Leadloop-Signature header of every request (see the webhooks guide)."
          testId="webhook-secret"
          onDone={done}
        />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(
              { url, events, ...(description ? { description } : {}) },
              { onSuccess: (r) => onCreated(r.subscription.id) },
            );
          }}
        >
          <Stack>
            <ErrorAlert error={error && error.details.length === 0 ? error : null} />
            <TextInput
              label="Endpoint URL"
              description={
                isAdmin
                  ? 'https, or http to a loopback address for local testing'
                  : 'https to a public address (internal systems are set up by an admin)'
              }
              placeholder="https://crm.example.com/hooks/leadloop"
              required
              value={url}
              onChange={(e) => {
                setUrl(e.currentTarget.value);
                if (create.error) create.reset();
              }}
              error={error?.fieldError('url')}
            />
            <Textarea
              label="Description"
              placeholder="CRM sync"
              autosize
              minRows={1}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
            />
            <Checkbox.Group
              label="Events"
              value={events}
              onChange={(v) => setEvents(v as WebhookEventType[])}
              error={
                error?.fieldError('events') ?? (events.length === 0 ? 'Choose at least one event' : undefined)
              }
            >
              <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs" spacing="xs">
                {webhookEventTypes.map((t) => (
                  <Checkbox key={t} value={t} label={t} description={eventHelp[t]} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <Group justify="flex-end">
              <Button variant="default" onClick={done}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={events.length === 0}>
                Add webhook
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
