import { parseArgs } from 'node:util';
import type { PredictModel, TrainOptions } from '../../contracts/predict.ts';
import { createRuntime } from '../runtime.ts';
import { cliLogger, configOrExit, out, say, UsageError } from './io.ts';

export const predictHelp = `Usage: leadloop predict train [options]
       leadloop predict show [--json]

train   Trains a new version of the predictive model in this process (no server needed): learns
        from leads whose outcome is known (customer; disqualified or recycled), reports on the
        held-out part and gives every open lead its conversion probability. Needs at least 200
        labelled leads, 30 of each outcome. Prints the held-out AUC and the other figures.
show    Prints the active model's report.

  --exclude a,b      leave out these features: custom field keys or standard features (country,
                     industry, companySize, seniority, emailDomain, firstTouchChannel, engagement)
  --split S          random (default: a seeded hash of the lead id) or time (the most recent
                     labelled leads by creation time are held out)
  --holdout F        the share held out, 0.1 to 0.5 (default 0.2)
  --seed N           seed of the random split (default 1)
  --l2 X             L2 penalty per training row (default 4 ÷ training rows)
  --window DAYS      touchpoints counted up to this many days after creation (default 60)
  --json             print the report as JSON`;

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The report for people: the held-out AUC on the first line, then the other figures. */
export function reportLines(m: PredictModel): string[] {
  const r = m.report;
  const lines = [
    `held-out AUC ${r.auc.toFixed(4)} (model v${m.version}; training AUC ${r.trainAuc.toFixed(4)})`,
    `held out ${r.counts.holdout.rows} leads, ${r.counts.holdout.positives} converted (${pct(r.baseRate)}); ${r.split}`,
    `trained on ${r.counts.train.rows} leads, ${r.counts.train.positives} converted; ${r.features} features, L2 ${r.l2.toPrecision(3)}`,
    `lift at the top decile ${r.liftTopDecile.toFixed(2)}; log loss ${r.logLoss.toFixed(4)}; Brier ${r.brier.toFixed(4)}`,
    `open leads scored: ${r.counts.scored}`,
    'calibration by decile of predicted probability (mean predicted → actual rate, leads):',
    ...r.calibration.map(
      (b) =>
        `  ${String(b.bin).padStart(2)}  ${pct(b.predicted).padStart(6)} → ${pct(b.actual).padStart(6)}  (${b.count})`,
    ),
    'largest coefficients (log-odds per unit; numbers per standard deviation):',
    ...m.topCoefficients
      .slice(0, 10)
      .map((c) => `  ${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(3)}  ${c.label}`),
  ];
  return lines;
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, not "${value}"`);
  return n;
}

export async function predict(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      exclude: { type: 'string' },
      split: { type: 'string' },
      holdout: { type: 'string' },
      seed: { type: 'string' },
      l2: { type: 'string' },
      window: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const [sub, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`);
  if (sub !== 'train' && sub !== 'show')
    throw new UsageError('Say "leadloop predict train" or "leadloop predict show".');
  const options: TrainOptions = {};
  if (values.exclude)
    options.excludeFields = values.exclude
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (values.split !== undefined) {
    if (values.split !== 'random' && values.split !== 'time')
      throw new UsageError('--split must be random or time');
    options.split = values.split;
  }
  const holdout = numberOption('holdout', values.holdout);
  if (holdout !== undefined) {
    if (holdout < 0.1 || holdout > 0.5) throw new UsageError('--holdout must be between 0.1 and 0.5');
    options.holdoutFraction = holdout;
  }
  const seed = numberOption('seed', values.seed);
  if (seed !== undefined) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new UsageError('--seed must be a whole number');
    options.seed = seed;
  }
  const l2 = numberOption('l2', values.l2);
  if (l2 !== undefined) {
    if (!(l2 > 0 && l2 <= 100)) throw new UsageError('--l2 must be above 0 and at most 100');
    options.l2 = l2;
  }
  const window = numberOption('window', values.window);
  if (window !== undefined) {
    if (!Number.isInteger(window) || window < 1 || window > 3650)
      throw new UsageError('--window must be 1 to 3650 days');
    options.engagementWindowDays = window;
  }

  const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
  try {
    const api = runtime.api.predict;
    if (sub === 'train') {
      const run = await api.createRun(options, {
        actor: { type: 'system', label: 'cli' },
        trigger: 'cli',
        enqueue: false,
      });
      let lastPhase = '';
      const done = await api.runTraining(run.id, {
        onProgress: (r) => {
          if (r.phase !== lastPhase) {
            lastPhase = r.phase;
            say(`${r.phase}…`);
          }
        },
      });
      if (done.status !== 'completed') {
        say(`Training failed: ${done.message ?? done.status}`);
        return 1;
      }
    }
    const state = await api.state();
    if (!state.model) {
      say('No model has been trained yet: run "leadloop predict train".');
      return 1;
    }
    if (values.json) out(JSON.stringify(state.model, null, 2));
    else for (const line of reportLines(state.model)) out(line);
    return 0;
  } finally {
    await runtime.close();
  }
}
