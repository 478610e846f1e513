import { Paper, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { usePreferences, useSavePreference } from './api.ts';

/** Per kind of notification: also send it by email, or only show it in the bell. */
export function EmailPreferencesCard() {
  const prefs = usePreferences();
  const save = useSavePreference();
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={4} mb={4}>
        Email notifications
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Every notification appears under the bell. Choose which ones also come by email.
      </Text>
      <ErrorAlert error={prefs.error ?? save.error} title="Preferences could not be saved" />
      {prefs.isPending ? (
        <Stack>
          <Skeleton h={36} />
          <Skeleton h={36} />
          <Skeleton h={36} />
        </Stack>
      ) : (
        <Stack gap="md">
          {(prefs.data?.data ?? []).map((p) => (
            <Switch
              key={p.kind}
              label={`Email me: ${p.label}`}
              description={p.description}
              checked={p.email}
              disabled={save.isPending}
              onChange={(e) => {
                const email = e.currentTarget.checked;
                save.mutate(
                  { kind: p.kind, email },
                  {
                    onSuccess: () =>
                      notifications.show({
                        color: 'green',
                        message: email ? `“${p.label}” emails are on` : `No more “${p.label}” emails`,
                      }),
                  },
                );
              }}
            />
          ))}
        </Stack>
      )}
    </Paper>
  );
}
