/** The filter language's field catalog, and segments as list filters (shared by lead lists and segment pages). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FilterCatalog } from '../../../../contracts/filters.ts';
import type { Segment } from '../../../../contracts/segments.ts';
import { api } from '../../lib/api.ts';

export type { FilterCatalog, Segment };

export const segmentsKey = ['segments'] as const;

export function useFilterCatalog() {
  return useQuery({
    queryKey: ['filter-catalog'],
    queryFn: () => api<FilterCatalog>('GET', '/api/v1/filters/fields'),
    staleTime: 60_000,
  });
}

export function useSegments() {
  return useQuery({
    queryKey: [...segmentsKey, 'list'],
    queryFn: () => api<{ data: Segment[] }>('GET', '/api/v1/segments'),
  });
}

/** Adds leads to a static segment. */
export function useAddToSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ segmentId, leadIds }: { segmentId: string; leadIds: string[] }) =>
      api<{ added: number; skipped: string[] }>(
        'POST',
        `/api/v1/segments/${encodeURIComponent(segmentId)}/members`,
        {
          leadIds,
        },
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: segmentsKey }),
  });
}

export function useCreateSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: {
      name: string;
      description?: string | null;
      kind: 'dynamic' | 'static';
      filter?: unknown;
    }) => api<Segment>('POST', '/api/v1/segments', input),
    onSuccess: () => client.invalidateQueries({ queryKey: segmentsKey }),
  });
}
