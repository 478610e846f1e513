import { Tabs } from '@mantine/core';
import {
  IconBriefcase,
  IconForms,
  IconKey,
  IconListDetails,
  IconMail,
  IconUsers,
  IconWebhook,
  IconWorldWww,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import type { Role } from '../../../../contracts/auth.ts';
import { useSession } from '../auth/api.ts';

type Tab = { value: string; label: string; icon: ReactNode; roles?: Role[] };

/** Admins see every tab; other roles only those that list them. */
const tabs: Tab[] = [
  { value: 'users', label: 'Users', icon: <IconUsers size={16} /> },
  { value: 'api-keys', label: 'API keys', icon: <IconKey size={16} /> },
  { value: 'custom-fields', label: 'Custom fields', icon: <IconForms size={16} /> },
  { value: 'audit-log', label: 'Audit log', icon: <IconListDetails size={16} /> },
  { value: 'jobs', label: 'Jobs', icon: <IconBriefcase size={16} /> },
  { value: 'outbox', label: 'Outbox', icon: <IconMail size={16} /> },
  { value: 'tracking', label: 'Tracking', icon: <IconWorldWww size={16} /> },
  { value: 'webhooks', label: 'Webhooks', icon: <IconWebhook size={16} />, roles: ['marketing'] },
];

function useTabs(): Tab[] {
  const role = useSession().data?.role;
  return tabs.filter((t) => role === 'admin' || (role !== undefined && t.roles?.includes(role)));
}

/** /settings opens the first tab the viewer may use. */
export function SettingsHome() {
  const first = useTabs()[0];
  return <Navigate to={first ? first.value : '/'} replace />;
}

export function SettingsLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const visible = useTabs();
  const current = location.pathname.split('/')[2] ?? visible[0]?.value;
  return (
    <>
      <Tabs value={current} onChange={(v) => v && navigate(`/settings/${v}`)} mb="lg">
        <Tabs.List>
          {visible.map((t) => (
            <Tabs.Tab key={t.value} value={t.value} leftSection={t.icon}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Outlet />
    </>
  );
}
