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

export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
