import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Activity,
  ActivityInput,
  ActivityList,
  ActivityPatch,
} from '../../../../contracts/activities.ts';
import { api } from '../../lib/api.ts';

export type { Activity, ActivityInput, ActivityPatch };

const enc = encodeURIComponent;
export const activitiesKey = (leadId: string) => ['activities', leadId] as const;

/** A lead's activities, latest first (a lead has tens, not thousands: one page of 200). */
export function useActivities(leadId: string) {
  return useQuery({
    queryKey: activitiesKey(leadId),
    queryFn: () => api<ActivityList>('GET', `/api/v1/leads/${enc(leadId)}/activities?limit=200`),
  });
}

/** Activities change the lead's timeline, its assignments' first touch and the work list. */
function useInvalidate(leadId: string) {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: activitiesKey(leadId) }),
      client.invalidateQueries({ queryKey: ['my-leads'] }),
      client.invalidateQueries({ queryKey: ['inbox'] }),
    ]);
}

export function useLogActivity(leadId: string) {
  const invalidate = useInvalidate(leadId);
  return useMutation({
    mutationFn: (input: ActivityInput) =>
      api<Activity>('POST', `/api/v1/leads/${enc(leadId)}/activities`, input),
    onSuccess: invalidate,
  });
}

export function useUpdateActivity(leadId: string) {
  const invalidate = useInvalidate(leadId);
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: ActivityPatch }) =>
      api<Activity>('PATCH', `/api/v1/activities/${enc(id)}`, patch),
    onSuccess: invalidate,
  });
}

export function useDeleteActivity(leadId: string) {
  const invalidate = useInvalidate(leadId);
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/api/v1/activities/${enc(id)}`),
    onSuccess: invalidate,
  });
}
