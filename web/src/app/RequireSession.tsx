import { Center, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import type { Role } from '../../../contracts/auth.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useSession, useSetupNeeded } from '../features/auth/api.ts';

type RequireSessionProps = { children: ReactNode };

/** Renders its children for a signed-in user; otherwise sends people to setup or sign-in. */
export function RequireSession({ children }: RequireSessionProps) {
  const session = useSession();
  const setup = useSetupNeeded();
  const location = useLocation();
  if (session.isPending || (session.data === null && setup.isPending)) {
    return (
      <Center mih="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (session.error) {
    return (
      <Center mih="100vh" p="md">
        <ErrorAlert error={session.error} title="Leadloop is not answering" />
      </Center>
    );
  }
  if (!session.data) {
    if (setup.data?.needed) return <Navigate to="/setup" replace />;
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}

type RequireRoleProps = { roles: Role[]; children: ReactNode };

/** Hides a page from roles that may not use it (the server enforces the same rule). */
export function RequireRole({ roles, children }: RequireRoleProps) {
  const session = useSession();
  const role = session.data?.role;
  if (!role || (role !== 'admin' && !roles.includes(role))) return <Navigate to="/" replace />;
  return children;
}
