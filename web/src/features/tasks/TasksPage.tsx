import {
  Badge,
  Button,
  Group,
  Paper,
  Select,
  Skeleton,
  Stack,
  Text,
  TextInput,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChecklist, IconPlus } from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useDirectory } from '../../components/leads/queries.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useSession } from '../auth/api.ts';
import { type Task, useCreateTask, useTasks } from './api.ts';
import { TaskDialog } from './TaskDialog.tsx';
import { TaskRow } from './TaskRow.tsx';

type When = 'today' | 'tomorrow' | 'monday';

/** The due time a quick-added task gets. */
function dueOf(when: When): string {
  const d = new Date();
  if (when === 'today') {
    d.setHours(17, 0, 0, 0);
    if (d.getTime() < Date.now()) d.setHours(23, 59, 0, 0);
  } else if (when === 'tomorrow') {
    d.setDate(d.getDate() + 1);
    d.setHours(9, 0, 0, 0);
  } else {
    d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7));
    d.setHours(9, 0, 0, 0);
  }
  return d.toISOString();
}

function endOfToday(): number {
  const d = new Date();
  d.setHours(23, 59, 59, 999);
  return d.getTime();
}

/** Tasks: overdue, today, upcoming and done; quick add; complete with a checkbox. */
export function TasksPage() {
  const me = useSession().data;
  const oversees = me?.role === 'admin' || me?.role === 'sales_manager';
  const [whose, setWhose] = useState('me');
  const [dialog, setDialog] = useState(false);
  const open = useTasks({ assigneeId: whose, status: 'open', limit: 200 });
  const done = useTasks({ assigneeId: whose, status: 'done', sort: '-dueAt', limit: 20 });
  const tasks = open.data?.data ?? [];
  const todayEnd = endOfToday();
  const overdue = tasks.filter((t) => t.overdue);
  const today = tasks.filter((t) => !t.overdue && Date.parse(t.dueAt) <= todayEnd);
  const upcoming = tasks.filter((t) => !t.overdue && Date.parse(t.dueAt) > todayEnd);

  return (
    <>
      <PageHeader
        title="Tasks"
        description="What to do and by when. A reminder comes to the bell and by email at the time you set."
        actions={
          <Group align="flex-end">
            {oversees ? <WhoseSelect value={whose} onChange={setWhose} /> : null}
            <Button leftSection={<IconPlus size={16} />} onClick={() => setDialog(true)}>
              New task
            </Button>
          </Group>
        }
      />
      <QuickAdd />
      <ErrorAlert error={open.error ?? done.error} title="Tasks could not be loaded" />
      {open.isPending ? (
        <Stack mt="lg">
          <Skeleton h={120} />
          <Skeleton h={120} />
        </Stack>
      ) : (
        <Stack gap="lg" mt="lg">
          {tasks.length === 0 ? (
            <Paper withBorder radius="md" p="xl">
              <Group>
                <ThemeIcon variant="light" size="xl" radius="xl" color="teal">
                  <IconChecklist size={22} />
                </ThemeIcon>
                <Stack gap={0}>
                  <Text fw={600}>Nothing to do</Text>
                  <Text size="sm" c="dimmed">
                    Add a task above, or from a lead's page to follow it up.
                  </Text>
                </Stack>
              </Group>
            </Paper>
          ) : null}
          {overdue.length > 0 ? <Section title="Overdue" color="red" tasks={overdue} /> : null}
          {tasks.length > 0 ? (
            <>
              <Section title="Today" color="blue" tasks={today} empty="Nothing else due today." />
              <Section title="Upcoming" color="gray" tasks={upcoming} empty="Nothing planned after today." />
            </>
          ) : null}
          <Section
            title="Done"
            color="green"
            tasks={done.data?.data ?? []}
            empty="Completed tasks appear here."
            loading={done.isPending}
          />
        </Stack>
      )}
      <TaskDialog opened={dialog} onClose={() => setDialog(false)} />
    </>
  );
}

function Section({
  title,
  color,
  tasks,
  empty,
  loading,
}: {
  title: string;
  color: string;
  tasks: Task[];
  empty?: ReactNode;
  loading?: boolean;
}) {
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-label={title}>
      <Group gap="xs" mb="xs">
        <Title order={3} size="h4">
          {title}
        </Title>
        <Badge variant="light" color={color} circle>
          {tasks.length}
        </Badge>
      </Group>
      {loading ? (
        <Skeleton h={40} />
      ) : tasks.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Stack gap={0} role="list" aria-label={`${title} tasks`}>
          {tasks.map((t) => (
            <TaskRow key={t.id} task={t} />
          ))}
        </Stack>
      )}
    </Paper>
  );
}

/** Type a title, pick when, press Enter. */
function QuickAdd() {
  const create = useCreateTask();
  const [title, setTitle] = useState('');
  const [when, setWhen] = useState<When>('tomorrow');
  const submit = () => {
    if (!title.trim()) return;
    create.mutate(
      { title: title.trim(), dueAt: dueOf(when) },
      {
        onSuccess: (t) => {
          setTitle('');
          notifications.show({ color: 'green', message: `Added “${t.title}”` });
        },
      },
    );
  };
  return (
    <Paper withBorder radius="md" p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Quick add"
            placeholder="Send the proposal to Globex"
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            maxLength={300}
            style={{ flex: 1, minWidth: 240 }}
          />
          <Select
            label="Due"
            w={190}
            data={[
              { value: 'today', label: 'Today, end of day' },
              { value: 'tomorrow', label: 'Tomorrow, 09:00' },
              { value: 'monday', label: 'Next Monday, 09:00' },
            ]}
            value={when}
            onChange={(v) => setWhen((v as When) ?? 'tomorrow')}
            allowDeselect={false}
          />
          <Button type="submit" variant="light" loading={create.isPending} disabled={!title.trim()}>
            Add
          </Button>
        </Group>
        <ErrorAlert error={create.error} title="The task was not added" />
      </form>
    </Paper>
  );
}

function WhoseSelect({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const directory = useDirectory();
  const me = useSession().data;
  const people = (directory.data?.data ?? []).filter((u) => u.active && u.id !== me?.id);
  return (
    <Select
      label="Whose tasks"
      w={220}
      data={[
        { value: 'me', label: 'Mine' },
        { value: 'any', label: 'Everyone' },
        ...people.map((u) => ({ value: u.id, label: u.name })),
      ]}
      value={value}
      onChange={(v) => onChange(v ?? 'me')}
      allowDeselect={false}
      searchable
    />
  );
}
