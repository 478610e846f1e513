/** Scoring models, drafts, backtests, publishing, and a lead's score (breakdown and history). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  BacktestResult,
  ScoreBreakdown,
  ScoreHistoryEntry,
  ScoringDefinition,
  ScoringModel,
  ScoringModelSummary,
} from '../../../../contracts/scoring.ts';
import { api } from '../../lib/api.ts';

export type {
  BacktestResult,
  ScoreBreakdown,
  ScoreHistoryEntry,
  ScoringDefinition,
  ScoringModel,
  ScoringModelSummary,
};
export type Draft = ScoringModel & { backtest: BacktestResult | null; saved: boolean };

const key = ['scoring'] as const;

export function useScoringModels(options: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: [...key, 'models'],
    queryFn: () => api<{ data: ScoringModelSummary[] }>('GET', '/api/v1/scoring/models'),
    refetchInterval: (q) =>
      options.poll ||
      q.state.data?.data.some((m) => m.status === 'published' && m.rescore && !m.rescore.finishedAt)
        ? 1000
        : false,
  });
}

export function useDraft() {
  return useQuery({ queryKey: [...key, 'draft'], queryFn: () => api<Draft>('GET', '/api/v1/scoring/draft') });
}

export function useSaveDraft() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { definition: ScoringDefinition; note?: string | null }) =>
      api<ScoringModel>('PUT', '/api/v1/scoring/draft', body),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
}

export function useDiscardDraft() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('DELETE', '/api/v1/scoring/draft'),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
}

export function useBacktest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<BacktestResult>('POST', '/api/v1/scoring/draft/backtest'),
    onSuccess: () => client.invalidateQueries({ queryKey: [...key, 'draft'] }),
  });
}

export function usePublish() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<ScoringModelSummary>('POST', '/api/v1/scoring/draft/publish'),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
}

export function usePreview() {
  return useMutation({
    mutationFn: (body: { leadId: string; definition?: ScoringDefinition }) =>
      api<ScoreBreakdown>('POST', '/api/v1/scoring/preview', body),
  });
}

export function useLeadScore(leadId: string) {
  return useQuery({
    queryKey: [...key, 'lead', leadId],
    queryFn: () => api<ScoreBreakdown>('GET', `/api/v1/leads/${encodeURIComponent(leadId)}/score`),
  });
}

export function useLeadScoreHistory(leadId: string) {
  return useQuery({
    queryKey: [...key, 'lead', leadId, 'history'],
    queryFn: () =>
      api<{ data: ScoreHistoryEntry[] }>('GET', `/api/v1/leads/${encodeURIComponent(leadId)}/score/history`),
  });
}
