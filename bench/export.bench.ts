/**
 * Export of 1,000,000 leads (the database the import benchmark leaves; built first if missing) to a
 * CSV file through GET /api/v1/leads/export.csv's code path, in a child process.
 * Baseline in the same run: one better-sqlite3 statement over the leads table into csv-stringify.
 * Target (issue): ≤ 20 s.
 */
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  csvFile,
  ensureCsv,
  type ImportFigures,
  importedDir,
  rows,
  runChild,
  workDir,
} from './imports-lib.ts';
import { report } from './lib.ts';

const marker = path.join(importedDir, 'complete');
if (!existsSync(marker)) {
  await ensureCsv();
  process.stderr.write(`importing ${rows.toLocaleString('en')} leads first (not measured)…\n`);
  rmSync(importedDir, { recursive: true, force: true });
  const r = await runChild<ImportFigures>('import.ts', { BENCH_FILE: csvFile, BENCH_DATA_DIR: importedDir });
  if (r.status !== 'completed') throw new Error(`the import did not complete: ${r.message}`);
  writeFileSync(marker, '');
}

const out = path.join(workDir, 'export.csv');
const base = await runChild<{ leads: number; ms: number; cpuMs: number; maxRssMb: number }>('raw-export.ts', {
  BENCH_DATA_DIR: importedDir,
  BENCH_OUT: out,
});
const baseBytes = statSync(out).size;
report('export baseline: one better-sqlite3 statement → csv-stringify', {
  leads: base.leads,
  seconds: base.ms / 1000,
  megabytes: Math.round(baseBytes / 1048576),
  cpuSeconds: base.cpuMs / 1000,
  peakRssMb: base.maxRssMb,
});
process.stderr.write(
  `baseline (raw select)    ${(base.ms / 1000).toFixed(1)} s  CPU ${(base.cpuMs / 1000).toFixed(1)} s  ${base.leads} leads  RSS ${base.maxRssMb} MB\n`,
);

const r = await runChild<{ leads: number; bytes: number; ms: number; cpuMs: number; maxRssMb: number }>(
  'export.ts',
  {
    BENCH_DATA_DIR: importedDir,
    BENCH_OUT: out,
  },
);
report('leadloop export (sqlite)', {
  leads: r.leads,
  seconds: r.ms / 1000,
  megabytes: Math.round(r.bytes / 1048576),
  cpuSeconds: r.cpuMs / 1000,
  peakRssMb: r.maxRssMb,
  vsBaseline: Math.round((r.ms / base.ms) * 100) / 100,
  cpuVsBaseline: Math.round((r.cpuMs / base.cpuMs) * 100) / 100,
  targetSeconds: 20,
});
process.stderr.write(
  `leadloop export (sqlite) ${(r.ms / 1000).toFixed(1)} s  CPU ${(r.cpuMs / 1000).toFixed(1)} s  ${r.leads} leads  ${Math.round(r.bytes / 1048576)} MB  RSS ${r.maxRssMb} MB  (${Math.round((r.ms / base.ms) * 100) / 100}× baseline)\n`,
);
rmSync(out, { force: true });
