/**
 * Scoring: versioned models of fit rules (a filter on lead and company fields → points) and
 * engagement rules (a behaviour → points, once or repeatable, capped, decaying), the score a lead
 * carries (fit, engagement, total, grade A–D), its explanation and history, backtests and publishing.
 *
 * Semantics (the server's engine and docs/scoring.md follow them):
 *   - fit = Σ points of the fit rules whose filter matches; grade A when fit ≥ grades.A, B when
 *     fit ≥ grades.B, C when fit ≥ grades.C, else D.
 *   - an engagement rule matches touchpoints of `behavior.type` whose properties satisfy every
 *     `behavior.where` condition. `once`: only the latest match counts; `repeatable`: every match
 *     counts (at most the latest `maxEventsPerRule`). Each match is worth `points × decay(age)`:
 *     none → 1; halfLife d → 0.5^(age / d days); window d → 1 within d days, else 0.
 *   - a rule's sum is clamped to [−cap, cap]; a group's sum of its rules to [−group cap, group cap].
 *   - engagement = round(Σ rules outside groups + Σ clamped groups); total = fit + engagement.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';
import { fitGrades } from './lifecycle.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const scoringLimits = {
  maxRules: 100,
  maxGroups: 20,
  maxPoints: 1000,
  maxCap: 100_000,
  maxDays: 3650,
  maxThreshold: 100_000,
  /** A repeatable rule counts at most this many of a lead's latest matching events. */
  maxEventsPerRule: 1000,
} as const;

export type ScoreGrade = (typeof fitGrades)[number];

const RuleId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', description: 'Unique in the model' });
const Points = Type.Integer({
  minimum: -scoringLimits.maxPoints,
  maximum: scoringLimits.maxPoints,
  description: 'Points (negative allowed)',
});
const Days = Type.Integer({ minimum: 1, maximum: scoringLimits.maxDays });
const Cap = Type.Integer({
  minimum: 1,
  maximum: scoringLimits.maxCap,
  description: 'At most this many points either way',
});

export const FitRule = Type.Object(
  {
    id: RuleId,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    filter: Type.Unknown({ description: 'A filter on lead and company fields (contracts/filters.ts)' }),
    points: Points,
  },
  { additionalProperties: false },
);
export type FitRule = Static<typeof FitRule>;

export const Decay = Type.Union([
  Type.Object({ kind: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('halfLife'), days: Days }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('window'), days: Days }, { additionalProperties: false }),
]);
export type Decay = Static<typeof Decay>;

export const PropertyConditionJson = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 200 }),
    op: Type.String({ minLength: 1, maxLength: 40 }),
    value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

export const EngagementRule = Type.Object(
  {
    id: RuleId,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    behavior: Type.Object(
      {
        type: Type.String({ minLength: 1, maxLength: 64, description: 'Touchpoint type' }),
        where: Type.Optional(Type.Array(PropertyConditionJson, { maxItems: 20 })),
      },
      { additionalProperties: false },
    ),
    points: Points,
    repeatable: Type.Boolean({ description: 'false: counts once (the latest match); true: every match' }),
    cap: Type.Optional(Nullable(Cap)),
    group: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 60 }))),
    decay: Decay,
  },
  { additionalProperties: false },
);
export type EngagementRule = Static<typeof EngagementRule>;

export const ScoringGroup = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 60 }), cap: Cap },
  { additionalProperties: false },
);

const Threshold = Type.Integer({ minimum: -scoringLimits.maxThreshold, maximum: scoringLimits.maxThreshold });

export const ScoringDefinition = Type.Object(
  {
    fit: Type.Object(
      {
        rules: Type.Array(FitRule, { maxItems: scoringLimits.maxRules }),
        grades: Type.Object(
          { A: Threshold, B: Threshold, C: Threshold },
          { additionalProperties: false, description: 'Fit points needed for each grade (A ≥ B ≥ C)' },
        ),
      },
      { additionalProperties: false },
    ),
    engagement: Type.Object(
      {
        rules: Type.Array(EngagementRule, { maxItems: scoringLimits.maxRules }),
        groups: Type.Array(ScoringGroup, { maxItems: scoringLimits.maxGroups }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ScoringDefinition = Static<typeof ScoringDefinition>;

export const scoringStatuses = ['draft', 'published', 'retired'] as const;

export const RescoreProgress = Type.Object({
  total: Type.Integer(),
  done: Type.Integer(),
  changed: Type.Integer(),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
});

export const ScoringModelSummary = Type.Object({
  version: Type.Integer(),
  status: Type.Enum(scoringStatuses),
  note: Nullable(Type.String()),
  fitRules: Type.Integer(),
  engagementRules: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  publishedAt: Nullable(Type.String({ format: 'date-time' })),
  publishedBy: Nullable(Type.String()),
  rescore: Nullable(RescoreProgress),
});
export type ScoringModelSummary = Static<typeof ScoringModelSummary>;

export const ScoringModel = Type.Intersect([
  ScoringModelSummary,
  Type.Object({ definition: ScoringDefinition }),
]);
export type ScoringModel = Static<typeof ScoringModel>;

export const DraftInput = Type.Object(
  { definition: ScoringDefinition, note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) },
  { additionalProperties: false },
);
export type DraftInput = Static<typeof DraftInput>;

export const RuleResult = Type.Object({
  ruleId: Type.String(),
  name: Type.String(),
  kind: Type.Enum(['fit', 'engagement']),
  group: Nullable(Type.String()),
  /** Matching events (engagement; 1 for a fired fit rule). */
  events: Type.Integer(),
  /** Points before decay and caps. */
  points: Type.Number(),
  /** What decay left of them (before caps). */
  decayed: Type.Number(),
  /** What the rule adds after its cap (and its group's share of the group cap). */
  counted: Type.Number(),
  lastEventAt: Nullable(Type.String({ format: 'date-time' })),
});
export type RuleResult = Static<typeof RuleResult>;

export const ScoreBreakdown = Type.Object({
  leadId: Type.String(),
  version: Nullable(Type.Integer({ description: 'Model version; null when no model is published' })),
  at: Type.String({ format: 'date-time', description: 'The time decay was computed for' }),
  fit: Type.Integer(),
  engagement: Type.Integer(),
  total: Type.Integer(),
  grade: Nullable(Type.Enum(fitGrades)),
  /** The score stored on the lead (as of its last change; decay since then shows above). */
  stored: Type.Object({
    fit: Type.Integer(),
    engagement: Type.Integer(),
    total: Type.Integer(),
    grade: Nullable(Type.String()),
  }),
  rules: Type.Array(RuleResult),
  groups: Type.Array(
    Type.Object({ name: Type.String(), cap: Type.Integer(), sum: Type.Number(), counted: Type.Number() }),
  ),
});
export type ScoreBreakdown = Static<typeof ScoreBreakdown>;

export const ScoreHistoryEntry = Type.Object({
  at: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
  fit: Type.Integer(),
  engagement: Type.Integer(),
  total: Type.Integer(),
  grade: Nullable(Type.String()),
  cause: Type.String(),
});
export type ScoreHistoryEntry = Static<typeof ScoreHistoryEntry>;

export const PreviewInput = Type.Object(
  {
    leadId: Type.String({ minLength: 1, maxLength: 64 }),
    definition: Type.Optional(ScoringDefinition),
  },
  { additionalProperties: false },
);

const BacktestSide = Type.Object({
  version: Nullable(Type.Integer()),
  mql: Type.Integer({ description: 'Leads that would be MQL under the active policy thresholds' }),
  reached: Type.Object({
    sal: Type.Integer(),
    sql: Type.Integer(),
    customer: Type.Integer(),
    disqualified: Type.Integer(),
  }),
  grades: Type.Object({ A: Type.Integer(), B: Type.Integer(), C: Type.Integer(), D: Type.Integer() }),
  /** Leads per band of total score (band i covers [bands[i], bands[i+1])). */
  histogram: Type.Array(Type.Integer()),
});

export const BacktestResult = Type.Object({
  draftVersion: Nullable(Type.Integer()),
  leads: Type.Integer({ description: 'Leads scored (open and closed, not merged or erased)' }),
  policy: Type.Object({
    version: Type.Integer(),
    minTotal: Nullable(Type.Integer()),
    minGrade: Nullable(Type.String()),
  }),
  bands: Type.Array(Type.Integer()),
  draft: BacktestSide,
  published: BacktestSide,
  at: Type.String({ format: 'date-time' }),
  ms: Type.Integer(),
});
export type BacktestResult = Static<typeof BacktestResult>;

export const scoringErrors = {
  SCORING_MODEL_NOT_FOUND: { status: 404, kind: 'user', description: 'No scoring model has this version.' },
  SCORING_NO_DRAFT: {
    status: 409,
    kind: 'conflict',
    description: 'There is no draft to backtest or publish; save one first (PUT /api/v1/scoring/draft).',
  },
} as const satisfies Record<string, ErrorSpec>;
