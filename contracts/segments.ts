/**
 * Segments: dynamic ones are a saved filter (contracts/filters.ts) whose members change the moment
 * a lead is created, changes or does something; static ones are lists kept by hand. Both are lead
 * list filters (`GET /api/v1/leads?segment=<id>`) and export as CSV.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

export const segmentKinds = ['dynamic', 'static'] as const;
export type SegmentKind = (typeof segmentKinds)[number];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** A filter in the filter language; checked by the server against its field allow-list. */
export const FilterJson = Type.Unknown({ description: 'A filter (contracts/filters.ts)' });

export const Segment = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  kind: Type.Enum(segmentKinds),
  filter: Type.Union([FilterJson, Type.Null()]),
  /** The filter has a within-N-days window: a recurring re-check keeps it current as time passes. */
  timeWindow: Type.Boolean(),
  /** Members as recorded (kept as events arrive; for time windows, re-checked hourly). */
  memberCount: Type.Integer(),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  refreshedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type Segment = Static<typeof Segment>;

export const SegmentInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    kind: Type.Enum(segmentKinds),
    filter: Type.Optional(FilterJson),
  },
  { additionalProperties: false },
);
export type SegmentInput = Static<typeof SegmentInput>;

export const SegmentPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    filter: Type.Optional(FilterJson),
  },
  { additionalProperties: false },
);
export type SegmentPatch = Static<typeof SegmentPatch>;

export const SegmentMembersChange = Type.Object(
  { leadIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const SegmentHistoryEntry = Type.Object({
  leadId: Type.String(),
  change: Type.Enum(['entered', 'left']),
  reason: Type.Enum(['event', 'refresh', 'manual']),
  at: Type.String({ format: 'date-time' }),
  lead: Nullable(
    Type.Object({
      email: Nullable(Type.String()),
      firstName: Nullable(Type.String()),
      lastName: Nullable(Type.String()),
    }),
  ),
});
export type SegmentHistoryEntry = Static<typeof SegmentHistoryEntry>;

export const segmentErrors = {
  SEGMENT_NOT_FOUND: { status: 404, kind: 'user', description: 'No segment has this id.' },
  SEGMENT_NOT_STATIC: {
    status: 409,
    kind: 'conflict',
    description:
      'Leads are added to and removed from static segments only; a dynamic one follows its filter.',
  },
} as const satisfies Record<string, ErrorSpec>;
