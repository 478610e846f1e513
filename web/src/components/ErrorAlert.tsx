import { Alert } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { ApiError } from '../lib/api.ts';

type ErrorAlertProps = { error: unknown; title?: string };

/** Shows an error in place, with the server's message (which is always written for people). */
export function ErrorAlert({ error, title = 'Something went wrong' }: ErrorAlertProps) {
  if (!error) return null;
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlertTriangle size={18} />} role="alert">
      {message}
    </Alert>
  );
}
