import {
  ActionIcon,
  Button,
  Divider,
  Group,
  Indicator,
  Popover,
  ScrollArea,
  Skeleton,
  Stack,
  Text,
  ThemeIcon,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import {
  IconAlarm,
  IconBell,
  IconBellOff,
  IconChecklist,
  IconCircleCheck,
  IconHourglassLow,
  IconUserPlus,
} from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import {
  linkOf,
  type Notification,
  type NotificationKind,
  useMarkAllRead,
  useMarkRead,
  useNotifications,
} from './api.ts';

const kinds: Record<NotificationKind, { icon: ReactNode; color: string; label: string }> = {
  'lead.assigned': { icon: <IconUserPlus size={16} />, color: 'indigo', label: 'New lead' },
  'sla.warning': { icon: <IconHourglassLow size={16} />, color: 'orange', label: 'SLA ends soon' },
  'sla.escalated': { icon: <IconAlarm size={16} />, color: 'red', label: 'SLA passed' },
  'task.reminder': { icon: <IconChecklist size={16} />, color: 'teal', label: 'Task reminder' },
};

/** The bell in the header: unread count, the latest notifications, mark read. Polls for new ones. */
export function NotificationBell() {
  const [opened, setOpened] = useState(false);
  const list = useNotifications();
  const markAll = useMarkAllRead();
  const unread = list.data?.unread ?? 0;
  const items = list.data?.data ?? [];
  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-end"
      width={380}
      shadow="md"
      withArrow
      trapFocus
      returnFocus
    >
      <Popover.Target>
        <Tooltip label="Notifications" disabled={opened}>
          <Indicator
            label={unread > 99 ? '99+' : unread}
            size={18}
            color="red"
            offset={4}
            disabled={unread === 0}
            data-testid="bell-badge"
          >
            <ActionIcon
              variant="default"
              size="lg"
              aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
              onClick={() => {
                // Opening looks again at once rather than waiting for the next poll.
                if (!opened) void list.refetch();
                setOpened((o) => !o);
              }}
            >
              <IconBell size={18} />
            </ActionIcon>
          </Indicator>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown p={0} role="dialog" aria-label="Notifications">
        <Group justify="space-between" px="md" py="sm">
          <Text fw={600}>Notifications</Text>
          <Button
            variant="subtle"
            size="compact-sm"
            leftSection={<IconCircleCheck size={14} />}
            disabled={unread === 0}
            loading={markAll.isPending}
            onClick={() => markAll.mutate()}
          >
            Mark all read
          </Button>
        </Group>
        <Divider />
        <ErrorAlert error={list.error ?? markAll.error} title="Notifications could not be loaded" />
        {list.isPending ? (
          <Stack p="md" gap="sm">
            <Skeleton h={44} />
            <Skeleton h={44} />
            <Skeleton h={44} />
          </Stack>
        ) : items.length === 0 ? (
          <Stack align="center" gap={6} py="xl" px="md">
            <ThemeIcon variant="light" color="gray" size="xl" radius="xl">
              <IconBellOff size={20} />
            </ThemeIcon>
            <Text size="sm" fw={500}>
              Nothing new
            </Text>
            <Text size="xs" c="dimmed" ta="center">
              New leads, SLA warnings and task reminders show up here.
            </Text>
          </Stack>
        ) : (
          <ScrollArea.Autosize mah={420} type="auto">
            <Stack gap={0} role="list" aria-label="Notifications">
              {items.map((n) => (
                <Item key={n.id} n={n} onOpen={() => setOpened(false)} />
              ))}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

function Item({ n, onOpen }: { n: Notification; onOpen: () => void }) {
  const markRead = useMarkRead();
  const kind = kinds[n.kind] ?? kinds['lead.assigned'];
  const unread = n.readAt === null;
  return (
    <Group
      role="listitem"
      gap="sm"
      wrap="nowrap"
      align="flex-start"
      px="md"
      py="sm"
      data-testid="notification"
      data-kind={n.kind}
      style={{
        borderBottom: '1px solid var(--mantine-color-default-border)',
        background: unread ? 'var(--mantine-color-blue-light)' : undefined,
      }}
    >
      <ThemeIcon variant="filled" color={kind.color} radius="xl" size={30} aria-label={kind.label}>
        {kind.icon}
      </ThemeIcon>
      <UnstyledButton
        component={Link}
        to={linkOf(n)}
        style={{ flex: 1, minWidth: 0 }}
        onClick={() => {
          if (unread) markRead.mutate(n.id);
          onOpen();
        }}
      >
        <Text size="sm" fw={unread ? 700 : 500} style={{ wordBreak: 'break-word' }}>
          {n.title}
        </Text>
        <Text size="xs" c="dimmed" lineClamp={2} style={{ whiteSpace: 'pre-line', wordBreak: 'break-word' }}>
          {n.body}
        </Text>
        <Tooltip label={formatDateTime(n.createdAt)}>
          <Text size="xs" c="dimmed" mt={2} component="time" dateTime={n.createdAt}>
            {kind.label} · {formatRelative(n.createdAt)}
          </Text>
        </Tooltip>
      </UnstyledButton>
      {unread ? (
        <Tooltip label="Mark read">
          <ActionIcon
            variant="subtle"
            size="sm"
            aria-label={`Mark “${n.title}” read`}
            loading={markRead.isPending}
            onClick={() => markRead.mutate(n.id)}
          >
            <IconCircleCheck size={16} />
          </ActionIcon>
        </Tooltip>
      ) : null}
    </Group>
  );
}
