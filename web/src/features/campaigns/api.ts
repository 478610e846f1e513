import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Campaign,
  CampaignCost,
  CampaignCostInput,
  CampaignCostPatch,
  CampaignInput,
  CampaignPatch,
  CampaignTrend,
  ClassifyResult,
  ClassifySample,
  Reclassification,
  RuleSetDefinition,
  RuleSetDraft,
  RuleSetVersion,
} from '../../../../contracts/attribution.ts';
import { searchOf } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

export const campaignsKey = ['campaigns'] as const;
const campaignPath = (id: string) => `/api/v1/campaigns/${encodeURIComponent(id)}`;

export function useCampaigns(filters: { q?: string; status?: string; channel?: string }) {
  return useQuery({
    queryKey: [...campaignsKey, 'list', filters],
    queryFn: () =>
      api<{ data: Campaign[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/campaigns${searchOf({ ...filters, limit: 200 })}`,
      ),
  });
}

export function useCampaign(id: string | null | undefined) {
  return useQuery({
    queryKey: [...campaignsKey, 'detail', id],
    queryFn: () => api<Campaign>('GET', campaignPath(id!)),
    enabled: Boolean(id),
  });
}

export function useCampaignCosts(id: string) {
  return useQuery({
    queryKey: [...campaignsKey, 'detail', id, 'costs'],
    queryFn: () => api<{ data: CampaignCost[] }>('GET', `${campaignPath(id)}/costs`),
  });
}

export function useCampaignTrend(id: string) {
  return useQuery({
    queryKey: [...campaignsKey, 'detail', id, 'trend'],
    queryFn: () => api<CampaignTrend>('GET', `${campaignPath(id)}/trend`),
  });
}

export function useSaveCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: CampaignInput | CampaignPatch }) =>
      id
        ? api<Campaign>('PATCH', campaignPath(id), input)
        : api<Campaign>('POST', '/api/v1/campaigns', input),
    onSuccess: () => client.invalidateQueries({ queryKey: campaignsKey }),
  });
}

export function useDeleteCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', campaignPath(id)),
    onSuccess: () => client.invalidateQueries({ queryKey: campaignsKey }),
  });
}

export function useSaveCost(campaignId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ costId, input }: { costId?: string; input: CampaignCostInput | CampaignCostPatch }) =>
      costId
        ? api<CampaignCost>('PATCH', `${campaignPath(campaignId)}/costs/${encodeURIComponent(costId)}`, input)
        : api<CampaignCost>('POST', `${campaignPath(campaignId)}/costs`, input),
    onSuccess: () => client.invalidateQueries({ queryKey: campaignsKey }),
  });
}

export function useDeleteCost(campaignId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (costId: string) =>
      api<void>('DELETE', `${campaignPath(campaignId)}/costs/${encodeURIComponent(costId)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: campaignsKey }),
  });
}

// ── Channel rules ──
export const rulesKey = ['channel-rules'] as const;

export function useRulesDraft() {
  return useQuery({
    queryKey: [...rulesKey, 'draft'],
    queryFn: () => api<RuleSetDraft>('GET', '/api/v1/channel-rules/draft'),
  });
}

export function useRuleVersions() {
  return useQuery({
    queryKey: [...rulesKey, 'versions'],
    queryFn: () => api<{ data: RuleSetVersion[] }>('GET', '/api/v1/channel-rules/versions'),
  });
}

export function useSaveDraft() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { definition: RuleSetDefinition; basedOn: number }) =>
      api<RuleSetDraft>('PUT', '/api/v1/channel-rules/draft', body),
    onSuccess: (draft) => client.setQueryData([...rulesKey, 'draft'], draft),
  });
}

export function useDiscardDraft() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<RuleSetDraft>('DELETE', '/api/v1/channel-rules/draft'),
    onSuccess: (draft) => client.setQueryData([...rulesKey, 'draft'], draft),
  });
}

export function usePublishRules() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (note: string) =>
      api<{ version: RuleSetVersion; reclassification: Reclassification }>(
        'POST',
        '/api/v1/channel-rules/publish',
        note ? { note } : {},
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: rulesKey }),
  });
}

export function useRestoreVersion() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (version: number) =>
      api<RuleSetDraft>('POST', `/api/v1/channel-rules/versions/${version}/restore`),
    onSuccess: (draft) => client.setQueryData([...rulesKey, 'draft'], draft),
  });
}

const active = (r: Reclassification) => r.status === 'queued' || r.status === 'running';

/** The latest reclassification runs; polled every second while one is queued or running. */
export function useReclassifications() {
  return useQuery({
    queryKey: [...rulesKey, 'runs'],
    queryFn: () =>
      api<{ data: Reclassification[] }>('GET', '/api/v1/channel-rules/reclassifications?limit=10'),
    refetchInterval: (q) => (q.state.data?.data.some(active) ? 1000 : false),
  });
}

/** Classifies a sample visit against a rule set (the draft being edited), without saving anything. */
export function useTestRules() {
  return useMutation({
    mutationFn: (body: { sample: ClassifySample; definition: RuleSetDefinition }) =>
      api<ClassifyResult>('POST', '/api/v1/channel-rules/test', body),
  });
}
