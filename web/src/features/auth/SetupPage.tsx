import { Button, Checkbox, List, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { AuthCard } from '../../components/AuthCard.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError } from '../../lib/api.ts';
import { useSetup, useSetupNeeded } from './api.ts';

const minPassword = 10;

export function SetupPage() {
  const needed = useSetupNeeded();
  const setup = useSetup();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: '', email: '', password: '', confirm: '', loadDemo: false });
  const [touched, setTouched] = useState(false);

  if (needed.data && !needed.data.needed) return <Navigate to="/login" replace />;

  const tooShort = form.password.length > 0 && form.password.length < minPassword;
  const mismatch = touched && form.confirm !== form.password;
  const apiError = setup.error instanceof ApiError ? setup.error : null;

  return (
    <AuthCard
      title="Set up Leadloop"
      subtitle="No one has an account yet. Create the first administrator; you can invite your team next."
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (form.password !== form.confirm || form.password.length < minPassword) return;
          // mutateAsync, not mutate's callbacks: signing in unmounts this page before they would run.
          setup
            .mutateAsync({
              name: form.name,
              email: form.email,
              password: form.password,
              loadDemo: form.loadDemo,
            })
            .then(() => {
              if (form.loadDemo)
                notifications.show({
                  title: 'Loading demo data',
                  message: 'About 5,000 fictional leads appear under Leads in a minute or so.',
                });
              navigate('/', { replace: true });
            })
            .catch(() => {}); // shown in place from setup.error
        }}
      >
        <Stack gap="md">
          <ErrorAlert
            error={apiError && apiError.details.length === 0 ? setup.error : null}
            title="Setup failed"
          />
          <TextInput
            label="Your name"
            required
            autoComplete="name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={apiError?.fieldError('name')}
          />
          <TextInput
            label="Work email"
            type="email"
            required
            autoComplete="username"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
            error={apiError?.fieldError('email')}
          />
          <PasswordInput
            label="Password"
            description={`At least ${minPassword} characters. A sentence you can remember works well.`}
            required
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
            error={tooShort ? `Use at least ${minPassword} characters` : apiError?.fieldError('password')}
          />
          <PasswordInput
            label="Repeat the password"
            required
            autoComplete="new-password"
            value={form.confirm}
            onChange={(e) => setForm({ ...form, confirm: e.currentTarget.value })}
            error={mismatch ? 'The passwords differ' : undefined}
          />
          <Checkbox
            label="Load demo data"
            description="About 5,000 fictional leads and companies with a year of history, to try Leadloop before your own data arrives."
            checked={form.loadDemo}
            onChange={(e) => setForm({ ...form, loadDemo: e.currentTarget.checked })}
          />
          <Button type="submit" loading={setup.isPending} fullWidth>
            Create administrator
          </Button>
          <Text size="xs" c="dimmed">
            Leadloop has no default account and no default password. This page disappears once an
            administrator exists.
          </Text>
          <List size="xs" c="dimmed" spacing={2}>
            <List.Item>Administrators manage users, API keys and settings.</List.Item>
          </List>
        </Stack>
      </form>
    </AuthCard>
  );
}
