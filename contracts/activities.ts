/**
 * Activities sales logs on a lead (calls, emails, meetings, demos, notes) and the "my leads"
 * work list. Shared by the server and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IsoDate = Type.String({ format: 'date-time' });

export const activityTypes = ['call', 'email', 'meeting', 'demo', 'note'] as const;
export type ActivityType = (typeof activityTypes)[number];

export const activityOutcomes = [
  'connected',
  'left_voicemail',
  'no_answer',
  'wrong_number',
  'sent',
  'replied',
  'bounced',
  'held',
  'no_show',
  'rescheduled',
  'cancelled',
] as const;
export type ActivityOutcome = (typeof activityOutcomes)[number];

/** The outcomes that fit each type; a note has none. */
export const outcomesByType: Record<ActivityType, readonly ActivityOutcome[]> = {
  call: ['connected', 'left_voicemail', 'no_answer', 'wrong_number'],
  email: ['sent', 'replied', 'bounced'],
  meeting: ['held', 'no_show', 'rescheduled', 'cancelled'],
  demo: ['held', 'no_show', 'rescheduled', 'cancelled'],
  note: [],
};

/** Types that reach the person (a note does not): the first of them after assignment is the first touch. */
export const touchTypes: readonly ActivityType[] = ['call', 'email', 'meeting', 'demo'];

export const activityTypeLabels: Record<ActivityType, string> = {
  call: 'Call',
  email: 'Email',
  meeting: 'Meeting',
  demo: 'Demo',
  note: 'Note',
};

export const outcomeLabels: Record<ActivityOutcome, string> = {
  connected: 'Connected',
  left_voicemail: 'Left voicemail',
  no_answer: 'No answer',
  wrong_number: 'Wrong number',
  sent: 'Sent',
  replied: 'Replied',
  bounced: 'Bounced',
  held: 'Held',
  no_show: 'No-show',
  rescheduled: 'Rescheduled',
  cancelled: 'Cancelled',
};

export const activityLimits = { bodyLength: 10_000, maxDurationMinutes: 24 * 60 } as const;

const fields = {
  outcome: Type.Optional(
    Nullable(
      Type.Enum(activityOutcomes, {
        description:
          'What came of it; must fit the type: call (connected, left_voicemail, no_answer, wrong_number), email (sent, replied, bounced), meeting and demo (held, no_show, rescheduled, cancelled); none for a note',
      }),
    ),
  ),
  occurredAt: Type.Optional(IsoDate),
  durationMinutes: Type.Optional(
    Nullable(Type.Integer({ minimum: 0, maximum: activityLimits.maxDurationMinutes })),
  ),
  body: Type.Optional(Type.String({ maxLength: activityLimits.bodyLength })),
};

export const ActivityInput = Type.Object(
  { type: Type.Enum(activityTypes), ...fields },
  { additionalProperties: false },
);
export type ActivityInput = Static<typeof ActivityInput>;

export const ActivityPatch = Type.Object(
  { type: Type.Optional(Type.Enum(activityTypes)), ...fields },
  { additionalProperties: false, minProperties: 1 },
);
export type ActivityPatch = Static<typeof ActivityPatch>;

export const Activity = Type.Object({
  id: Type.String(),
  leadId: Type.String(),
  /** The deal it belongs to (set by the deals work; null until then). */
  dealId: Nullable(Type.String()),
  type: Type.Enum(activityTypes),
  outcome: Nullable(Type.Enum(activityOutcomes)),
  occurredAt: IsoDate,
  durationMinutes: Nullable(Type.Integer()),
  body: Type.String(),
  author: Type.Object({ id: Nullable(Type.String()), label: Type.String() }),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type Activity = Static<typeof Activity>;

export const ActivityList = Type.Object({ data: Type.Array(Activity), nextCursor: Nullable(Type.String()) });
export type ActivityList = Static<typeof ActivityList>;

export const slaStates = [
  'none',
  'waiting',
  'due_soon',
  'overdue',
  'accepted',
  'rejected',
  'closed',
] as const;
export type SlaState = (typeof slaStates)[number];

/** One row of a rep's "my leads" list. */
export const MyLead = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  companyName: Nullable(Type.String()),
  stage: Type.String(),
  score: Nullable(Type.Object({ total: Type.Integer(), grade: Nullable(Type.String()) })),
  sla: Type.Object({
    state: Type.Enum(slaStates),
    dueAt: Nullable(IsoDate),
    assignedAt: Nullable(IsoDate),
    firstTouchAt: Nullable(IsoDate),
    firstTouchMinutes: Nullable(Type.Integer()),
  }),
  nextTask: Nullable(Type.Object({ id: Type.String(), title: Type.String(), dueAt: IsoDate })),
  lastActivity: Nullable(
    Type.Object({
      id: Type.String(),
      type: Type.Enum(activityTypes),
      outcome: Nullable(Type.Enum(activityOutcomes)),
      occurredAt: IsoDate,
    }),
  ),
  updatedAt: IsoDate,
});
export type MyLead = Static<typeof MyLead>;

export const MyLeadsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    scope: Type.Optional(
      Type.Enum(['open', 'all'], {
        description: 'open (default): stages mql, sal, sql and opportunity; all: every stage',
      }),
    ),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Name, email or company contains' })),
  },
  { additionalProperties: false },
);
export type MyLeadsQuery = Static<typeof MyLeadsQuery>;

export const MyLeadsPage = Type.Object({ data: Type.Array(MyLead), nextCursor: Nullable(Type.String()) });
export type MyLeadsPage = Static<typeof MyLeadsPage>;

export const activityErrors = {
  ACTIVITY_NOT_FOUND: { status: 404, kind: 'user', description: 'No activity has this id.' },
  ACTIVITY_INVALID: {
    status: 422,
    kind: 'user',
    description:
      'The activity breaks a rule of its type: an outcome that does not fit it (details name the outcomes that do), a duration on a note, or a time in the future.',
  },
  ACTIVITY_NOT_YOURS: {
    status: 403,
    kind: 'auth',
    description: 'Only the author of an activity, or an admin, may change or delete it.',
  },
} as const satisfies Record<string, ErrorSpec>;
