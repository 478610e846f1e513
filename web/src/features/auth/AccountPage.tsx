import { Badge, Button, Group, Paper, PasswordInput, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { roleLabels } from '../../../../contracts/auth.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { EmailPreferencesCard } from '../notifications/EmailPreferencesCard.tsx';
import { useChangePassword, useSession } from './api.ts';

export function AccountPage() {
  const user = useSession().data;
  const change = useChangePassword();
  const [form, setForm] = useState({ currentPassword: '', newPassword: '', confirm: '' });
  const error = change.error instanceof ApiError ? change.error : null;
  if (!user) return null;
  const mismatch = form.confirm.length > 0 && form.confirm !== form.newPassword;

  return (
    <>
      <PageHeader title="Account" description="Your profile, password and email notifications." />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder radius="md" p="lg">
          <Title order={4} mb="sm">
            Profile
          </Title>
          <Stack gap={6}>
            <Text size="sm">
              <b>Name:</b> {user.name}
            </Text>
            <Text size="sm">
              <b>Email:</b> {user.email}
            </Text>
            <Group gap={6}>
              <Text size="sm" fw={700}>
                Role:
              </Text>
              <Badge variant="light">{roleLabels[user.role]}</Badge>
            </Group>
          </Stack>
        </Paper>
        <Paper withBorder radius="md" p="lg">
          <Title order={4} mb="sm">
            Change password
          </Title>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (mismatch) return;
              change.mutate(
                { currentPassword: form.currentPassword, newPassword: form.newPassword },
                {
                  onSuccess: () => {
                    setForm({ currentPassword: '', newPassword: '', confirm: '' });
                    notifications.show({
                      color: 'green',
                      message: 'Password changed. Your other sessions were signed out.',
                    });
                  },
                },
              );
            }}
          >
            <Stack>
              <ErrorAlert error={error && error.details.length === 0 ? error : null} />
              <PasswordInput
                label="Current password"
                required
                autoComplete="current-password"
                value={form.currentPassword}
                onChange={(e) => setForm({ ...form, currentPassword: e.currentTarget.value })}
              />
              <PasswordInput
                label="New password"
                description="At least 10 characters."
                required
                autoComplete="new-password"
                value={form.newPassword}
                onChange={(e) => setForm({ ...form, newPassword: e.currentTarget.value })}
                error={error?.fieldError('newPassword')}
              />
              <PasswordInput
                label="Repeat the new password"
                required
                autoComplete="new-password"
                value={form.confirm}
                onChange={(e) => setForm({ ...form, confirm: e.currentTarget.value })}
                error={mismatch ? 'The passwords differ' : undefined}
              />
              <Group justify="flex-end">
                <Button type="submit" loading={change.isPending}>
                  Change password
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
        <EmailPreferencesCard />
      </SimpleGrid>
    </>
  );
}
