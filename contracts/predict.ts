/**
 * The predictive model: training runs, the active model's held-out report and coefficients, and a
 * lead's conversion probability with its top factors. Shared by the server, the CLI and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** The least data a model is trained on: labelled leads in all, and of each outcome. */
export const predictRequirements = { minLabelled: 200, minPerClass: 30, minHoldoutPerClass: 5 } as const;

/** Lifecycle stages that count as a known outcome. */
export const positiveStages = ['customer'] as const;
export const negativeStages = ['disqualified', 'recycled'] as const;

export const predictRunStatuses = ['queued', 'running', 'completed', 'failed'] as const;
export type PredictRunStatus = (typeof predictRunStatuses)[number];

export const predictPhases = ['waiting', 'counting', 'features', 'fitting', 'scoring', 'done'] as const;
export type PredictPhase = (typeof predictPhases)[number];

export const predictPhaseLabels: Record<PredictPhase, string> = {
  waiting: 'Waiting for a worker',
  counting: 'Counting labelled leads',
  features: 'Building features',
  fitting: 'Fitting the model',
  scoring: 'Scoring open leads',
  done: 'Done',
};

export const predictTriggers = ['manual', 'schedule', 'cli'] as const;

export const TrainOptions = Type.Object(
  {
    excludeFields: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z][a-zA-Z0-9_.]*$' }), {
        maxItems: 100,
        description:
          'Features to leave out: custom field keys (`duration`), or standard features (country, industry, companySize, seniority, emailDomain, firstTouchChannel, engagement)',
      }),
    ),
    l2: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        description: 'L2 penalty on the weights, per training row (default 4 ÷ training rows)',
      }),
    ),
    holdoutFraction: Type.Optional(
      Type.Number({
        minimum: 0.1,
        maximum: 0.5,
        description: 'The most recent share of labelled leads held out for the report (default 0.2)',
      }),
    ),
    split: Type.Optional(
      Type.Enum(['random', 'time'], {
        description:
          'random (default): a seeded hash of each lead id picks the held-out leads; time: the most recent labelled leads by creation time (for data whose outcomes are all mature, such as a closed campaign; on a live CRM the recent decided leads are mostly quick rejections)',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 0xffffffff, description: 'Seed of the random split (default 1)' }),
    ),
    engagementWindowDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description: 'Touchpoints counted up to this many days after a lead was created (default 60)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TrainOptions = Static<typeof TrainOptions>;

export const CalibrationBin = Type.Object({
  bin: Type.Integer({ description: '1 = the tenth with the lowest predicted probabilities' }),
  count: Type.Integer(),
  predicted: Type.Number({ description: 'Mean predicted probability' }),
  actual: Type.Number({ description: 'Share that converted' }),
});
export type CalibrationBin = Static<typeof CalibrationBin>;

const Part = Type.Object({ rows: Type.Integer(), positives: Type.Integer() });

export const ModelReport = Type.Object({
  auc: Type.Number({ description: 'Area under the ROC curve on the held-out leads' }),
  trainAuc: Type.Number({ description: 'The same on the training leads (a large gap means overfitting)' }),
  liftTopDecile: Type.Number({
    description: 'Conversion rate among the top tenth by probability ÷ the overall held-out rate',
  }),
  logLoss: Type.Number(),
  brier: Type.Number(),
  baseRate: Type.Number({ description: 'Share of held-out leads that converted' }),
  calibration: Type.Array(CalibrationBin),
  counts: Type.Object({
    labelled: Type.Integer(),
    positives: Type.Integer(),
    negatives: Type.Integer(),
    train: Part,
    holdout: Part,
    scored: Type.Integer({ description: 'Open leads given a probability' }),
  }),
  split: Type.String({ description: 'How the held-out part was chosen' }),
  features: Type.Integer({ description: 'Model columns after encoding' }),
  iterations: Type.Integer(),
  l2: Type.Number({ description: 'The L2 penalty the model was fitted with' }),
});
export type ModelReport = Static<typeof ModelReport>;

export const Coefficient = Type.Object({
  feature: Type.String(),
  label: Type.String(),
  weight: Type.Number({ description: 'Change in log-odds per unit (per standard deviation for numbers)' }),
});
export type Coefficient = Static<typeof Coefficient>;

export const PredictRun = Type.Object({
  id: Type.String(),
  version: Nullable(Type.Integer({ description: 'The model version, once the run completed' })),
  status: Type.Enum(predictRunStatuses),
  trigger: Type.Enum(predictTriggers),
  phase: Type.Enum(predictPhases),
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
  options: TrainOptions,
  message: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type PredictRun = Static<typeof PredictRun>;

export const PredictModel = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  trainedAt: Type.String({ format: 'date-time' }),
  options: TrainOptions,
  report: ModelReport,
  intercept: Type.Number(),
  topCoefficients: Type.Array(Coefficient, { description: 'The 20 largest weights by size' }),
});
export type PredictModel = Static<typeof PredictModel>;

export const PredictState = Type.Object({
  model: Nullable(PredictModel),
  latestRun: Nullable(PredictRun),
  requirements: Type.Object({
    minLabelled: Type.Integer(),
    minPerClass: Type.Integer(),
    minHoldoutPerClass: Type.Integer(),
  }),
});
export type PredictState = Static<typeof PredictState>;

export const PredictionFactor = Type.Object({
  label: Type.String(),
  contribution: Type.Number({ description: 'Log-odds this trait adds (negative: takes away)' }),
});
export type PredictionFactor = Static<typeof PredictionFactor>;

export const predictErrors = {
  PREDICT_NOT_ENOUGH_DATA: {
    status: 422,
    kind: 'user',
    description:
      'Too few leads with a known outcome to train on: at least 200 labelled leads (customer; disqualified or recycled), 30 of each outcome, and 5 of each in the held-out part.',
  },
  PREDICT_RUN_IN_PROGRESS: {
    status: 409,
    kind: 'conflict',
    description: 'A training run is already queued or running; wait for it (its id is in `details`).',
  },
  PREDICT_RUN_NOT_FOUND: { status: 404, kind: 'user', description: 'No training run has this id.' },
  PREDICT_UNKNOWN_FIELD: {
    status: 400,
    kind: 'user',
    description: '`excludeFields` names neither a custom field nor a standard feature.',
  },
} as const satisfies Record<string, ErrorSpec>;
