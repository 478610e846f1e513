import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../bin/leadloop.js');

function run(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.end(opts.stdin ?? '');
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

describe('leadloop CLI', () => {
  let dataDir: string;
  let env: Record<string, string>;
  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-cli-'));
    env = { LEADLOOP_DATA_DIR: dataDir };
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints help, and exits 2 on an unknown command', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: leadloop <command>/);
    const bad = await run(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown command "frobnicate"/);
    const startHelp = await run(['start', '--help']);
    assert.match(startHelp.stdout, /--role worker/);
  });

  it('lists every configuration problem and exits 78', async () => {
    const r = await run(['migrate'], { env: { PORT: 'x', LOG_LEVEL: 'loud' } });
    assert.equal(r.code, 78);
    assert.match(r.stderr, /PORT: "x" must be a whole number/);
    assert.match(r.stderr, /LOG_LEVEL: "loud" is not one of/);
  });

  it('migrates, then reports nothing pending', async () => {
    const first = await run(['migrate'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^\d{4}-\d{2}-\d{2}T\d{4}_foundation$/m);
    const status = await run(['migrate', '--status'], { env });
    assert.equal(status.stdout, '');
    assert.match(status.stderr, /up to date/);
  });

  it('creates a user from a password on stdin, never from an argument', async () => {
    const noStdin = await run(['users', 'create', '--email', 'a@example.test', '--role', 'admin'], { env });
    assert.equal(noStdin.code, 2);
    assert.match(noStdin.stderr, /--password-stdin is required/);
    const badRole = await run(
      ['users', 'create', '--email', 'a@example.test', '--role', 'boss', '--password-stdin'],
      {
        env,
        stdin: 'long enough password',
      },
    );
    assert.equal(badRole.code, 2);
    const ok = await run(
      ['users', 'create', '--email', 'Admin@Example.test', '--role', 'admin', '--password-stdin', '--json'],
      { env, stdin: 'long enough password\n' },
    );
    assert.equal(ok.code, 0, ok.stderr);
    const user = JSON.parse(ok.stdout);
    assert.equal(user.email, 'admin@example.test');
    assert.equal(user.role, 'admin');
    const again = await run(
      ['users', 'create', '--email', 'admin@example.test', '--role', 'admin', '--password-stdin'],
      {
        env,
        stdin: 'long enough password',
      },
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /USER_EMAIL_TAKEN/);
    const list = await run(['users', 'list'], { env });
    assert.match(list.stdout, /admin@example\.test admin/);
  });

  it('prints a new API key as its only stdout line, lists and revokes it', async () => {
    const created = await run(
      ['api-keys', 'create', '--name', 'CRM sync', '--scopes', 'leads:read,leads:write'],
      { env },
    );
    assert.equal(created.code, 0, created.stderr);
    const lines = created.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^llk_[\w-]{40,}$/);
    const unknown = await run(['api-keys', 'create', '--name', 'x', '--scopes', 'leads:read,root'], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown scope\(s\): root/);
    const listed = await run(['api-keys', 'list', '--json'], { env });
    const key = JSON.parse(listed.stdout.trim().split('\n')[0]!);
    assert.equal(key.name, 'CRM sync');
    assert.deepEqual(key.scopes, ['leads:read', 'leads:write']);
    assert.ok(!listed.stdout.includes(lines[0]!.slice(8)));
    const revoked = await run(['api-keys', 'revoke', key.id], { env });
    assert.equal(revoked.code, 0);
    assert.match(revoked.stdout, /revoked/);
  });

  it('starts, serves, and stops cleanly on SIGTERM; a worker-only role does not listen', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'start'], {
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const until = Date.now() + 20_000;
    while (!stderr.includes('is running at') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(stderr, new RegExp(`running at http://127\\.0\\.0\\.1:${port} \\(sqlite, role all\\)`));
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`http://127.0.0.1:${port}/api/ready`);
    assert.equal(ready.status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);

    const workerPort = await freePort();
    const worker = spawn(process.execPath, [bin, 'start', '--role', 'worker'], {
      env: { ...process.env, ...env, PORT: String(workerPort), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let workerErr = '';
    worker.stderr.on('data', (d) => {
      workerErr += d;
    });
    const workerExit = new Promise<number | null>((r) => worker.on('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!workerErr.includes('worker is running') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(workerErr, /worker is running/);
    await assert.rejects(fetch(`http://127.0.0.1:${workerPort}/api/health`));
    worker.kill('SIGTERM');
    assert.equal(await workerExit, 0);
  });
});
