/**
 * Handoff routing and sales actions: teams (the pools rules route to), reps' availability and
 * capacity, ordered routing rules with their SLA, business hours, assignments, the sales inbox
 * with accept / reject. Shared by the server and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IsoDate = Type.String({ format: 'date-time' });
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const routingStrategies = ['round_robin', 'load_balanced', 'owner', 'account'] as const;
export type RoutingStrategy = (typeof routingStrategies)[number];
export const strategyLabels: Record<RoutingStrategy, string> = {
  round_robin: 'Round-robin',
  load_balanced: 'Load-balanced (fewest open leads)',
  owner: 'Named owner',
  account: 'Account owner (falls back to round-robin)',
};

/** What happens when the SLA passes with the lead still unaccepted. */
export const slaActions = ['escalate', 'reassign', 'escalate_reassign'] as const;
export type SlaAction = (typeof slaActions)[number];

/** Stages in which a lead counts as open work for its owner (capacity, load balancing). */
export const openStages = ['mql', 'sal', 'sql', 'opportunity'] as const;

export const assignmentStatuses = ['open', 'queued', 'accepted', 'rejected', 'reassigned', 'closed'] as const;
export type AssignmentStatus = (typeof assignmentStatuses)[number];

export const TeamMemberInput = Type.Object(
  {
    userId: Id,
    weight: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'Round-robin weight (default 1)' }),
    ),
  },
  { additionalProperties: false },
);

export const TeamInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    managerId: Type.Optional(Nullable(Id)),
    members: Type.Array(TeamMemberInput, { maxItems: 500 }),
  },
  { additionalProperties: false },
);
export type TeamInput = Static<typeof TeamInput>;

export const Team = Type.Object({
  id: Type.String(),
  name: Type.String(),
  managerId: Nullable(Type.String()),
  managerName: Nullable(Type.String()),
  members: Type.Array(Type.Object({ userId: Type.String(), name: Type.String(), weight: Type.Integer() })),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type Team = Static<typeof Team>;

export const RuleInput = Type.Object(
  {
    id: Type.Optional(Id),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    condition: Type.Optional(
      Nullable(
        Type.Unknown({ description: 'A filter-language condition; null or absent on the default rule' }),
      ),
    ),
    isDefault: Type.Optional(Type.Boolean({ description: 'The rule used when no other matches (last)' })),
    active: Type.Optional(Type.Boolean()),
    teamId: Type.Optional(Nullable(Id)),
    strategy: Type.Enum(routingStrategies),
    ownerId: Type.Optional(Nullable(Id)),
    slaMinutes: Type.Optional(
      Nullable(
        Type.Integer({ minimum: 1, maximum: 60 * 24 * 30, description: 'Accept within N business minutes' }),
      ),
    ),
    slaAction: Type.Optional(Type.Enum(slaActions)),
  },
  { additionalProperties: false },
);
export type RuleInput = Static<typeof RuleInput>;

export const RulesInput = Type.Object(
  {
    rules: Type.Array(RuleInput, { maxItems: 200, description: 'The whole ordered list; first match wins' }),
  },
  { additionalProperties: false },
);

export const Rule = Type.Object({
  id: Type.String(),
  position: Type.Integer(),
  name: Type.String(),
  condition: Nullable(Type.Unknown()),
  isDefault: Type.Boolean(),
  active: Type.Boolean(),
  teamId: Nullable(Type.String()),
  strategy: Type.Enum(routingStrategies),
  ownerId: Nullable(Type.String()),
  slaMinutes: Nullable(Type.Integer()),
  slaAction: Type.Enum(slaActions),
});
export type Rule = Static<typeof Rule>;

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const HourMinute = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });

const Day = Nullable(Type.Object({ start: HourMinute, end: HourMinute }, { additionalProperties: false }));

/** A weekly schedule in one time zone: per weekday, open from `start` to `end` (or closed: null). */
export const BusinessHours = Type.Object(
  {
    timeZone: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'IANA time zone, e.g. Europe/Berlin',
    }),
    days: Type.Object(
      { sun: Day, mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type BusinessHours = {
  timeZone: string;
  days: Record<(typeof weekdays)[number], { start: string; end: string } | null>;
};

export const defaultBusinessHours: BusinessHours = {
  timeZone: 'UTC',
  days: {
    sun: null,
    mon: { start: '09:00', end: '17:00' },
    tue: { start: '09:00', end: '17:00' },
    wed: { start: '09:00', end: '17:00' },
    thu: { start: '09:00', end: '17:00' },
    fri: { start: '09:00', end: '17:00' },
    sat: null,
  },
};

export const Rep = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  role: Type.String(),
  outUntil: Nullable(IsoDate),
  capacity: Nullable(Type.Integer()),
  openLeads: Type.Integer(),
  available: Type.Boolean(),
  teams: Type.Array(Type.String()),
});
export type Rep = Static<typeof Rep>;

export const RepPatch = Type.Object(
  {
    outUntil: Type.Optional(Nullable(IsoDate)),
    capacity: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 100_000 }))),
  },
  { additionalProperties: false },
);
export type RepPatch = Static<typeof RepPatch>;

export const Assignment = Type.Object({
  id: Type.String(),
  leadId: Type.String(),
  ownerId: Nullable(Type.String()),
  ownerName: Nullable(Type.String()),
  teamId: Nullable(Type.String()),
  ruleId: Nullable(Type.String()),
  ruleName: Nullable(Type.String()),
  strategy: Type.String(),
  reason: Type.String(),
  status: Type.Enum(assignmentStatuses),
  assignedAt: IsoDate,
  slaDueAt: Nullable(IsoDate),
  escalatedAt: Nullable(IsoDate),
  closedAt: Nullable(IsoDate),
  responseMs: Nullable(Type.Integer()),
  reasonCode: Nullable(Type.String()),
  note: Nullable(Type.String()),
  /** When the owner was warned that the SLA ends soon (null: not warned). */
  slaWarnedAt: Nullable(IsoDate),
  /** The first call, email, meeting or demo logged by sales after this assignment. */
  firstTouchAt: Nullable(IsoDate),
  /** Business minutes from assignment to the first touch (the SLA's clock). */
  firstTouchMinutes: Nullable(Type.Integer()),
  firstTouchActivityId: Nullable(Type.String()),
});
export type Assignment = Static<typeof Assignment>;

export const InboxItem = Type.Object({
  assignment: Assignment,
  lead: Type.Object({
    id: Type.String(),
    name: Type.String(),
    email: Nullable(Type.String()),
    companyName: Nullable(Type.String()),
    jobTitle: Nullable(Type.String()),
    stage: Type.String(),
  }),
  /** Why the lead qualified: the MQL entry of its stage history. */
  qualified: Nullable(
    Type.Object({ at: IsoDate, reason: Nullable(Type.String()), explanation: Nullable(Type.Unknown()) }),
  ),
  touchpoints: Type.Array(
    Type.Object({ id: Type.String(), type: Type.String(), occurredAt: IsoDate, source: Type.String() }),
  ),
});
export type InboxItem = Static<typeof InboxItem>;

export const Inbox = Type.Object({
  /** Assigned to the caller (reps), their team (managers) or anyone (admins), waiting for acceptance. */
  assigned: Type.Array(InboxItem),
  /** The unassigned queues of the caller's teams: leads no rep could take; claim them. */
  queue: Type.Array(InboxItem),
  rejectionReasons: Type.Array(
    Type.Object({ code: Type.String(), label: Type.String(), outcome: Type.String() }),
  ),
});
export type Inbox = Static<typeof Inbox>;

export const RejectInput = Type.Object(
  {
    reasonCode: Type.String({
      minLength: 1,
      maxLength: 50,
      description: "One of the active policy's rejection reasons",
    }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type RejectInput = Static<typeof RejectInput>;

export const QualifyInput = Type.Object(
  {
    need: Type.Optional(Type.String({ maxLength: 2000 })),
    budget: Type.Optional(Type.String({ maxLength: 2000 })),
    authority: Type.Optional(Type.String({ maxLength: 2000 })),
    timing: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  {
    additionalProperties: false,
    description:
      'BANT answers; the active policy says which are required (GET /api/v1/policy → definition.sql.required)',
  },
);
export type QualifyInput = Static<typeof QualifyInput>;

export const routingErrors = {
  ROUTING_TEAM_NOT_FOUND: { status: 404, kind: 'user', description: 'No team has this id.' },
  ROUTING_USER_UNKNOWN: {
    status: 422,
    kind: 'user',
    description: 'A manager, member or owner is not an active user (details name the field).',
  },
  ROUTING_RULE_INVALID: {
    status: 422,
    kind: 'user',
    description:
      'A routing rule is inconsistent: a strategy without the team or owner it needs, more than one default rule, or a default rule with a condition.',
  },
  ROUTING_TIMEZONE_UNKNOWN: {
    status: 422,
    kind: 'user',
    description: 'The time zone is not a known IANA zone.',
  },
  ROUTING_HOURS_INVALID: {
    status: 422,
    kind: 'user',
    description: 'A business-hours day ends before it starts.',
  },
  ROUTING_REP_NOT_YOURS: {
    status: 403,
    kind: 'auth',
    description: 'Reps set only their own availability; capacity is set by managers.',
  },
  SALES_NOT_YOUR_LEAD: {
    status: 403,
    kind: 'auth',
    description:
      "Reps act on their own leads and their team's queue, managers on their team's leads; this lead is neither.",
  },
  SALES_NOT_ASSIGNED: {
    status: 409,
    kind: 'conflict',
    description: 'The lead has no open assignment to accept, reject or claim.',
  },
  SALES_REASON_UNKNOWN: {
    status: 422,
    kind: 'user',
    description: "The reason code is not one of the active policy's rejection reasons.",
  },
} as const satisfies Record<string, ErrorSpec>;
