import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../bin/leadloop.js');
const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-predict-cli-'));

function run(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', LEADLOOP_DATA_DIR: dir },
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

describe('leadloop predict', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses without data, then trains on demo data and prints the held-out AUC', async () => {
    const usage = await run(['predict', 'fly']);
    assert.equal(usage.code, 2);
    const empty = await run(['predict', 'train']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /PREDICT_NOT_ENOUGH_DATA/);
    assert.match(empty.stderr, /labelledLeads: 0 leads have a known outcome; at least 200 are needed/);
    const noModel = await run(['predict', 'show']);
    assert.equal(noModel.code, 1);

    const demo = await run(['demo', '--leads', '1500', '--seed', '42']);
    assert.equal(demo.code, 0, demo.stderr);
    const trained = await run(['predict', 'train', '--exclude', 'seats,budget_band']);
    assert.equal(trained.code, 0, trained.stderr);
    const first = trained.stdout.split('\n')[0]!;
    const m = /^held-out AUC (\d\.\d{4}) \(model v1; training AUC (\d\.\d{4})\)$/.exec(first);
    assert.ok(m, first);
    assert.ok(Number(m[1]) > 0.6 && Number(m[1]) < 0.97, first);
    assert.match(trained.stdout, /lift at the top decile \d+\.\d\d/);
    assert.equal((trained.stdout.match(/^ +\d+ +[\d.]+% → +[\d.]+%/gm) ?? []).length, 10);

    const shown = await run(['predict', 'show', '--json']);
    assert.equal(shown.code, 0);
    const model = JSON.parse(shown.stdout);
    assert.equal(model.version, 1);
    assert.equal(model.report.auc.toFixed(4), m[1]);
    assert.deepEqual(model.options, { excludeFields: ['seats', 'budget_band'] });

    const unknown = await run(['predict', 'train', '--exclude', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /PREDICT_UNKNOWN_FIELD/);
  });
});
