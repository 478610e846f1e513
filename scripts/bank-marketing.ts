/**
 * The predictive model on real outcomes: the UCI Bank Marketing file (41,188 phone-campaign
 * contacts, target `y`) imported into a fresh SQLite database through the normal CSV import (the
 * same job `leadloop import` and the web wizard run: identity matching off, so each row is a new
 * lead; `y` as the lifecycle stage; every other column a custom field), then trained with `duration`
 * left out (it is only known after the call). Prints the held-out AUC, time-ordered (the file is in
 * date order, the paper's set-up) and, for comparison, on a random split.
 *
 *   node scripts/bank-marketing.ts [--file PATH] [--keep]
 *
 * The file is read as it is; the only change on the way in is the outcome's spelling (yes →
 * customer, no → disqualified), written to a temporary copy, since a lifecycle stage is what the
 * import understands.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { NewCustomField } from '../contracts/imports.ts';
import type { TrainOptions } from '../contracts/predict.ts';
import { reportLines } from '../server/cli/predict.ts';
import { parseConfig } from '../server/platform/config.ts';
import { createRuntime } from '../server/runtime.ts';

const { values } = parseArgs({
  options: { file: { type: 'string' }, keep: { type: 'boolean', default: false } },
  strict: true,
});
const file =
  values.file ??
  path.resolve(import.meta.dirname, '../../shared/data/bank-marketing/bank-additional-full.csv');
if (!existsSync(file)) {
  process.stderr.write(`No file at ${file}; pass --file PATH to bank-additional-full.csv\n`);
  process.exit(1);
}
const say = (s: string) => process.stderr.write(`${s}\n`);
const started = Date.now();
const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-bank-'));
const copy = path.join(dataDir, 'bank-additional-full.csv');

// The columns the authors describe as numeric; the rest are categories.
const numeric = new Set([
  'age',
  'duration',
  'campaign',
  'pdays',
  'previous',
  'emp.var.rate',
  'cons.price.idx',
  'cons.conf.idx',
  'euribor3m',
  'nr.employed',
]);
const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1');

// Copy the file with the outcome spelled as a stage, and learn each category's values on the way.
let headers: string[] = [];
const levels = new Map<string, Set<string>>();
let rows = 0;
{
  const outStream = createWriteStream(copy);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (!line) continue;
    const cells = line.split(';');
    if (headers.length === 0) {
      headers = cells.map(unquote);
      if (headers.at(-1) !== 'y') throw new Error('expected the last column to be y');
    } else {
      rows++;
      const y = unquote(cells.at(-1)!);
      if (y !== 'yes' && y !== 'no') throw new Error(`row ${rows}: y is "${y}"`);
      cells[cells.length - 1] = y === 'yes' ? '"customer"' : '"disqualified"';
      headers.forEach((h, i) => {
        if (h === 'y' || numeric.has(h)) return;
        let set = levels.get(h);
        if (!set) {
          set = new Set();
          levels.set(h, set);
        }
        set.add(unquote(cells[i]!));
      });
    }
    if (!outStream.write(`${cells.join(';')}\r\n`)) await once(outStream, 'drain');
  }
  outStream.end();
  await once(outStream, 'finish');
}
say(`${rows} rows, ${headers.length} columns`);

const parsed = parseConfig({}, { dataDir, logLevel: 'warn' });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const runtime = await createRuntime(parsed.config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
const actor = { type: 'system' as const, label: 'bank-marketing' };
try {
  // ── Import, through the normal path ──
  const imports = runtime.api.imports;
  const uploaded = await imports.upload(createReadStream(copy), {
    filename: 'bank-additional-full.csv',
    actor,
  });
  await imports.preview(uploaded.id, { preset: 'auto' });
  const keyOf = (h: string) => h.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  const createCustomFields: NewCustomField[] = headers
    .filter((h) => h !== 'y')
    .map((h) =>
      numeric.has(h)
        ? { column: h, key: keyOf(h), label: h, type: 'number' as const }
        : {
            column: h,
            key: keyOf(h),
            label: h,
            type: 'select' as const,
            options: [...levels.get(h)!].sort(),
          },
    );
  const t0 = Date.now();
  await imports.start(
    uploaded.id,
    { mapping: { y: 'lifecycleStage' }, matchOn: 'none', createCustomFields },
    { actor, source: 'import', mayCreateFields: true },
  );
  const worker = runtime.createJobWorker();
  await worker.start();
  let imported: Awaited<ReturnType<typeof imports.get>>;
  try {
    for (;;) {
      imported = await imports.get(uploaded.id);
      if (['completed', 'failed', 'cancelled'].includes(imported.status)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await worker.stop(5000);
  }
  const c = imported.counts;
  say(
    `import ${imported.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, failed ${c.failed}`,
  );
  if (imported.status !== 'completed' || c.created !== rows)
    throw new Error(imported.message ?? 'import incomplete');

  // ── Train: duration excluded, time-ordered hold-out, then a random one for comparison ──
  const predict = runtime.api.predict;
  const results: { split: string; auc: number }[] = [];
  for (const options of [
    { excludeFields: ['duration'], split: 'time' },
    { excludeFields: ['duration'], split: 'random' },
  ] satisfies TrainOptions[]) {
    const t1 = Date.now();
    const run = await predict.createRun(options, { actor, trigger: 'cli', enqueue: false });
    const done = await predict.runTraining(run.id);
    if (done.status !== 'completed') throw new Error(done.message ?? 'training failed');
    const model = (await predict.state()).model!;
    process.stdout.write(
      `\n== split: ${options.split} (trained in ${((Date.now() - t1) / 1000).toFixed(1)} s) ==\n`,
    );
    for (const line of reportLines(model)) process.stdout.write(`${line}\n`);
    results.push({ split: options.split, auc: model.report.auc });
  }
  process.stdout.write(
    `\nBank Marketing, duration excluded: held-out AUC ${results.map((r) => `${r.auc.toFixed(4)} (${r.split} split)`).join(', ')}; published anchor on related data 0.80. Total ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
  );
} finally {
  await runtime.close();
  if (values.keep) say(`database kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}
