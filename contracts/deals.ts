/**
 * Pipelines and deals: ordered stages with a win probability and a kind, deals with money in
 * integer minor units, linked leads and a company, won / lost with a reason, stage history, and
 * the Kanban board. Shared by the server and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IsoDate = Type.String({ format: 'date-time' });
const Id = Type.String({ minLength: 1, maxLength: 64 });

/** Open stages hold open deals; a pipeline has exactly one `won` and one `lost` stage. */
export const stageKinds = ['open', 'won', 'lost'] as const;
export type StageKind = (typeof stageKinds)[number];
export const dealStatuses = stageKinds;
export type DealStatus = StageKind;

/** What a lost deal does to its leads (lifecycle): back to nurture, or out. */
export const leadOutcomes = ['recycled', 'disqualified'] as const;
export type LeadOutcome = (typeof leadOutcomes)[number];

export const dealHistoryKinds = ['created', 'moved', 'won', 'lost', 'reopened'] as const;
export type DealHistoryKind = (typeof dealHistoryKinds)[number];

/** Limits the server enforces and the web app shows. */
export const dealLimits = {
  stagesPerPipeline: 30,
  leadsPerDeal: 50,
  lostReasons: 50,
  /** Ten billion in a two-decimal currency. */
  maxAmount: 1_000_000_000_000,
  /** Cards per column on the board (the counts and totals cover every deal). */
  boardCards: 100,
} as const;

export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });

export const MoneyInput = Type.Object(
  {
    amount: Type.Integer({
      minimum: 0,
      maximum: dealLimits.maxAmount,
      description: 'Minor units: 125000 is 1,250.00 EUR',
    }),
    currency: CurrencyCode,
  },
  { additionalProperties: false },
);
export const Money = Type.Object({
  amount: Type.Integer({ description: 'Minor units (cents)' }),
  currency: Type.String(),
});
export type Money = Static<typeof Money>;

export const LostReason = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_]+$' }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type LostReason = Static<typeof LostReason>;

/** The reasons a new pipeline starts with (the migration seeds the default pipeline with these). */
export const defaultLostReasons: LostReason[] = [
  { code: 'price', label: 'Price too high' },
  { code: 'competitor', label: 'Went with a competitor' },
  { code: 'no_decision', label: 'No decision (went dark)' },
  { code: 'no_budget', label: 'No budget' },
  { code: 'timing', label: 'Bad timing' },
  { code: 'product_fit', label: 'Product does not fit' },
  { code: 'other', label: 'Other (see the note)' },
];

export const PipelineStageInput = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'An existing stage keeps its id (rename, reorder)',
      }),
    ),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    probability: Type.Integer({ minimum: 0, maximum: 100, description: 'Win probability in percent' }),
    kind: Type.Enum(stageKinds),
  },
  { additionalProperties: false },
);
export type PipelineStageInput = Static<typeof PipelineStageInput>;

const Stages = Type.Array(PipelineStageInput, {
  minItems: 3,
  maxItems: dealLimits.stagesPerPipeline,
  description:
    'The whole ordered list: stages given with their id keep it, new ones are added, missing ones are deleted (only when no deal is in them)',
});
const LostReasons = Type.Array(LostReason, { minItems: 1, maxItems: dealLimits.lostReasons });

export const PipelineInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    stages: Stages,
    lostReasons: Type.Optional(LostReasons),
    isDefault: Type.Optional(Type.Boolean({ description: 'New deals go here when no pipeline is named' })),
  },
  { additionalProperties: false },
);
export type PipelineInput = Static<typeof PipelineInput>;

export const PipelinePatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    stages: Type.Optional(Stages),
    lostReasons: Type.Optional(LostReasons),
    isDefault: Type.Optional(Type.Literal(true, { description: 'Make this the default pipeline' })),
  },
  { additionalProperties: false },
);
export type PipelinePatch = Static<typeof PipelinePatch>;

export const PipelineStage = Type.Object({
  id: Type.String(),
  name: Type.String(),
  position: Type.Integer(),
  probability: Type.Integer(),
  kind: Type.Enum(stageKinds),
  dealCount: Type.Integer({ description: 'Deals in this stage now' }),
});
export type PipelineStage = Static<typeof PipelineStage>;

export const Pipeline = Type.Object({
  id: Type.String(),
  name: Type.String(),
  isDefault: Type.Boolean(),
  stages: Type.Array(PipelineStage),
  lostReasons: Type.Array(LostReason),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type Pipeline = Static<typeof Pipeline>;

/** A calendar day, `YYYY-MM-DD`. */
const Day = Type.String({ format: 'date', maxLength: 10 });

const dealFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  amount: Nullable(MoneyInput),
  expectedCloseDate: Nullable(Day),
  ownerId: Id,
  companyId: Nullable(Id),
  leadIds: Type.Array(Id, {
    minItems: 1,
    maxItems: dealLimits.leadsPerDeal,
    uniqueItems: true,
    description: 'Linked leads; the first is the primary one (the company defaults from it)',
  }),
};

export const DealInput = Type.Object(
  {
    name: dealFields.name,
    leadIds: dealFields.leadIds,
    pipelineId: Type.Optional(Id),
    stageId: Type.Optional(
      Type.String({ ...Id, description: 'An open stage of the pipeline (default: the first)' }),
    ),
    amount: Type.Optional(dealFields.amount),
    expectedCloseDate: Type.Optional(dealFields.expectedCloseDate),
    ownerId: Type.Optional(
      Type.String({ ...Id, description: 'Default: you (people), or the primary lead’s owner (API keys)' }),
    ),
    companyId: Type.Optional(dealFields.companyId),
  },
  { additionalProperties: false },
);
export type DealInput = Static<typeof DealInput>;

/** "Open a deal" on a lead: the lead is the primary one; everything else is optional. */
export const LeadDealInput = Type.Object(
  {
    name: Type.Optional(dealFields.name),
    pipelineId: Type.Optional(Id),
    stageId: Type.Optional(Id),
    amount: Type.Optional(dealFields.amount),
    expectedCloseDate: Type.Optional(dealFields.expectedCloseDate),
    ownerId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type LeadDealInput = Static<typeof LeadDealInput>;

export const DealPatch = Type.Object(
  {
    name: Type.Optional(dealFields.name),
    amount: Type.Optional(dealFields.amount),
    expectedCloseDate: Type.Optional(dealFields.expectedCloseDate),
    ownerId: Type.Optional(dealFields.ownerId),
    companyId: Type.Optional(dealFields.companyId),
    leadIds: Type.Optional(dealFields.leadIds),
  },
  { additionalProperties: false },
);
export type DealPatch = Static<typeof DealPatch>;

const LostFields = {
  reasonCode: Type.String({ minLength: 1, maxLength: 50, description: "One of the pipeline's lost reasons" }),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
  leadOutcome: Type.Enum(leadOutcomes, {
    description: 'What happens to the linked leads: back to nurture (recycled) or out (disqualified)',
  }),
};

export const LostInput = Type.Object(LostFields, { additionalProperties: false });
export type LostInput = Static<typeof LostInput>;

export const MoveInput = Type.Object(
  {
    stageId: Id,
    position: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100_000,
        description: 'Place in the column, 0 first (default: last)',
      }),
    ),
    reasonCode: Type.Optional(LostFields.reasonCode),
    note: LostFields.note,
    leadOutcome: Type.Optional(LostFields.leadOutcome),
  },
  {
    additionalProperties: false,
    description:
      'Into the won stage: the deal is won. Into the lost stage: lost, with reasonCode and leadOutcome.',
  },
);
export type MoveInput = Static<typeof MoveInput>;

export const ReopenInput = Type.Object(
  {
    stageId: Type.Optional(
      Type.String({ ...Id, description: 'An open stage (default: the stage it was in before it closed)' }),
    ),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ReopenInput = Static<typeof ReopenInput>;

const StageRef = Type.Object({ id: Nullable(Type.String()), name: Type.String() });

export const DealHistoryEntry = Type.Object({
  id: Type.String(),
  kind: Type.Enum(dealHistoryKinds),
  from: Nullable(StageRef),
  to: StageRef,
  status: Type.Enum(dealStatuses),
  at: IsoDate,
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), label: Nullable(Type.String()) }),
  reason: Nullable(Type.String()),
});
export type DealHistoryEntry = Static<typeof DealHistoryEntry>;

export const DealLead = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  stage: Type.String(),
  primary: Type.Boolean(),
});

export const Deal = Type.Object({
  id: Type.String(),
  name: Type.String(),
  pipelineId: Type.String(),
  stageId: Type.String(),
  stageName: Type.String(),
  probability: Type.Integer({ description: "The stage's win probability" }),
  status: Type.Enum(dealStatuses),
  amount: Nullable(Money),
  weightedAmount: Nullable(Type.Integer({ description: 'amount × probability, minor units' })),
  expectedCloseDate: Nullable(Type.String({ format: 'date' })),
  ownerId: Nullable(Type.String()),
  ownerName: Nullable(Type.String()),
  companyId: Nullable(Type.String()),
  companyName: Nullable(Type.String()),
  leads: Type.Array(DealLead),
  closedAt: Nullable(IsoDate),
  lostReason: Nullable(
    Type.Object({ code: Type.String(), label: Type.String(), note: Nullable(Type.String()) }),
  ),
  stageEnteredAt: IsoDate,
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type Deal = Static<typeof Deal>;

export const DealDetail = Type.Object({ ...Deal.properties, history: Type.Array(DealHistoryEntry) });
export type DealDetail = Static<typeof DealDetail>;

export const dealSortFields = [
  'createdAt',
  'updatedAt',
  'name',
  'amount',
  'expectedCloseDate',
  'closedAt',
] as const;
export type DealSortField = (typeof dealSortFields)[number];

export const DealListQuery = Type.Object(
  {
    pipelineId: Type.Optional(Id),
    stageId: Type.Optional(Id),
    ownerId: Type.Optional(Id),
    status: Type.Optional(Type.Enum(dealStatuses)),
    leadId: Type.Optional(Id),
    companyId: Type.Optional(Id),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Words in the deal name' })),
    sort: Type.Optional(
      Type.String({
        maxLength: 30,
        description: `${dealSortFields.join(', ')}; a leading - sorts descending (default -createdAt)`,
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type DealListQuery = Static<typeof DealListQuery>;

export const BoardQuery = Type.Object({ ownerId: Type.Optional(Id) }, { additionalProperties: false });
export type BoardQuery = Static<typeof BoardQuery>;

export const BoardColumn = Type.Object({
  stage: PipelineStage,
  count: Type.Integer(),
  totals: Type.Array(Money, { description: 'Sum of amounts, one entry per currency' }),
  weighted: Type.Array(Money, { description: 'Totals × the stage probability, one entry per currency' }),
  deals: Type.Array(Deal, {
    description: `The first ${dealLimits.boardCards} cards: open stages in board order, won and lost newest first`,
  }),
});
export type BoardColumn = Static<typeof BoardColumn>;

export const Board = Type.Object({
  pipeline: Pipeline,
  columns: Type.Array(BoardColumn),
});
export type Board = Static<typeof Board>;

export const dealErrors = {
  PIPELINE_NOT_FOUND: { status: 404, kind: 'user', description: 'No pipeline has this id.' },
  PIPELINE_INVALID: {
    status: 422,
    kind: 'user',
    description:
      'The pipeline breaks a rule: exactly one won and one lost stage, at least one open stage, won at 100 % and lost at 0 %, unique stage names and lost-reason codes, stage ids of this pipeline; `details` names the field.',
  },
  PIPELINE_STAGE_NOT_EMPTY: {
    status: 409,
    kind: 'conflict',
    description: 'A stage that holds deals cannot be deleted or change its kind; move its deals first.',
  },
  PIPELINE_IN_USE: {
    status: 409,
    kind: 'conflict',
    description: 'The pipeline has deals, or is the default pipeline, and cannot be deleted.',
  },
  DEAL_NOT_FOUND: { status: 404, kind: 'user', description: 'No deal has this id.' },
  DEAL_NOT_YOURS: {
    status: 403,
    kind: 'auth',
    description:
      "Reps change their own deals, managers their teams' deals and their own; this deal (or the owner asked for) is neither.",
  },
  DEAL_STAGE_INVALID: {
    status: 422,
    kind: 'user',
    description:
      "The stage is not one of the deal's pipeline, or not of the kind this action needs (an open stage to create or reopen into); `details` names `stageId`.",
  },
  DEAL_CLOSED: {
    status: 409,
    kind: 'conflict',
    description:
      'The deal is won or lost; reopen it (POST /api/v1/deals/{id}/reopen) before moving or closing it again.',
  },
  DEAL_NOT_CLOSED: { status: 409, kind: 'conflict', description: 'Only a won or lost deal can be reopened.' },
  DEAL_CHANGED: {
    status: 409,
    kind: 'conflict',
    description: 'Someone changed the deal meanwhile; reload it and try again.',
  },
  DEAL_LOST_REASON_UNKNOWN: {
    status: 422,
    kind: 'user',
    description: "The reason code is not one of the pipeline's lost reasons.",
  },
  DEAL_LEAD_INVALID: {
    status: 422,
    kind: 'user',
    description: 'A linked lead does not exist, was merged or was erased; `details` names it.',
  },
  DEAL_OWNER_INVALID: {
    status: 422,
    kind: 'user',
    description: 'The owner is not an active user, or no owner could be chosen; `details` names `ownerId`.',
  },
} as const satisfies Record<string, ErrorSpec>;
