import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { MyLead, MyLeadsPage } from '../../../../contracts/activities.ts';
import { api, query } from '../../lib/api.ts';

export type { MyLead };

/** The leads the signed-in rep owns, a page at a time, refreshed now and then (SLA states move). */
export function useMyLeads(params: { scope: 'open' | 'all'; q: string }) {
  return useInfiniteQuery({
    queryKey: ['my-leads', params.scope, params.q],
    queryFn: ({ pageParam }) =>
      api<MyLeadsPage>(
        'GET',
        `/api/v1/my-leads${query({ scope: params.scope, q: params.q, limit: 50, cursor: pageParam })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}
