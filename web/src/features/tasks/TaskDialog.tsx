import { Button, Group, Modal, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { OwnerSelect } from '../../components/leads/OwnerSelect.tsx';
import { ApiError } from '../../lib/api.ts';
import { useSession } from '../auth/api.ts';
import { fromLocalInput, type Task, toLocalInput, useCreateTask, useUpdateTask } from './api.ts';

type Remind = 'none' | 'at' | '15m' | '1h' | '1d' | 'custom';
const before: Record<Exclude<Remind, 'none' | 'custom'>, number> = { at: 0, '15m': 15, '1h': 60, '1d': 1440 };

/** Tomorrow at 09:00 local time, the usual "do it tomorrow". */
function tomorrowMorning(): string {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return d.toISOString();
}

type TaskDialogProps = {
  opened: boolean;
  onClose: () => void;
  /** The task to edit; a new task when absent. */
  task?: Task | null;
  /** A new task about this lead. */
  lead?: { id: string; name: string } | null;
};

/** Create or edit a task: title, notes, due time, reminder, assignee. */
export function TaskDialog({ opened, onClose, task, lead }: TaskDialogProps) {
  const me = useSession().data;
  const create = useCreateTask();
  const update = useUpdateTask();
  const [title, setTitle] = useState('');
  const [notes, setNotes] = useState('');
  const [due, setDue] = useState('');
  const [remind, setRemind] = useState<Remind>('none');
  const [customRemind, setCustomRemind] = useState('');
  const [assigneeId, setAssigneeId] = useState<string | null>(null);

  useEffect(() => {
    if (!opened) return;
    setTitle(task?.title ?? '');
    setNotes(task?.notes ?? '');
    setDue(toLocalInput(task?.dueAt ?? tomorrowMorning()));
    setRemind(task?.reminderAt ? 'custom' : 'none');
    setCustomRemind(toLocalInput(task?.reminderAt));
    setAssigneeId(task?.assignee.id ?? me?.id ?? null);
    create.reset();
    update.reset();
  }, [opened, task, me?.id, create.reset, update.reset]);

  const mutation = task ? update : create;
  const error = mutation.error instanceof ApiError ? mutation.error : null;
  const dueIso = fromLocalInput(due);
  const reminderAt =
    remind === 'none'
      ? null
      : remind === 'custom'
        ? fromLocalInput(customRemind)
        : dueIso
          ? new Date(Date.parse(dueIso) - before[remind] * 60_000).toISOString()
          : null;
  const about = task?.lead ?? lead ?? null;

  function submit() {
    if (!dueIso || !title.trim()) return;
    const done = (t: Task) => {
      notifications.show({
        color: 'green',
        message: task ? `Saved “${t.title}”` : `Added “${t.title}”${t.reminderAt ? ' with a reminder' : ''}`,
      });
      onClose();
    };
    if (task)
      update.mutate(
        {
          id: task.id,
          patch: {
            title: title.trim(),
            notes,
            dueAt: dueIso,
            reminderAt,
            ...(assigneeId ? { assigneeId } : {}),
          },
        },
        { onSuccess: done },
      );
    else
      create.mutate(
        {
          title: title.trim(),
          notes,
          dueAt: dueIso,
          reminderAt,
          ...(assigneeId ? { assigneeId } : {}),
          ...(lead ? { leadId: lead.id } : {}),
        },
        { onSuccess: done },
      );
  }

  return (
    <Modal opened={opened} onClose={onClose} title={task ? 'Edit task' : 'New task'} centered size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          {about ? (
            <Text size="sm" c="dimmed">
              About {about.name}
            </Text>
          ) : null}
          <TextInput
            label="Title"
            placeholder="Call back about pricing"
            required
            data-autofocus
            maxLength={300}
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            error={error?.fieldError('title')}
          />
          <Textarea
            label="Notes"
            autosize
            minRows={2}
            maxRows={8}
            maxLength={5000}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
          />
          <Group grow align="flex-start">
            <TextInput
              type="datetime-local"
              label="Due"
              required
              value={due}
              onChange={(e) => setDue(e.currentTarget.value)}
              error={error?.fieldError('dueAt')}
            />
            <OwnerSelect
              label="Assignee"
              value={assigneeId}
              onChange={setAssigneeId}
              allowUnassigned={false}
              error={error?.fieldError('assigneeId')}
            />
          </Group>
          <Group grow align="flex-start">
            <Select
              label="Remind me"
              data={[
                { value: 'none', label: 'No reminder' },
                { value: 'at', label: 'When it is due' },
                { value: '15m', label: '15 minutes before' },
                { value: '1h', label: '1 hour before' },
                { value: '1d', label: '1 day before' },
                { value: 'custom', label: 'At a time I choose' },
              ]}
              value={remind}
              onChange={(v) => setRemind((v as Remind) ?? 'none')}
              allowDeselect={false}
            />
            {remind === 'custom' ? (
              <TextInput
                type="datetime-local"
                label="Reminder at"
                required
                value={customRemind}
                onChange={(e) => setCustomRemind(e.currentTarget.value)}
                error={error?.fieldError('reminderAt')}
              />
            ) : (
              <Text size="xs" c="dimmed" pt={30}>
                {reminderAt
                  ? `In the app and by email, ${new Date(reminderAt).toLocaleString()}`
                  : 'No reminder: the task waits in your list.'}
              </Text>
            )}
          </Group>
          {remind !== 'custom' && error?.fieldError('reminderAt') ? (
            <Text size="sm" c="red">
              Reminder: {error.fieldError('reminderAt')}
            </Text>
          ) : null}
          <ErrorAlert
            error={error && error.details.length === 0 ? error : null}
            title="The task was not saved"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending} disabled={!title.trim() || !dueIso}>
              {task ? 'Save task' : 'Add task'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
