/**
 * `npm test`: types, lint, generated docs, every server test (on SQLite, and PostgreSQL too when
 * TEST_DATABASE_URL is set), the web build and the browser journeys. Says plainly what was skipped.
 *   --only static|unit|e2e   run one part
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const node = process.execPath;

type Step = { name: string; part: 'static' | 'unit' | 'e2e'; cmd: string[] };
const steps: Step[] = [
  { name: 'types (server)', part: 'static', cmd: ['tsc', '-p', 'tsconfig.json'] },
  { name: 'types (web)', part: 'static', cmd: ['tsc', '-p', 'web/tsconfig.json'] },
  { name: 'lint', part: 'static', cmd: ['biome', 'check', '--error-on-warnings', '.'] },
  { name: 'generated docs are current', part: 'static', cmd: [node, 'scripts/gen-docs.ts', '--check'] },
  {
    name: 'server tests',
    part: 'unit',
    cmd: [
      node,
      '--test',
      `--test-concurrency=${Math.max(2, availableParallelism())}`,
      '--test-reporter=spec',
      'server/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
  },
  { name: 'web build', part: 'e2e', cmd: [node, 'scripts/build-web.ts', '--if-stale'] },
  {
    name: 'browser journeys',
    part: 'e2e',
    cmd: [node, '--test', '--test-concurrency=1', '--test-reporter=spec', 'e2e/**/*.e2e.ts'],
  },
];

function run(cmd: string[]): Promise<number> {
  return new Promise((resolve) => {
    const [bin, ...args] = cmd;
    const child = spawn(bin!, args, { stdio: 'inherit', env: process.env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const results: { name: string; ok: boolean; seconds: number }[] = [];
for (const step of steps) {
  if (only && step.part !== only) continue;
  process.stderr.write(`\n━━ ${step.name} ━━\n`);
  const started = performance.now();
  const code = await run(step.cmd);
  results.push({ name: step.name, ok: code === 0, seconds: (performance.now() - started) / 1000 });
  if (code !== 0) break;
}

const notes: string[] = [];
const serverTests = results.find((r) => r.name === 'server tests');
if (!serverTests && (!only || only === 'unit')) {
  notes.push('Server tests: NOT RUN (an earlier step failed).');
} else if (serverTests) {
  notes.push(
    process.env.TEST_DATABASE_URL
      ? `PostgreSQL half: RAN (TEST_DATABASE_URL is set)${serverTests.ok ? '' : ', with failures'}.`
      : 'PostgreSQL half: SKIPPED. Set TEST_DATABASE_URL=postgres://user@host:5432/db to run every repository and service suite on PostgreSQL too.',
  );
}
if ((!only || only === 'e2e') && !existsSync(chromium) && !process.env.CI) {
  notes.push(`Browser journeys: SKIPPED. Chromium not found at ${chromium} (apt-get install chromium).`);
}

process.stderr.write('\n━━ summary ━━\n');
for (const r of results)
  process.stderr.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name} (${r.seconds.toFixed(1)} s)\n`);
for (const n of notes) process.stderr.write(`${n}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
