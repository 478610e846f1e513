import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBell, IconDots, IconPencil, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { type Task, useDeleteTask, useUpdateTask } from './api.ts';
import { TaskDialog } from './TaskDialog.tsx';

type TaskRowProps = { task: Task; showLead?: boolean };

/** One task: a checkbox to complete it, when it is due, its reminder, its lead; edit and delete. */
export function TaskRow({ task, showLead = true }: TaskRowProps) {
  const me = useSession().data;
  const update = useUpdateTask();
  const remove = useDeleteTask();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const done = task.status === 'done';
  return (
    <Group
      wrap="nowrap"
      align="flex-start"
      gap="sm"
      py="xs"
      role="listitem"
      data-testid="task"
      style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
    >
      <Checkbox
        mt={3}
        checked={done}
        disabled={update.isPending}
        aria-label={done ? `Reopen “${task.title}”` : `Complete “${task.title}”`}
        onChange={(e) => {
          const status = e.currentTarget.checked ? 'done' : 'open';
          update.mutate(
            { id: task.id, patch: { status } },
            {
              onSuccess: () =>
                notifications.show({
                  color: 'green',
                  message: status === 'done' ? `Done: ${task.title}` : `Reopened “${task.title}”`,
                }),
              onError: (err) =>
                notifications.show({ color: 'red', title: 'Not saved', message: err.message }),
            },
          );
        }}
      />
      <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
        <Text
          size="sm"
          fw={500}
          td={done ? 'line-through' : undefined}
          c={done ? 'dimmed' : undefined}
          style={{ wordBreak: 'break-word' }}
        >
          {task.title}
        </Text>
        {task.notes ? (
          <Text
            size="xs"
            c="dimmed"
            lineClamp={2}
            style={{ whiteSpace: 'pre-line', wordBreak: 'break-word' }}
          >
            {task.notes}
          </Text>
        ) : null}
        <Group gap={8} wrap="wrap">
          <Tooltip label={formatDateTime(task.dueAt)}>
            <Text size="xs" c={task.overdue ? 'red' : 'dimmed'} fw={task.overdue ? 600 : undefined}>
              {done && task.doneAt
                ? `Done ${formatRelative(task.doneAt)}`
                : `${task.overdue ? 'Overdue · was due' : 'Due'} ${formatDateTime(task.dueAt)}`}
            </Text>
          </Tooltip>
          {task.reminderAt && !done ? (
            <Tooltip
              label={
                task.remindedAt
                  ? `Reminded ${formatDateTime(task.remindedAt)}`
                  : 'Reminder in the app and by email'
              }
            >
              <Badge
                size="xs"
                variant="light"
                color={task.remindedAt ? 'gray' : 'teal'}
                leftSection={<IconBell size={10} />}
                tt="none"
              >
                {task.remindedAt ? 'Reminded' : `Reminder ${formatDateTime(task.reminderAt)}`}
              </Badge>
            </Tooltip>
          ) : null}
          {showLead && task.lead ? (
            <Anchor component={Link} to={`/leads/${encodeURIComponent(task.lead.id)}`} size="xs">
              {task.lead.name}
            </Anchor>
          ) : null}
          {me && task.assignee.id !== me.id ? (
            <Text size="xs" c="dimmed">
              · {task.assignee.name}
            </Text>
          ) : null}
        </Group>
      </Stack>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for “${task.title}”`}>
            <IconDots size={16} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item leftSection={<IconPencil size={14} />} onClick={() => setEditing(true)}>
            Edit or reschedule
          </Menu.Item>
          <Menu.Item leftSection={<IconTrash size={14} />} color="red" onClick={() => setDeleting(true)}>
            Delete…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <TaskDialog opened={editing} onClose={() => setEditing(false)} task={task} />
      <Modal opened={deleting} onClose={() => setDeleting(false)} title="Delete this task?" centered>
        <Stack>
          <Text size="sm">“{task.title}” and its reminder are removed for good.</Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                remove.mutate(task.id, {
                  onSuccess: () => {
                    setDeleting(false);
                    notifications.show({ message: `Deleted “${task.title}”` });
                  },
                })
              }
            >
              Delete task
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}
