/**
 * Turns every failure into `{ error: { code, message, details? } }` with the status of its code.
 * Known failures keep their message; anything unexpected becomes a 500 that says nothing internal.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorBody, ErrorCode } from '../../../contracts/errors.ts';
import { errorCatalogue } from '../../../contracts/errors.ts';
import { AppError } from '../errors.ts';
import { detailsFromAjv } from './validation.ts';

const frameworkCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

export function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  const e = error as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (Array.isArray(e?.validation)) {
    const part = e.validationContext ?? 'body';
    const details = detailsFromAjv(e.validation as Parameters<typeof detailsFromAjv>[0], part);
    const first = details[0];
    const message = first
      ? `${first.field}: ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`
      : `The ${part} is invalid`;
    return new AppError('VALIDATION_FAILED', message, { details });
  }
  const mapped = e?.code ? frameworkCodes[e.code] : undefined;
  if (mapped) return new AppError(mapped, e.message);
  if (e?.statusCode === 429) return new AppError('RATE_LIMITED', e.message || 'Too many requests');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('BAD_REQUEST', e.message);
  }
  return null;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error, request, reply) => {
    const known = toAppError(error);
    if (!known) {
      request.log.error({ err: error }, 'unexpected error');
      const body: ErrorBody = { error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } };
      return reply.status(500).send(body);
    }
    if (known.status >= 500) request.log.error({ err: error }, known.message);
    else request.log.info({ code: known.code }, known.message);
    if (known.headers) reply.headers(known.headers);
    const body: ErrorBody = {
      error: {
        code: known.code,
        message: known.message,
        ...(known.details ? { details: known.details } : {}),
      },
    };
    return reply.status(errorCatalogue[known.code].status).send(body);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const body: ErrorBody = {
      error: { code: 'NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}` },
    };
    return reply.status(404).send(body);
  });
}
