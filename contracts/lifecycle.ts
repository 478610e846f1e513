/**
 * Lifecycle stages and the qualification policy: the transition table (data shared by server and
 * web), stage history, policy versions with their approvals, and domain events.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';
import { type LifecycleStage, lifecycleStages } from './leads.ts';

/** How a move relates to the funnel: forward, or one of the explicit backward moves. */
export const transitionKinds = ['forward', 'recycle', 'disqualify', 'reopen'] as const;
export type TransitionKind = (typeof transitionKinds)[number];

export type Transition = {
  from: LifecycleStage;
  to: LifecycleStage;
  kind: TransitionKind;
  /** The qualification policy may make this move on its own (no person involved). */
  automatic: boolean;
  /** Backward moves are explicit and need a reason. */
  reasonRequired: boolean;
};

/** The funnel in order; any forward move along it is allowed (skipping stages is a sales decision). */
export const funnelStages = ['subscriber', 'lead', 'mql', 'sal', 'sql', 'opportunity', 'customer'] as const;

function buildTransitions(): Transition[] {
  const out: Transition[] = [];
  const forward = (from: LifecycleStage, to: LifecycleStage) =>
    out.push({
      from,
      to,
      kind: 'forward',
      // Capture may make a subscriber a lead; the policy makes MQLs. Everything later is sales work.
      automatic: (from === 'subscriber' && to === 'lead') || to === 'mql',
      reasonRequired: false,
    });
  for (let i = 0; i < funnelStages.length; i++)
    for (let j = i + 1; j < funnelStages.length; j++) forward(funnelStages[i]!, funnelStages[j]!);
  // A recycled lead re-enters the funnel at MQL (the policy re-qualifies it) or later (sales picks it up).
  for (const to of ['mql', 'sal', 'sql', 'opportunity', 'customer'] as const) forward('recycled', to);
  const explicit = (from: LifecycleStage, to: LifecycleStage, kind: TransitionKind) =>
    out.push({ from, to, kind, automatic: false, reasonRequired: true });
  // Back to nurture: rejected as "not ready", or a deal lost.
  for (const from of ['mql', 'sal', 'sql', 'opportunity'] as const) explicit(from, 'recycled', 'recycle');
  for (const from of ['subscriber', 'lead', 'mql', 'sal', 'sql', 'opportunity', 'recycled'] as const)
    explicit(from, 'disqualified', 'disqualify');
  // A disqualified lead may be given another chance: as a lead, or straight back to nurture.
  explicit('disqualified', 'lead', 'reopen');
  explicit('disqualified', 'recycled', 'reopen');
  return out;
}

/** Every allowed move. A move not listed here is refused (except for imports and demo data). */
export const transitions: readonly Transition[] = buildTransitions();

const byPair = new Map(transitions.map((t) => [`${t.from}>${t.to}`, t]));

/** The rule for a move, or undefined when it is not allowed. */
export function transitionOf(from: LifecycleStage, to: LifecycleStage): Transition | undefined {
  return byPair.get(`${from}>${to}`);
}

/** The moves allowed from a stage, in funnel order of their target. */
export function transitionsFrom(from: LifecycleStage): Transition[] {
  return transitions
    .filter((t) => t.from === from)
    .sort((a, b) => lifecycleStages.indexOf(a.to) - lifecycleStages.indexOf(b.to));
}

/** Where a stage change came from. `import` and `demo` carry historical stages and are not validated. */
export const stageSources = [
  'api',
  'manual',
  'import',
  'demo',
  'form',
  'tracking',
  'system',
  'policy',
  'sales',
] as const;
export type StageSource = (typeof stageSources)[number];
export const unvalidatedSources: readonly string[] = ['import', 'demo'];

export const fitGrades = ['A', 'B', 'C', 'D'] as const;
export type FitGrade = (typeof fitGrades)[number];
/** True when `grade` is at least `min` (A is best). */
export function gradeAtLeast(grade: string | null, min: FitGrade): boolean {
  if (!grade) return false;
  const g = fitGrades.indexOf(grade as FitGrade);
  return g >= 0 && g <= fitGrades.indexOf(min);
}

export const bantFields = ['need', 'budget', 'authority', 'timing'] as const;
export type BantField = (typeof bantFields)[number];
export const bantLabels: Record<BantField, string> = {
  need: 'Need',
  budget: 'Budget',
  authority: 'Authority',
  timing: 'Timing',
};

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const RejectionReason = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_]+$' }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
    outcome: Type.Enum(['recycled', 'disqualified'], {
      description: '`recycled`: not ready yet, back to nurture; `disqualified`: not a fit',
    }),
  },
  { additionalProperties: false },
);
export type RejectionReason = Static<typeof RejectionReason>;

/** The qualification policy marketing and sales agree on. */
export const PolicyDefinition = Type.Object(
  {
    mql: Type.Object(
      {
        score: Nullable(
          Type.Object(
            {
              minTotal: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Total score at least' }),
              minGrade: Type.Enum(fitGrades, { description: 'Fit grade at least (A is best)' }),
            },
            { additionalProperties: false },
          ),
        ),
        handRaise: Type.Object(
          {
            forms: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
              maxItems: 100,
              description: 'Form ids or slugs whose submission is a hand-raise',
            }),
            handRaiseForms: Type.Boolean({
              description: 'Also count forms marked as hand-raise in their own settings',
            }),
            touchpointTypes: Type.Array(
              Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_.:-]+$' }),
              {
                maxItems: 100,
                description: 'Touchpoint types that are a hand-raise (e.g. demo_requested)',
              },
            ),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    sql: Type.Object(
      { required: Type.Array(Type.Enum(bantFields), { uniqueItems: true, maxItems: 4 }) },
      { additionalProperties: false },
    ),
    rejectionReasons: Type.Array(RejectionReason, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type PolicyDefinition = Static<typeof PolicyDefinition>;

/** The first policy, created by the migration (no approvals needed for it). */
export const defaultPolicy: PolicyDefinition = {
  mql: {
    score: { minTotal: 60, minGrade: 'B' },
    handRaise: {
      forms: [],
      handRaiseForms: true,
      touchpointTypes: ['demo_requested', 'contact_sales_requested'],
    },
  },
  sql: { required: ['need', 'budget', 'authority', 'timing'] },
  rejectionReasons: [
    { code: 'not_ready', label: 'Not ready to buy yet', outcome: 'recycled' },
    { code: 'no_response', label: 'Did not respond', outcome: 'recycled' },
    { code: 'bad_timing', label: 'Timing is wrong', outcome: 'recycled' },
    { code: 'no_budget', label: 'No budget', outcome: 'disqualified' },
    { code: 'not_a_fit', label: 'Not a fit (size, industry, role)', outcome: 'disqualified' },
    { code: 'competitor', label: 'Competitor or student', outcome: 'disqualified' },
    { code: 'bad_data', label: 'Fake or unreachable contact', outcome: 'disqualified' },
  ],
};

export const policyStatuses = ['draft', 'proposed', 'active', 'superseded', 'withdrawn'] as const;
export type PolicyStatus = (typeof policyStatuses)[number];
export const approverRoles = ['marketing', 'sales_manager'] as const;
export type ApproverRole = (typeof approverRoles)[number];

const Who = Type.Object({ id: Nullable(Type.String()), label: Nullable(Type.String()) });

export const PolicyVersion = Type.Object({
  version: Type.Integer(),
  status: Type.Enum(policyStatuses),
  definition: PolicyDefinition,
  note: Nullable(Type.String()),
  createdBy: Who,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  proposedAt: Nullable(Type.String({ format: 'date-time' })),
  proposedBy: Nullable(Who),
  approvals: Type.Array(
    Type.Object({
      role: Type.Enum(approverRoles),
      userId: Type.String(),
      userLabel: Nullable(Type.String()),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
  activatedAt: Nullable(Type.String({ format: 'date-time' })),
  override: Nullable(
    Type.Object({ by: Who, reason: Type.String(), at: Type.String({ format: 'date-time' }) }),
  ),
  supersededAt: Nullable(Type.String({ format: 'date-time' })),
});
export type PolicyVersion = Static<typeof PolicyVersion>;

export const PolicyDraftInput = Type.Object(
  {
    definition: Type.Optional(PolicyDefinition),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);
export type PolicyDraftInput = Static<typeof PolicyDraftInput>;

export const OverrideInput = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const StageChangeInput = Type.Object(
  {
    to: Type.Enum(lifecycleStages),
    reason: Type.Optional(Type.String({ maxLength: 2000, description: 'Required for backward moves' })),
    reasonCode: Type.Optional(
      Type.String({
        maxLength: 50,
        description: "One of the policy's rejection reasons (recycle, disqualify)",
      }),
    ),
    qualification: Type.Optional(
      Type.Object(
        {
          need: Type.Optional(Type.String({ maxLength: 2000 })),
          budget: Type.Optional(Type.String({ maxLength: 2000 })),
          authority: Type.Optional(Type.String({ maxLength: 2000 })),
          timing: Type.Optional(Type.String({ maxLength: 2000 })),
        },
        { additionalProperties: false, description: "Moving to SQL: the policy's required BANT answers" },
      ),
    ),
  },
  { additionalProperties: false },
);
export type StageChangeInput = Static<typeof StageChangeInput>;

export const StageHistoryEntry = Type.Object({
  id: Type.String(),
  from: Nullable(Type.Enum(lifecycleStages)),
  to: Type.Enum(lifecycleStages),
  kind: Type.Enum(['initial', 'historical', ...transitionKinds]),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), label: Nullable(Type.String()) }),
  source: Type.String(),
  reason: Nullable(Type.String()),
  reasonCode: Nullable(Type.String()),
  policyVersion: Nullable(Type.Integer()),
  details: Type.Record(Type.String(), Type.Unknown(), {
    description: 'e.g. `explanation` (which MQL criterion matched), `qualification` (BANT answers)',
  }),
});
export type StageHistoryEntry = Static<typeof StageHistoryEntry>;

export const LeadStages = Type.Object({
  leadId: Type.String(),
  stage: Type.Enum(lifecycleStages),
  /** When the lead last entered each stage it has been in. */
  stageDates: Type.Record(Type.String(), Type.String({ format: 'date-time' })),
  history: Type.Array(StageHistoryEntry),
  allowed: Type.Array(
    Type.Object({
      to: Type.Enum(lifecycleStages),
      kind: Type.Enum(transitionKinds),
      reasonRequired: Type.Boolean(),
    }),
  ),
});
export type LeadStages = Static<typeof LeadStages>;

export const domainEventTypes = ['lead.stage_changed', 'lead.mql'] as const;

export const DomainEvent = Type.Object({
  id: Type.String(),
  type: Type.String(),
  leadId: Nullable(Type.String()),
  payload: Type.Record(Type.String(), Type.Unknown()),
  occurredAt: Type.String({ format: 'date-time' }),
});
export type DomainEvent = Static<typeof DomainEvent>;

export const lifecycleErrors = {
  STAGE_TRANSITION_NOT_ALLOWED: {
    status: 409,
    kind: 'conflict',
    description:
      'The transition table does not allow this move; `details` names `from` and `to`. See GET /api/v1/leads/{id}/stages for the allowed moves.',
  },
  STAGE_REASON_REQUIRED: {
    status: 422,
    kind: 'user',
    description:
      'A backward move (recycle, disqualify, reopen) needs a reason; send it to POST /api/v1/leads/{id}/stage.',
  },
  STAGE_REQUIREMENTS_MISSING: {
    status: 422,
    kind: 'user',
    description: 'Moving to SQL needs the BANT answers the active policy requires; `details` names each.',
  },
  STAGE_REASON_CODE_UNKNOWN: {
    status: 422,
    kind: 'user',
    description: "The reason code is not one of the active policy's rejection reasons for this move.",
  },
  POLICY_VERSION_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'No qualification policy version has this number.',
  },
  POLICY_DRAFT_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'There is no draft policy; create one first.',
  },
  POLICY_DRAFT_EXISTS: {
    status: 409,
    kind: 'conflict',
    description: 'A draft policy exists already; edit it (PUT /api/v1/policy/draft) or propose it.',
  },
  POLICY_WRONG_STATUS: {
    status: 409,
    kind: 'conflict',
    description:
      'The version is not in the status this action needs (propose a draft; approve or override a proposed version).',
  },
  POLICY_APPROVER_ROLE: {
    status: 403,
    kind: 'auth',
    description: 'Only a marketing user or a sales manager approves a policy; admins override instead.',
  },
} as const satisfies Record<string, ErrorSpec>;
