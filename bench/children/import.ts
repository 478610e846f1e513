/**
 * One import, measured in its own process (so peak RSS is the import's): uploads BENCH_FILE through
 * the imports service, starts it with the HubSpot preset's mapping and runs a job worker until it
 * is done. SQLite in BENCH_DATA_DIR, or PostgreSQL when BENCH_PG_URL (+ BENCH_PG_SCHEMA) is set.
 * Prints one JSON line.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../server/platform/config.ts';
import { openDatabase } from '../../server/platform/db/db.ts';
import { migrateToLatest } from '../../server/platform/db/migrate.ts';
import { createRuntime } from '../../server/runtime.ts';

const file = process.env.BENCH_FILE!;
const pgUrl = process.env.BENCH_PG_URL;
const dataDir = process.env.BENCH_DATA_DIR!;

/** Bytes the process wrote to storage (WAL and checkpoints), where the kernel tells (Linux). */
function writtenMb(): number | null {
  if (!existsSync('/proc/self/io')) return null;
  const bytes = /write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1];
  return bytes === undefined ? null : Math.round(Number(bytes) / 1048576);
}
const parsed = parseConfig({}, { dataDir, logLevel: 'silent', jobPollMs: 20, workerConcurrency: 1 });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const database = pgUrl
  ? await openDatabase({
      dialect: 'postgres',
      url: pgUrl,
      searchPath: process.env.BENCH_PG_SCHEMA,
      poolSize: 4,
    })
  : await openDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'leadloop.sqlite') });
await migrateToLatest(database.db);
const runtime = await createRuntime(parsed.config, {
  database,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
const actor = { type: 'system' as const, label: 'bench' };
const imports = runtime.api.imports;

const started = performance.now();
const uploaded = await imports.upload(createReadStream(file), { filename: path.basename(file), actor });
const uploadMs = performance.now() - started;
const preview = await imports.preview(uploaded.id, { preset: 'hubspot' });
await imports.start(
  uploaded.id,
  { mapping: preview.mapping },
  { actor, source: 'import', mayCreateFields: false },
);
const worker = runtime.createJobWorker();
const importStarted = performance.now();
const cpuStarted = process.cpuUsage();
await worker.start();
let done = await imports.get(uploaded.id);
let lastReport = 0;
while (done.status === 'queued' || done.status === 'running') {
  await new Promise((r) => setTimeout(r, 100));
  done = await imports.get(uploaded.id);
  if (performance.now() - lastReport > 10_000) {
    lastReport = performance.now();
    process.stderr.write(
      `  … ${done.progress.rows.toLocaleString('en')} rows (${Math.round(done.progress.fraction * 100)}%)\n`,
    );
  }
}
const importMs = performance.now() - importStarted;
const cpu = process.cpuUsage(cpuStarted);
await worker.stop(5000);
await database.close();
process.stdout.write(
  `${JSON.stringify({
    status: done.status,
    message: done.message,
    rows: done.progress.rows,
    counts: done.counts,
    size: done.size,
    uploadMs: Math.round(uploadMs),
    importMs: Math.round(importMs),
    // The job's CPU time (user + system): steadier than wall time on a shared machine.
    importCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    totalMs: Math.round(performance.now() - started),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    // On PostgreSQL the server process writes, not this one.
    writtenMb: pgUrl ? null : writtenMb(),
  })}\n`,
);
process.exit(0);
