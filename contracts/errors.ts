/**
 * The catalogue of every error code Leadloop answers with. One entry per code: its HTTP status,
 * its kind (how a caller should treat it) and a description for docs/errors.md.
 * Modules declare their codes in their own contracts file; this file only joins them.
 */
import { activityErrors } from './activities.ts';
import { attributionErrors } from './attribution.ts';
import { authErrors } from './auth.ts';
import { dealErrors } from './deals.ts';
import { demoErrors } from './demo.ts';
import { formErrors } from './forms.ts';
import { importErrors } from './imports.ts';
import { leadErrors } from './leads.ts';
import { lifecycleErrors } from './lifecycle.ts';
import { mailErrors } from './mail.ts';
import { notificationErrors } from './notifications.ts';
import { predictErrors } from './predict.ts';
import { routingErrors } from './routing.ts';
import { scoringErrors } from './scoring.ts';
import { segmentErrors } from './segments.ts';
import { taskErrors } from './tasks.ts';
import { trackingErrors } from './tracking.ts';
import { webhookErrors } from './webhooks.ts';

export type ErrorKind = 'user' | 'conflict' | 'auth' | 'operational' | 'unexpected';
export type ErrorSpec = { readonly status: number; readonly kind: ErrorKind; readonly description: string };

export const platformErrors = {
  VALIDATION_FAILED: {
    status: 400,
    kind: 'user',
    description: 'The request broke a rule of its schema; `details` names each field and rule.',
  },
  INVALID_JSON: { status: 400, kind: 'user', description: 'The body is empty or not well-formed JSON.' },
  BAD_REQUEST: {
    status: 400,
    kind: 'user',
    description: 'The request is malformed in a way no field explains (headers, length, encoding).',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    kind: 'user',
    description: 'The Content-Type is not accepted by this endpoint (send application/json).',
  },
  PAYLOAD_TOO_LARGE: { status: 413, kind: 'user', description: 'The body exceeds the size limit.' },
  UNAUTHENTICATED: {
    status: 401,
    kind: 'auth',
    description: 'No valid session cookie or API key was sent, or it has expired or been revoked.',
  },
  FORBIDDEN: {
    status: 403,
    kind: 'auth',
    description: 'The caller is authenticated but its role or scopes do not allow this action.',
  },
  CSRF_FAILED: {
    status: 403,
    kind: 'auth',
    description: 'A cookie-authenticated write came without the matching X-CSRF-Token header.',
  },
  NOT_FOUND: { status: 404, kind: 'user', description: 'No route matches this method and path.' },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    status: 409,
    kind: 'conflict',
    description: 'A request with the same Idempotency-Key is still being processed; retry later.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    kind: 'user',
    description: 'The Idempotency-Key was already used with a different request body or path.',
  },
  RATE_LIMITED: {
    status: 429,
    kind: 'user',
    description: 'Too many requests; wait for the number of seconds in Retry-After.',
  },
  JOB_NOT_FOUND: { status: 404, kind: 'user', description: 'No job has this id.' },
  JOB_NOT_RETRYABLE: {
    status: 409,
    kind: 'conflict',
    description: 'Only dead-lettered jobs can be retried or discarded.',
  },
  NOT_READY: {
    status: 503,
    kind: 'operational',
    description: 'The database is unreachable or migrations are not current.',
  },
  INTERNAL: {
    status: 500,
    kind: 'unexpected',
    description: 'An unexpected failure; the response says nothing more, the server log has the details.',
  },
} as const satisfies Record<string, ErrorSpec>;

export const errorCatalogue = {
  ...platformErrors,
  ...authErrors,
  ...leadErrors,
  ...importErrors,
  ...demoErrors,
  ...mailErrors,
  ...attributionErrors,
  ...trackingErrors,
  ...formErrors,
  ...predictErrors,
  ...lifecycleErrors,
  ...segmentErrors,
  ...webhookErrors,
  ...scoringErrors,
  ...routingErrors,
  ...dealErrors,
  ...notificationErrors,
  ...activityErrors,
  ...taskErrors,
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

/** One problem with one field, as carried in `error.details`. */
export type ErrorDetail = { field: string; rule: string; message: string };

/** The body of every error response. */
export type ErrorBody = { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } };
