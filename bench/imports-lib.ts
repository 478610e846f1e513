/** Helpers of the import and export benchmarks: the generated file, the imported database, children. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { heapFlags } from '../server/platform/heap.ts';
import { writeHubspotCsv } from '../server/test-support/hubspot-csv.ts';

export const rows = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
export const workDir = path.join(tmpdir(), 'leadloop-bench-imports');
export const csvFile = path.join(workDir, `hubspot-${rows}.csv`);
/** The SQLite data directory the import benchmark leaves behind for the export benchmark. */
export const importedDir = path.join(workDir, `imported-${rows}`);
export const pgUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;

/** The HubSpot-shaped file of `rows` rows (deterministic; generated once, then reused). */
export async function ensureCsv(): Promise<{ file: string; bytes: number }> {
  mkdirSync(workDir, { recursive: true });
  if (!existsSync(`${csvFile}.done`)) {
    process.stderr.write(`generating ${rows.toLocaleString('en')} HubSpot rows into ${csvFile}…\n`);
    await writeHubspotCsv(csvFile, rows, 42);
    writeFileSync(`${csvFile}.done`, '');
  }
  return { file: csvFile, bytes: statSync(csvFile).size };
}

/**
 * Runs a bench child script and returns the JSON line it prints; with Leadloop's heap settings
 * (server/platform/heap.ts) unless told otherwise.
 */
export function runChild<T>(
  script: string,
  env: Record<string, string | undefined>,
  nodeFlags: readonly string[] = heapFlags,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, path.join(import.meta.dirname, 'children', script)],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`${script} exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

export type ImportFigures = {
  status: string;
  message: string | null;
  rows: number;
  counts: { created: number; updated: number; unchanged: number; failed: number };
  uploadMs: number;
  importMs: number;
  /** CPU time of the job (user + system, every thread of the process). */
  importCpuMs: number;
  totalMs: number;
  maxRssMb: number;
  /** Written to storage by the process (WAL and checkpoints), when known. */
  writtenMb: number | null;
};
