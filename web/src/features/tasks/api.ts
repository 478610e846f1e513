import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Task, TaskInput, TaskPage, TaskPatch } from '../../../../contracts/tasks.ts';
import { api, query } from '../../lib/api.ts';

export type { Task, TaskInput, TaskPatch };

export const tasksKey = ['tasks'] as const;
const enc = encodeURIComponent;

export type TaskListQuery = {
  assigneeId?: string;
  leadId?: string;
  status?: 'open' | 'done' | 'all';
  sort?: 'dueAt' | '-dueAt';
  limit?: number;
};

export function useTasks(q: TaskListQuery) {
  const search = query(q);
  return useQuery({
    queryKey: [...tasksKey, search],
    queryFn: () => api<TaskPage>('GET', `/api/v1/tasks${search}`),
  });
}

/** Task changes touch the task lists, the work list (next task) and the bell (reminders). */
function useInvalidate() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: tasksKey }),
      client.invalidateQueries({ queryKey: ['my-leads'] }),
    ]);
}

export function useCreateTask() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (input: TaskInput) => api<Task>('POST', '/api/v1/tasks', input),
    onSuccess: invalidate,
  });
}

export function useUpdateTask() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: TaskPatch }) =>
      api<Task>('PATCH', `/api/v1/tasks/${enc(id)}`, patch),
    onSuccess: invalidate,
  });
}

export function useDeleteTask() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/api/v1/tasks/${enc(id)}`),
    onSuccess: invalidate,
  });
}

/** `datetime-local` input value (local wall clock) ⇄ ISO instant. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
