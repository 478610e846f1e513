import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../../contracts/auth.ts';
import type {
  Board,
  Deal,
  DealDetail,
  DealInput,
  DealPatch,
  LostInput,
  MoveInput,
  Pipeline,
  PipelineInput,
  PipelinePatch,
  ReopenInput,
} from '../../../../contracts/deals.ts';
import { searchOf } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

export type { Board, Deal, DealDetail, Pipeline };

const enc = encodeURIComponent;
export const dealsKey = ['deals'] as const;
export const pipelinesKey = ['pipelines'] as const;

/** Who may open and move deals (the server checks ownership deal by deal). */
export const canSell = (role: Role | undefined) =>
  role === 'admin' || role === 'sales_manager' || role === 'sales_rep';
/** Who may edit pipelines. */
export const canShapePipelines = (role: Role | undefined) => role === 'admin' || role === 'sales_manager';

export function usePipelines() {
  return useQuery({
    queryKey: pipelinesKey,
    queryFn: () => api<{ data: Pipeline[] }>('GET', '/api/v1/pipelines'),
  });
}

export function useBoard(pipelineId: string | null, ownerId: string | null) {
  const search = searchOf({ ownerId });
  return useQuery({
    queryKey: [...dealsKey, 'board', pipelineId, search],
    queryFn: () => api<Board>('GET', `/api/v1/pipelines/${enc(pipelineId!)}/board${search}`),
    enabled: !!pipelineId,
    placeholderData: keepPreviousData,
  });
}

export function useDeal(id: string | null) {
  return useQuery({
    queryKey: [...dealsKey, 'detail', id],
    queryFn: () => api<DealDetail>('GET', `/api/v1/deals/${enc(id!)}`),
    enabled: !!id,
  });
}

export function useLeadDeals(leadId: string) {
  return useQuery({
    queryKey: [...dealsKey, 'lead', leadId],
    queryFn: () =>
      api<{ data: Deal[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/deals${searchOf({ leadId, sort: '-createdAt', limit: 50 })}`,
      ),
  });
}

/** After any deal write: boards, lists, the deal, pipelines' counts and the leads it moved. */
function useInvalidate() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: dealsKey }),
      client.invalidateQueries({ queryKey: pipelinesKey }),
      client.invalidateQueries({ queryKey: ['leads'] }),
      client.invalidateQueries({ queryKey: ['inbox'] }),
    ]);
}

export function useCreateDeal() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (input: DealInput) => api<DealDetail>('POST', '/api/v1/deals', input),
    onSuccess: invalidate,
  });
}

export function usePatchDeal() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: DealPatch }) =>
      api<DealDetail>('PATCH', `/api/v1/deals/${enc(id)}`, patch),
    onSuccess: invalidate,
  });
}

export function useMoveDeal() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, move }: { id: string; move: MoveInput }) =>
      api<DealDetail>('POST', `/api/v1/deals/${enc(id)}/move`, move),
    onSuccess: invalidate,
  });
}

export function useWinDeal() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<DealDetail>('POST', `/api/v1/deals/${enc(id)}/won`),
    onSuccess: invalidate,
  });
}

export function useLoseDeal() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, input }: { id: string; input: LostInput }) =>
      api<DealDetail>('POST', `/api/v1/deals/${enc(id)}/lost`, input),
    onSuccess: invalidate,
  });
}

export function useReopenDeal() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, input }: { id: string; input: ReopenInput }) =>
      api<DealDetail>('POST', `/api/v1/deals/${enc(id)}/reopen`, input),
    onSuccess: invalidate,
  });
}

export function useDeleteDeal() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/api/v1/deals/${enc(id)}`),
    onSuccess: invalidate,
  });
}

export function useSavePipeline() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: PipelineInput | PipelinePatch }) =>
      id
        ? api<Pipeline>('PATCH', `/api/v1/pipelines/${enc(id)}`, input)
        : api<Pipeline>('POST', '/api/v1/pipelines', input),
    onSuccess: invalidate,
  });
}

export function useDeletePipeline() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/api/v1/pipelines/${enc(id)}`),
    onSuccess: invalidate,
  });
}
