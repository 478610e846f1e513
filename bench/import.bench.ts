/**
 * Import of a 1,000,000-row HubSpot-shaped CSV (BENCH_IMPORT_ROWS to change) through the real
 * import path: upload into the database, then the job (parse, map, identity resolver, batches with
 * checkpoints), in a child process whose peak RSS is reported. SQLite, and PostgreSQL when
 * BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
 * Baseline in the same run: the same file parsed the same way and inserted with a prepared
 * better-sqlite3 statement into a plain table with a UNIQUE(email) index; and the floor: the rows
 * the import stores for each new lead, written by prepared statements straight into Leadloop's
 * tables (children/raw-schema-insert.ts). Every child runs with Leadloop's heap settings
 * (server/platform/heap.ts), as `leadloop start` does; one more import runs under Node's defaults.
 * Targets (issue): ≤ 60 s on SQLite with peak RSS < 400 MB.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  csvFile,
  ensureCsv,
  type ImportFigures,
  importedDir,
  pgUrl,
  rows,
  runChild,
  workDir,
} from './imports-lib.ts';
import { report } from './lib.ts';

const { bytes } = await ensureCsv();
process.stderr.write(`file: ${rows.toLocaleString('en')} rows, ${(bytes / 1048576).toFixed(0)} MB\n`);

/** CPU ms per 1,000 rows: steadier than seconds on a shared machine. */
const per1000 = (cpuMs: number, n: number) => Math.round((cpuMs / n) * 1000 * 10) / 10;
type RawFigures = { rows: number; ms: number; cpuMs: number; maxRssMb: number };

/** Runs a baseline child on the file in a scratch directory, reports it and prints one line. */
async function rawBaseline(script: string, name: string, label: string): Promise<RawFigures> {
  const dir = mkdtempSync(path.join(workDir, 'raw-'));
  const r = await runChild<RawFigures>(script, { BENCH_FILE: csvFile, BENCH_DATA_DIR: dir });
  rmSync(dir, { recursive: true, force: true });
  const rowsPerSecond = Math.round(r.rows / (r.ms / 1000));
  report(name, {
    rows: r.rows,
    seconds: r.ms / 1000,
    rowsPerSecond,
    cpuMsPer1000Rows: per1000(r.cpuMs, r.rows),
    peakRssMb: r.maxRssMb,
  });
  process.stderr.write(
    `${label.padEnd(36)}${(r.ms / 1000).toFixed(1)} s  ${rowsPerSecond} rows/s  CPU ${per1000(r.cpuMs, r.rows)} ms/1000 rows  RSS ${r.maxRssMb} MB\n`,
  );
  return r;
}

const base = await rawBaseline(
  'raw-insert.ts',
  'import baseline: parse + raw better-sqlite3 insert, UNIQUE(email)',
  'baseline (raw insert)',
);
// Second baseline: what the import stores for each new lead (its six rows), written by prepared
// statements in batches of 2,000 with the same indexes set aside and built at the end. It is what
// SQLite itself costs for this data, with no JavaScript but building the rows: the floor under the import.
await rawBaseline(
  'raw-schema-insert.ts',
  'import floor: the rows an import stores, as prepared inserts (indexes deferred as in a bulk load)',
  'floor (what an import stores, raw)',
);

function show(name: string, r: ImportFigures) {
  const seconds = r.totalMs / 1000;
  const cpu = per1000(r.importCpuMs, r.rows);
  const cpuVsBaseline = Math.round((cpu / per1000(base.cpuMs, base.rows)) * 10) / 10;
  report(name, {
    rows: r.rows,
    status: r.status,
    counts: r.counts,
    seconds,
    uploadSeconds: r.uploadMs / 1000,
    jobSeconds: r.importMs / 1000,
    rowsPerSecond: Math.round(r.rows / seconds),
    jobCpuMsPer1000Rows: cpu,
    peakRssMb: r.maxRssMb,
    writtenMb: r.writtenMb,
    vsBaseline: Math.round((seconds / (base.ms / 1000)) * 10) / 10,
    cpuVsBaseline,
    targetSeconds: 60,
    targetRssMb: 400,
  });
  process.stderr.write(
    `${name.padEnd(24)}${seconds.toFixed(1)} s (upload ${(r.uploadMs / 1000).toFixed(1)} s + job ${(r.importMs / 1000).toFixed(1)} s)  ${Math.round(r.rows / seconds)} rows/s  job CPU ${cpu} ms/1000 rows (${cpuVsBaseline}× baseline)  RSS ${r.maxRssMb} MB${r.writtenMb === null ? '' : `  written ${r.writtenMb} MB`}  ${JSON.stringify(r.counts)}${r.status === 'completed' ? '' : ` ${r.status}: ${r.message}`}\n`,
  );
}

// Leadloop on SQLite, with the heap settings it starts with (server/platform/heap.ts); the database
// stays for the export benchmark.
rmSync(importedDir, { recursive: true, force: true });
const sqlite = await runChild<ImportFigures>('import.ts', {
  BENCH_FILE: csvFile,
  BENCH_DATA_DIR: importedDir,
});
show('leadloop import (sqlite)', sqlite);
if (sqlite.status === 'completed') writeFileSync(path.join(importedDir, 'complete'), '');

// The same under Node's own heap defaults (`node bin/leadloop.js` without Leadloop's settings): the
// young generation grows to 128 MB and garbage piles up between major collections, so the peak is
// a couple of hundred MB higher for the same work.
const defaultsDir = mkdtempSync(path.join(workDir, 'defaults-'));
const defaults = await runChild<ImportFigures>(
  'import.ts',
  { BENCH_FILE: csvFile, BENCH_DATA_DIR: defaultsDir },
  [],
);
rmSync(defaultsDir, { recursive: true, force: true });
show("leadloop import (sqlite, Node's heap defaults)", defaults);

if (pgUrl) {
  const schema = `bench_import_${process.pid}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    const dir = mkdtempSync(path.join(workDir, 'pg-'));
    const r = await runChild<ImportFigures>('import.ts', {
      BENCH_FILE: csvFile,
      BENCH_DATA_DIR: dir,
      BENCH_PG_URL: pgUrl,
      BENCH_PG_SCHEMA: schema,
    });
    rmSync(dir, { recursive: true, force: true });
    show('leadloop import (postgres)', r);
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
} else {
  process.stderr.write('PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)\n');
}
