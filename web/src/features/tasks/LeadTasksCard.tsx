import { Button, Group, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useTasks } from './api.ts';
import { TaskDialog } from './TaskDialog.tsx';
import { TaskRow } from './TaskRow.tsx';

/** A lead's open tasks, whoever they belong to, and a button to add one. */
export function LeadTasksCard({ lead }: { lead: { id: string; name: string } }) {
  const [adding, setAdding] = useState(false);
  const open = useTasks({ leadId: lead.id, status: 'open', limit: 50 });
  const done = useTasks({ leadId: lead.id, status: 'done', sort: '-dueAt', limit: 3 });
  const tasks = open.data?.data ?? [];
  const finished = done.data?.data ?? [];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-label="Tasks">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          Tasks
        </Title>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          onClick={() => setAdding(true)}
        >
          Add task
        </Button>
      </Group>
      <ErrorAlert error={open.error} title="Tasks could not be loaded" />
      {open.isPending ? (
        <Skeleton h={48} />
      ) : tasks.length === 0 ? (
        <Text size="sm" c="dimmed">
          No open task. Add one to follow this lead up; a reminder comes to the bell and by email.
        </Text>
      ) : (
        <Stack gap={0} role="list" aria-label="Open tasks">
          {tasks.map((t) => (
            <TaskRow key={t.id} task={t} showLead={false} />
          ))}
        </Stack>
      )}
      {finished.length > 0 ? (
        <>
          <Text size="xs" c="dimmed" fw={700} tt="uppercase" mt="md">
            Recently done
          </Text>
          <Stack gap={0} role="list" aria-label="Done tasks">
            {finished.map((t) => (
              <TaskRow key={t.id} task={t} showLead={false} />
            ))}
          </Stack>
        </>
      ) : null}
      <TaskDialog opened={adding} onClose={() => setAdding(false)} lead={lead} />
    </Paper>
  );
}
