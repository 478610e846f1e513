import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../../contracts/auth.ts';
import { api } from '../../lib/api.ts';
import type { User } from '../auth/api.ts';

const usersKey = ['users'] as const;

export function useUsers() {
  return useQuery({ queryKey: usersKey, queryFn: () => api<{ data: User[] }>('GET', '/api/v1/users') });
}

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; name: string; role: Role; password: string }) =>
      api<User>('POST', '/api/v1/users', input),
    onSuccess: () => client.invalidateQueries({ queryKey: usersKey }),
  });
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...patch }: { id: string; name?: string; role?: Role; active?: boolean }) =>
      api<User>('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, patch),
    onSuccess: () => client.invalidateQueries({ queryKey: usersKey }),
  });
}
