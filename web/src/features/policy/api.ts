import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../../contracts/auth.ts';
import type { PolicyDefinition, PolicyVersion } from '../../../../contracts/lifecycle.ts';
import { api } from '../../lib/api.ts';

export type { PolicyDefinition, PolicyVersion };

const policyKey = ['policy'] as const;

/** Roles that may draft and propose (the server enforces the same rule). */
export function canShapePolicy(role: Role | undefined): boolean {
  return role === 'admin' || role === 'marketing' || role === 'sales_manager';
}

export function usePolicyVersions() {
  return useQuery({
    queryKey: [...policyKey, 'versions'],
    queryFn: async () => (await api<{ data: PolicyVersion[] }>('GET', '/api/v1/policy/versions')).data,
  });
}

function useInvalidating<A, R>(fn: (arg: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: policyKey }),
  });
}

export function useCreateDraft() {
  return useInvalidating((input: { definition?: PolicyDefinition; note?: string | null }) =>
    api<PolicyVersion>('POST', '/api/v1/policy/draft', input),
  );
}

export function useSaveDraft() {
  return useInvalidating((input: { definition: PolicyDefinition; note: string | null }) =>
    api<PolicyVersion>('PUT', '/api/v1/policy/draft', input),
  );
}

export function useDiscardDraft() {
  return useInvalidating(() => api<void>('DELETE', '/api/v1/policy/draft'));
}

export function usePropose() {
  return useInvalidating((version: number) =>
    api<PolicyVersion>('POST', `/api/v1/policy/versions/${version}/propose`),
  );
}

export function useApprove() {
  return useInvalidating((version: number) =>
    api<PolicyVersion>('POST', `/api/v1/policy/versions/${version}/approve`),
  );
}

export function useOverride() {
  return useInvalidating(({ version, reason }: { version: number; reason: string }) =>
    api<PolicyVersion>('POST', `/api/v1/policy/versions/${version}/override`, { reason }),
  );
}
