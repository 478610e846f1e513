import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { AuthCard } from '../../components/AuthCard.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useLogin, useSession, useSetupNeeded } from './api.ts';

export function LoginPage() {
  const session = useSession();
  const setup = useSetupNeeded();
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = safeNext(params.get('next'));

  if (session.data) return <Navigate to={next} replace />;
  if (setup.data?.needed) return <Navigate to="/setup" replace />;

  return (
    <AuthCard title="Sign in" subtitle="Welcome back. Sign in with your work email.">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          login.mutate({ email, password }, { onSuccess: () => navigate(next, { replace: true }) });
        }}
      >
        <Stack gap="md">
          <ErrorAlert error={login.error} title="Could not sign in" />
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            data-autofocus
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={login.isPending} fullWidth>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

/** Only same-app paths may follow sign-in, never another site. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}
