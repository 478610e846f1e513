import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../bin/leadloop.js');
const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-demo-cli-'));
  dirs.push(dir);
  return dir;
};

function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs `leadloop start --demo` until it serves, then stops it; returns what it said on stderr. */
async function startWithDemo(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'start', '--demo'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = Date.now() + 60_000;
  while (!stderr.includes('is running at') && Date.now() < until) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /is running at/);
  return stderr;
}

describe('leadloop demo', () => {
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('explains itself and rejects bad numbers with exit 2', async () => {
    const env = { LEADLOOP_DATA_DIR: dataDir() };
    const help = await run(['demo', '--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--leads N/);
    assert.match(help.stdout, /--seed S/);
    const main = await run(['--help'], env);
    assert.match(main.stdout, /demo\s+load a realistic, fictional demo dataset/);
    const bad = await run(['demo', '--leads', 'many'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--leads must be a whole number, not "many"/);
    const zero = await run(['demo', '--leads', '0'], env);
    assert.equal(zero.code, 2);
  });

  it('loads a dataset, prints one summary line, and refuses a database that already holds leads', async () => {
    const env = { LEADLOOP_DATA_DIR: dataDir() };
    const first = await run(['demo', '--leads', '300', '--seed', '3'], env);
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^Loaded 300 demo leads \(seed 3\): \d+ companies, \d+ touchpoints, \d+ customers in \d+\.\d s$/,
    );
    assert.match(first.stderr, /demo: 300\/300 leads \(100%\)/);

    const again = await run(['demo', '--leads', '300', '--seed', '3'], env);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /DEMO_LEADS_EXIST: The database already holds 300 leads/);

    const forced = await run(['demo', '--leads', '300', '--seed', '3', '--force', '--json'], env);
    assert.equal(forced.code, 0, forced.stderr);
    const summary = JSON.parse(forced.stdout);
    assert.equal(summary.leads, 300);
    assert.equal(summary.written, 0, 'the dataset was there already');
  });

  it('start --demo loads the default dataset into an empty database, and not again', async () => {
    const env = { LEADLOOP_DATA_DIR: dataDir() };
    const first = await startWithDemo(env);
    assert.match(first, /--demo: loading 5000 fictional demo leads \(seed 42\)/);
    assert.match(first, /--demo: Loaded 5000 demo leads \(seed 42\)/);
    const second = await startWithDemo(env);
    assert.match(second, /--demo: the database already holds 5000 leads; no demo data loaded\./);
    assert.doesNotMatch(second, /Loaded/);
  });
});
