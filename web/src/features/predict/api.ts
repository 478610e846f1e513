import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../../contracts/auth.ts';
import type { PredictRun, PredictState, TrainOptions } from '../../../../contracts/predict.ts';
import { leadsKey } from '../../components/leads/queries.ts';
import { api } from '../../lib/api.ts';

export const predictKey = ['predict'] as const;

/** The roles the server lets retrain the model (it enforces the same rule). */
export function canTrain(role: Role | undefined): boolean {
  return role === 'admin' || role === 'marketing';
}

const active = (s: PredictState | undefined) =>
  s?.latestRun?.status === 'queued' || s?.latestRun?.status === 'running';

/** The active model and the latest run; polled while a run is under way. */
export function usePredictState() {
  const client = useQueryClient();
  return useQuery({
    queryKey: predictKey,
    queryFn: async () => {
      const next = await api<PredictState>('GET', '/api/v1/predict/model');
      const before = client.getQueryData<PredictState>(predictKey);
      // A run just finished: lead probabilities changed.
      if (active(before) && !active(next)) void client.invalidateQueries({ queryKey: leadsKey });
      return next;
    },
    refetchInterval: (q) => (active(q.state.data) ? 1000 : false),
  });
}

export function useTrain() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (options: TrainOptions) => api<PredictRun>('POST', '/api/v1/predict/train', options),
    onSuccess: () => client.invalidateQueries({ queryKey: predictKey }),
  });
}
