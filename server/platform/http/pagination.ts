/** Opaque, stable cursors for lists ordered by a sortable id (and optionally another key before it). */
import { validationError } from '../errors.ts';

export type Page<T> = { data: T[]; nextCursor: string | null };

export function encodeCursor(values: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number | null)[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')
    ) {
      return values as (string | number | null)[];
    }
  } catch {
    // fall through
  }
  throw validationError('cursor', 'format', 'is not a cursor this list gave out');
}

/** Given rows fetched with limit + 1, the page and the cursor to the next one. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  view: (r: R) => T,
  cursorOf: (r: R) => string,
): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(view),
    nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null,
  };
}
