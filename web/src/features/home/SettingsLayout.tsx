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
import { Outlet, useLocation, useNavigate } from 'react-router';

const tabs = [
  { value: 'users', label: 'Users', icon: <IconUsers size={16} /> },
  { value: 'api-keys', label: 'API keys', icon: <IconKey size={16} /> },
  { value: 'custom-fields', label: 'Custom fields', icon: <IconForms size={16} /> },
  { value: 'audit-log', label: 'Audit log', icon: <IconListDetails size={16} /> },
  { value: 'jobs', label: 'Jobs', icon: <IconBriefcase size={16} /> },
  { value: 'outbox', label: 'Outbox', icon: <IconMail size={16} /> },
  { value: 'tracking', label: 'Tracking', icon: <IconWorldWww size={16} /> },
  { value: 'webhooks', label: 'Webhooks', icon: <IconWebhook size={16} /> },
];

export function SettingsLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const current = location.pathname.split('/')[2] ?? 'users';
  return (
    <>
      <Tabs value={current} onChange={(v) => v && navigate(`/settings/${v}`)} mb="lg">
        <Tabs.List>
          {tabs.map((t) => (
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
