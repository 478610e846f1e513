/** Schemas shared by many routes: errors, pagination, ids. */
import Type, { type TSchema } from 'typebox';
import { errorCatalogue } from '../../../contracts/errors.ts';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ enum: Object.keys(errorCatalogue) }),
      message: Type.String(),
      details: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String() })),
      ),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error answers with this body.' },
);

/** Response schemas for the usual error statuses, to spread into a route's `response`. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of [400, 401, 403, 429, ...statuses]) out[s] = Type.Ref('ErrorResponse');
  return out;
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const IsoDate = Type.String({ format: 'date-time' });
export const NullableIsoDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const two = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const three = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** Year 10000 starts here: ISO strings change shape (±YYYYYY) from then on, and before 1970 too. */
const fastUntil = 253_402_300_800_000;

/**
 * Epoch milliseconds as ISO 8601 in UTC, exactly as Date#toISOString writes them. Lists and
 * exports write two per lead (a million-lead export, two million): whole milliseconds from 1970
 * to 9999 are formatted with integer arithmetic (civil-from-days), several times faster than
 * building a Date; anything else goes through Date.
 */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  if (ms === null) return null;
  if (!(Number.isInteger(ms) && ms >= 0 && ms < fastUntil)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  // Days since 1970-01-01 to a proleptic Gregorian date (eras of 400 years from 0000-03-01).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${two[m]}-${two[d]}T${two[h]}:${two[mi]}:${two[s]}.${three[milli]}Z`;
}
