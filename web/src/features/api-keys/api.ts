import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Scope } from '../../../../contracts/auth.ts';
import { api } from '../../lib/api.ts';

export type ApiKey = {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const keysKey = ['api-keys'] as const;

export function useApiKeys() {
  return useQuery({ queryKey: keysKey, queryFn: () => api<{ data: ApiKey[] }>('GET', '/api/v1/api-keys') });
}

export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; scopes: Scope[] }) =>
      api<{ apiKey: ApiKey; secret: string }>('POST', '/api/v1/api-keys', input),
    onSuccess: () => client.invalidateQueries({ queryKey: keysKey }),
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<ApiKey>('DELETE', `/api/v1/api-keys/${encodeURIComponent(id)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: keysKey }),
  });
}
