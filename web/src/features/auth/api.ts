import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../../contracts/auth.ts';
import { ApiError, api, setCsrfToken } from '../../lib/api.ts';

export type User = {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
};

type SessionBody = { user: User; csrfToken: string };

export const sessionKey = ['session'] as const;

/** The signed-in user, or null when signed out. */
export function useSession() {
  return useQuery({
    queryKey: sessionKey,
    queryFn: async (): Promise<User | null> => {
      try {
        const body = await api<SessionBody>('GET', '/api/auth/session');
        setCsrfToken(body.csrfToken);
        return body.user;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(null);
          return null;
        }
        throw error;
      }
    },
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useSetupNeeded() {
  return useQuery({
    queryKey: ['setup'],
    queryFn: () => api<{ needed: boolean }>('GET', '/api/setup'),
    staleTime: 60_000,
  });
}

function useSignedIn() {
  const client = useQueryClient();
  return (body: SessionBody) => {
    setCsrfToken(body.csrfToken);
    client.setQueryData(sessionKey, body.user);
    client.setQueryData(['setup'], { needed: false });
  };
}

export function useLogin() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (input: { email: string; password: string }) =>
      api<SessionBody>('POST', '/api/auth/login', input),
    onSuccess: signedIn,
  });
}

export function useSetup() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (input: { email: string; name: string; password: string; loadDemo?: boolean }) =>
      api<SessionBody>('POST', '/api/setup', input),
    onSuccess: signedIn,
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('POST', '/api/auth/logout'),
    onSettled: () => {
      setCsrfToken(null);
      client.clear();
      client.setQueryData(sessionKey, null);
    },
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (input: { currentPassword: string; newPassword: string }) =>
      api<void>('POST', '/api/auth/password', input),
  });
}
