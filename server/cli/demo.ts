import { parseArgs } from 'node:util';
import { demoDefaults, type LoadSummary } from '../modules/demo/index.ts';
import { allLeads } from '../modules/permissions/index.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import { cliLogger, configOrExit, out, say, UsageError } from './io.ts';

export const demoHelp = `Usage: leadloop demo [--leads N] [--seed S] [--force] [--json]

Fills the database with a realistic, fictional dataset to try Leadloop on: companies on
.example domains, leads with a year of page views, form submissions, email engagement and
lifecycle outcomes. Which leads tend to become customers, and why, is documented in
docs/demo-data.md (the hidden ground truth scoring and analytics can be checked against).

  --leads N   how many leads (default ${demoDefaults.leads}, at most 1000000)
  --seed S    a whole number; the same seed and size give the same data (default ${demoDefaults.seed})
  --force     load even though the database already holds leads (parts of this
              dataset already loaded are skipped)
  --json      print the summary as JSON

Progress goes to standard error, one summary line to standard output.`;

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, not "${value}"`);
  return Number(value);
}

/** "Loaded 5000 demo leads (seed 42): 1391 companies, 73012 touchpoints, 250 customers in 4.1 s". */
export function summaryLine(s: LoadSummary): string {
  const already = s.leads - s.written;
  return (
    `Loaded ${s.written} demo leads (seed ${s.seed}): ${s.companies} companies, ${s.touchpoints} touchpoints, ` +
    `${s.stages.customer} customers in ${(s.ms / 1000).toFixed(1)} s` +
    (already > 0 ? ` (${already} were there already)` : '')
  );
}

function progress(prefix: string) {
  let last = 0;
  return (done: number, total: number) => {
    // A line per batch on small runs, about every 5% on large ones.
    if (done < total && done - last < Math.max(1000, total / 20)) return;
    last = done;
    say(`${prefix}${done}/${total} leads (${Math.round((done / total) * 100)}%)`);
  };
}

export async function demo(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      leads: { type: 'string' },
      seed: { type: 'string' },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const leads = wholeNumber('leads', values.leads, demoDefaults.leads);
  const seed = wholeNumber('seed', values.seed, demoDefaults.seed);
  if (leads < 1 || leads > 1_000_000) throw new UsageError('--leads must be from 1 to 1000000');
  if (seed > 0xffffffff) throw new UsageError('--seed must be at most 4294967295');
  const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
  try {
    say(`Generating ${leads} demo leads (seed ${seed})…`);
    const summary = await runtime.api.demo.load({
      leads,
      seed,
      whenLeadsExist: values.force ? 'add' : 'refuse',
      onProgress: progress('demo: '),
    });
    if (!summary) return 1; // not reached: only 'skip' returns null
    for (const w of summary.warnings) say(`warning: ${w}`);
    out(values.json ? JSON.stringify(summary) : summaryLine(summary));
    return 0;
  } finally {
    await runtime.close();
  }
}

/** `leadloop start --demo`: loads the default dataset into an empty database, says so either way. */
export async function loadDemoOnStart(runtime: Runtime): Promise<void> {
  const present = await runtime.api.leads.count({}, allLeads);
  if (present > 0) {
    say(`--demo: the database already holds ${present} leads; no demo data loaded.`);
    return;
  }
  say(`--demo: loading ${demoDefaults.leads} fictional demo leads (seed ${demoDefaults.seed})…`);
  const summary = await runtime.api.demo.load({
    ...demoDefaults,
    whenLeadsExist: 'skip',
    onProgress: progress('--demo: '),
  });
  say(summary ? `--demo: ${summaryLine(summary)}` : '--demo: leads appeared meanwhile; no demo data loaded.');
}
