import type { ErrorSpec } from './errors.ts';

export const mailErrors = {
  MAIL_NOT_FOUND: { status: 404, kind: 'user', description: 'No message in the outbox has this id.' },
} as const satisfies Record<string, ErrorSpec>;
