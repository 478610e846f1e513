import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Filter } from '../../../../contracts/filters.ts';
import type { Segment, SegmentHistoryEntry } from '../../../../contracts/segments.ts';
import { segmentsKey } from '../../components/filters/api.ts';
import { leadsKey } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

export type { Segment, SegmentHistoryEntry };

export function useSegment(id: string) {
  return useQuery({
    queryKey: [...segmentsKey, 'one', id],
    queryFn: () => api<Segment>('GET', `/api/v1/segments/${encodeURIComponent(id)}`),
    enabled: id !== '',
  });
}

export function useSegmentCount(id: string) {
  return useQuery({
    queryKey: [...segmentsKey, 'count', id],
    queryFn: () =>
      api<{ count: number; recorded: number }>('GET', `/api/v1/segments/${encodeURIComponent(id)}/count`),
    enabled: id !== '',
  });
}

export function useSegmentHistory(id: string) {
  return useQuery({
    queryKey: [...segmentsKey, 'history', id],
    queryFn: () =>
      api<{ data: SegmentHistoryEntry[] }>(
        'GET',
        `/api/v1/segments/${encodeURIComponent(id)}/history?limit=50`,
      ),
    enabled: id !== '',
  });
}

/** How many leads a filter matches right now (the editor's live preview). */
export function useFilterCount(filter: Filter | null) {
  const json = filter ? JSON.stringify(filter) : null;
  return useQuery({
    queryKey: [...leadsKey, 'count', 'filter', json],
    queryFn: () => api<{ count: number }>('GET', `/api/v1/leads/count?filter=${encodeURIComponent(json!)}`),
    enabled: json !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useUpdateSegment(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: { name?: string; description?: string | null; filter?: Filter }) =>
      api<Segment>('PATCH', `/api/v1/segments/${encodeURIComponent(id)}`, patch),
    onSuccess: () => client.invalidateQueries({ queryKey: segmentsKey }),
  });
}

export function useDeleteSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/api/v1/segments/${encodeURIComponent(id)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: segmentsKey }),
  });
}

export function useRemoveFromSegment(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (leadIds: string[]) =>
      api<{ removed: number }>('POST', `/api/v1/segments/${encodeURIComponent(id)}/members/remove`, {
        leadIds,
      }),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: segmentsKey });
      client.invalidateQueries({ queryKey: leadsKey });
    },
  });
}
