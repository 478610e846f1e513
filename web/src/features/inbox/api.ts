import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LeadStages } from '../../../../contracts/lifecycle.ts';
import type {
  Assignment,
  BusinessHours,
  Inbox,
  QualifyInput,
  Rep,
  RepPatch,
  Rule,
  RuleInput,
  Team,
  TeamInput,
} from '../../../../contracts/routing.ts';
import { api } from '../../lib/api.ts';

const inboxKey = ['inbox'] as const;
const routingKey = ['routing'] as const;
const enc = encodeURIComponent;

export function useInbox() {
  return useQuery({
    queryKey: inboxKey,
    queryFn: () => api<Inbox>('GET', '/api/v1/inbox'),
    refetchInterval: 15_000,
  });
}

function useInvalidate(...keys: (readonly string[])[]) {
  const client = useQueryClient();
  return () => Promise.all(keys.map((queryKey) => client.invalidateQueries({ queryKey })));
}

export function useAccept() {
  const invalidate = useInvalidate(inboxKey, ['leads']);
  return useMutation({
    mutationFn: (leadId: string) => api<LeadStages>('POST', `/api/v1/leads/${enc(leadId)}/accept`),
    onSuccess: invalidate,
  });
}

export function useReject() {
  const invalidate = useInvalidate(inboxKey, ['leads']);
  return useMutation({
    mutationFn: ({ leadId, reasonCode, note }: { leadId: string; reasonCode: string; note?: string }) =>
      api<LeadStages>('POST', `/api/v1/leads/${enc(leadId)}/reject`, {
        reasonCode,
        ...(note ? { note } : {}),
      }),
    onSuccess: invalidate,
  });
}

export function useQualify() {
  const invalidate = useInvalidate(inboxKey, ['leads'], ['deals']);
  return useMutation({
    mutationFn: ({ leadId, input }: { leadId: string; input: QualifyInput }) =>
      api<LeadStages>('POST', `/api/v1/leads/${enc(leadId)}/qualify`, input),
    onSuccess: invalidate,
  });
}

export function useClaim() {
  const invalidate = useInvalidate(inboxKey);
  return useMutation({
    mutationFn: (leadId: string) => api<Assignment>('POST', `/api/v1/leads/${enc(leadId)}/claim`),
    onSuccess: invalidate,
  });
}

export function useTeams() {
  return useQuery({
    queryKey: [...routingKey, 'teams'],
    queryFn: () => api<{ data: Team[] }>('GET', '/api/v1/routing/teams'),
  });
}

export function useSaveTeam() {
  const invalidate = useInvalidate(routingKey);
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: TeamInput }) =>
      id
        ? api<Team>('PUT', `/api/v1/routing/teams/${enc(id)}`, input)
        : api<Team>('POST', '/api/v1/routing/teams', input),
    onSuccess: invalidate,
  });
}

export function useRules() {
  return useQuery({
    queryKey: [...routingKey, 'rules'],
    queryFn: () => api<{ data: Rule[] }>('GET', '/api/v1/routing/rules'),
  });
}

export function useSaveRules() {
  const invalidate = useInvalidate(routingKey);
  return useMutation({
    mutationFn: (rules: RuleInput[]) => api<{ data: Rule[] }>('PUT', '/api/v1/routing/rules', { rules }),
    onSuccess: invalidate,
  });
}

export function useReps() {
  return useQuery({
    queryKey: [...routingKey, 'reps'],
    queryFn: () => api<{ data: Rep[] }>('GET', '/api/v1/routing/reps'),
  });
}

export function usePatchRep() {
  const invalidate = useInvalidate(routingKey);
  return useMutation({
    mutationFn: ({ userId, patch }: { userId: string; patch: RepPatch }) =>
      api<Rep>('PATCH', `/api/v1/routing/reps/${enc(userId)}`, patch),
    onSuccess: invalidate,
  });
}

export function useHours() {
  return useQuery({
    queryKey: [...routingKey, 'hours'],
    queryFn: () => api<BusinessHours>('GET', '/api/v1/routing/hours'),
  });
}

export function useSaveHours() {
  const invalidate = useInvalidate(routingKey);
  return useMutation({
    mutationFn: (hours: BusinessHours) => api<BusinessHours>('PUT', '/api/v1/routing/hours', hours),
    onSuccess: invalidate,
  });
}
