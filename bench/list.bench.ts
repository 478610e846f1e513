/**
 * The lead list over 1,000,000 leads (the database the import benchmark leaves; built first if
 * missing): GET /api/v1/leads with a filter, a sort and a page, following the cursor page after
 * page, one request at a time from this process (latency, not throughput), p50/p95 per scenario.
 * Baseline in the same run: a bare Fastify endpoint answering 50 leads by primary key from the same
 * SQLite file. Target (issue): p95 ≤ 100 ms.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { csvFile, ensureCsv, type ImportFigures, importedDir, rows, runChild } from './imports-lib.ts';
import { percentile, report, startChild } from './lib.ts';

const marker = path.join(importedDir, 'complete');
if (!existsSync(marker)) {
  await ensureCsv();
  process.stderr.write(`importing ${rows.toLocaleString('en')} leads first (not measured)…\n`);
  rmSync(importedDir, { recursive: true, force: true });
  const r = await runChild<ImportFigures>('import.ts', { BENCH_FILE: csvFile, BENCH_DATA_DIR: importedDir });
  if (r.status !== 'completed') throw new Error(`the import did not complete: ${r.message}`);
  writeFileSync(marker, '');
}

const rounds = Number(process.env.BENCH_LIST_ROUNDS ?? 10);
const pages = Number(process.env.BENCH_LIST_PAGES ?? 20);

type Page = { data: unknown[]; nextCursor: string | null };

/** Walks `pages` pages from the first one, `rounds` times; returns each request's milliseconds. */
async function walk(
  first: string,
  next: (page: Page) => string | null,
): Promise<{ ms: number[]; rows: number }> {
  const ms: number[] = [];
  let count = 0;
  for (let round = 0; round < rounds; round++) {
    let url: string | null = first;
    for (let p = 0; p < pages && url; p++) {
      const started = performance.now();
      const res = await fetch(url, { headers });
      const body = (await res.json()) as Page;
      ms.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
      count += body.data.length;
      url = next(body);
    }
  }
  return { ms: ms.sort((a, b) => a - b), rows: count };
}

let headers: Record<string, string> = {};
function figures(name: string, r: { ms: number[]; rows: number }) {
  const f = {
    requests: r.ms.length,
    rowsPerPage: Math.round(r.rows / r.ms.length),
    p50: +percentile(r.ms, 50).toFixed(1),
    p95: +percentile(r.ms, 95).toFixed(1),
    max: +(r.ms.at(-1) ?? 0).toFixed(1),
  };
  report(name, f);
  process.stderr.write(
    `${name.padEnd(58)} p50 ${f.p50} ms  p95 ${f.p95} ms  max ${f.max} ms  (${f.requests} pages)\n`,
  );
  return f;
}

// Baseline: pages by primary key from the same file.
const base = await startChild('servers/list-baseline.ts', { BENCH_DATA_DIR: importedDir });
const baseUrl = `http://127.0.0.1:${base.port}/leads`;
await walk(baseUrl, (p) => (p.nextCursor ? `${baseUrl}?after=${p.nextCursor}` : null)); // warm-up
const baseline = figures(
  'list baseline: 50 leads by primary key (bare Fastify)',
  await walk(baseUrl, (p) => (p.nextCursor ? `${baseUrl}?after=${p.nextCursor}` : null)),
);
await base.stop();

const server = await startChild('servers/leadloop.ts', { BENCH_DATA_DIR: importedDir });
headers = { authorization: `Bearer ${/key (\S+)/.exec(server.output)?.[1]}` };
const api = `http://127.0.0.1:${server.port}/api/v1/leads`;
const scenarios: [string, string][] = [
  ['stage filter, newest first', 'stage=lead&sort=-createdAt'],
  ['country filter, newest first', 'country=germany&sort=-createdAt'],
  ['job title filter, by last update', 'jobTitle=cto&sort=-updatedAt'],
  ['created range, oldest first', 'createdAfter=2024-01-01T00:00:00Z&sort=createdAt'],
];
const results: Record<string, ReturnType<typeof figures>> = {};
for (const [name, query] of scenarios) {
  const first = `${api}?${query}&limit=50`;
  const follow = (p: Page) => (p.nextCursor ? `${first}&cursor=${encodeURIComponent(p.nextCursor)}` : null);
  await walk(first, follow); // warm-up
  results[name] = figures(`leadloop list: ${name} (${query})`, await walk(first, follow));
}
await server.stop();
const worst = Math.max(...Object.values(results).map((r) => r.p95));
report('list ratios', {
  worstP95: worst,
  baselineP95: baseline.p95,
  worstVsBaseline: +(worst / baseline.p95).toFixed(1),
  target: 'p95 <= 100 ms',
  met: worst <= 100,
});
