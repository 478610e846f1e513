import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Notification,
  NotificationKind,
  NotificationPage,
  NotificationPreferences,
} from '../../../../contracts/notifications.ts';
import { api } from '../../lib/api.ts';

export type { Notification, NotificationKind };

const key = ['notifications'] as const;
const enc = encodeURIComponent;

/** The bell: the latest notifications and the unread count, polled. */
export function useNotifications(options: { pollMs?: number } = {}) {
  return useQuery({
    queryKey: [...key, 'list'],
    queryFn: () => api<NotificationPage>('GET', '/api/v1/notifications?limit=30'),
    refetchInterval: options.pollMs ?? 30_000,
    refetchIntervalInBackground: false,
  });
}

export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Notification>('POST', `/api/v1/notifications/${enc(id)}/read`),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
}

export function useMarkAllRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ updated: number }>('POST', '/api/v1/notifications/read-all'),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
}

export function usePreferences() {
  return useQuery({
    queryKey: [...key, 'preferences'],
    queryFn: () => api<NotificationPreferences>('GET', '/api/v1/notifications/preferences'),
  });
}

export function useSavePreference() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (p: { kind: NotificationKind; email: boolean }) =>
      api<NotificationPreferences>('PUT', '/api/v1/notifications/preferences', { preferences: [p] }),
    onSuccess: (data) => client.setQueryData([...key, 'preferences'], data),
  });
}

/** Where a notification leads in the app. */
export function linkOf(n: Pick<Notification, 'leadId' | 'taskId'>): string {
  if (n.leadId) return `/leads/${enc(n.leadId)}`;
  if (n.taskId) return '/tasks';
  return '/';
}
