import { type ErrorCode, type ErrorDetail, type ErrorKind, errorCatalogue } from '../../contracts/errors.ts';

export type { ErrorCode, ErrorDetail };

type AppErrorOptions = { details?: ErrorDetail[]; cause?: unknown; headers?: Record<string, string> };

/** The one error type the app throws on purpose. Its code decides the HTTP status (contracts/errors.ts). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }

  get kind(): ErrorKind {
    return errorCatalogue[this.code].kind;
  }
}

/** A 400 naming one field and the rule it broke. */
export function validationError(field: string, rule: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { details: [{ field, rule, message }] });
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
