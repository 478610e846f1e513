import {
  ActionIcon,
  AppShell,
  Avatar,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  ThemeIcon,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconAddressBook,
  IconChartBar,
  IconChecklist,
  IconFilter,
  IconForms,
  IconGauge,
  IconHome,
  IconInbox,
  IconLayoutKanban,
  IconLogout,
  IconMoon,
  IconRefresh,
  IconSettings,
  IconSpeakerphone,
  IconSun,
  IconUserCircle,
  IconUsers,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Outlet, NavLink as RouterLink, useLocation, useNavigate } from 'react-router';
import { type Role, roleLabels } from '../../../contracts/auth.ts';
import { useLogout, useSession } from '../features/auth/api.ts';
import { NotificationBell } from '../features/notifications/NotificationBell.tsx';

type Area = { to: string; label: string; icon: ReactNode; roles?: Role[] };

export const areas: Area[] = [
  { to: '/', label: 'Home', icon: <IconHome size={18} /> },
  { to: '/leads', label: 'Leads', icon: <IconAddressBook size={18} /> },
  { to: '/segments', label: 'Segments', icon: <IconFilter size={18} /> },
  { to: '/forms', label: 'Forms', icon: <IconForms size={18} /> },
  { to: '/campaigns', label: 'Campaigns', icon: <IconSpeakerphone size={18} /> },
  { to: '/scoring', label: 'Scoring', icon: <IconGauge size={18} /> },
  { to: '/inbox', label: 'Inbox', icon: <IconInbox size={18} /> },
  {
    to: '/my-leads',
    label: 'My leads',
    icon: <IconUsers size={18} />,
    roles: ['sales_rep', 'sales_manager'],
  },
  { to: '/tasks', label: 'Tasks', icon: <IconChecklist size={18} /> },
  { to: '/pipeline', label: 'Pipeline', icon: <IconLayoutKanban size={18} /> },
  { to: '/analytics', label: 'Analytics', icon: <IconChartBar size={18} /> },
  { to: '/settings', label: 'Settings', icon: <IconSettings size={18} />, roles: ['admin', 'marketing'] },
];

export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const session = useSession();
  const logout = useLogout();
  const navigate = useNavigate();
  const location = useLocation();
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const user = session.data;
  if (!user) return null;
  const visible = areas.filter((a) => !a.roles || user.role === 'admin' || a.roles.includes(user.role));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <ThemeIcon size="md" radius="md">
              <IconRefresh size={16} />
            </ThemeIcon>
            <Text fw={700}>Leadloop</Text>
          </Group>
          <Group gap="xs">
            <NotificationBell />
            <Tooltip label={scheme === 'dark' ? 'Light theme' : 'Dark theme'}>
              <ActionIcon
                variant="default"
                size="lg"
                aria-label="Toggle color scheme"
                onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')}
              >
                {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
              </ActionIcon>
            </Tooltip>
            <Menu position="bottom-end" width={220}>
              <Menu.Target>
                <UnstyledButton aria-label="Account menu">
                  <Group gap={8}>
                    <Avatar size="sm" radius="xl" color="blue">
                      {initials(user.name)}
                    </Avatar>
                    <div>
                      <Text size="sm" fw={500} lh={1.1}>
                        {user.name}
                      </Text>
                      <Text size="xs" c="dimmed" lh={1.1}>
                        {roleLabels[user.role]}
                      </Text>
                    </div>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{user.email}</Menu.Label>
                <Menu.Item leftSection={<IconUserCircle size={16} />} onClick={() => navigate('/account')}>
                  Account
                </Menu.Item>
                <Menu.Item
                  leftSection={<IconLogout size={16} />}
                  onClick={() =>
                    logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })
                  }
                >
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <AppShell.Section grow component={ScrollArea}>
          <nav aria-label="Main">
            {visible.map((a) => (
              <NavLink
                key={a.to}
                component={RouterLink}
                to={a.to}
                label={a.label}
                leftSection={a.icon}
                active={a.to === '/' ? location.pathname === '/' : location.pathname.startsWith(a.to)}
                onClick={close}
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
              />
            ))}
          </nav>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase())
    .join('');
}
