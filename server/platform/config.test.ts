import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from './config.ts';

describe('config', () => {
  it('has working defaults and no secret among them', () => {
    const r = parseConfig({});
    assert.ok(r.ok);
    assert.equal(r.config.port, 3000);
    assert.equal(r.config.dataDir, './data');
    assert.equal(r.config.databaseUrl, undefined);
    assert.equal(r.config.secretKey, undefined);
  });

  it('reads and converts environment variables', () => {
    const r = parseConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/leadloop',
      LEADLOOP_TRUST_PROXY: 'true',
      LOG_LEVEL: 'debug',
    });
    assert.ok(r.ok);
    assert.equal(r.config.port, 8080);
    assert.equal(r.config.trustProxy, true);
    assert.equal(r.config.logLevel, 'debug');
    assert.equal(r.config.databaseUrl, 'postgres://u@db:5432/leadloop');
  });

  it('lists every problem at once, naming each variable', () => {
    const r = parseConfig({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      LEADLOOP_SECRET_KEY: 'short',
      LEADLOOP_TRUST_PROXY: 'maybe',
    });
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 5);
    const text = r.problems.join('\n');
    for (const v of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'LEADLOOP_SECRET_KEY', 'LEADLOOP_TRUST_PROXY']) {
      assert.match(text, new RegExp(`^${v}: `, 'm'));
    }
    assert.match(text, /LOG_LEVEL: "loud" is not one of fatal, error/);
    assert.match(text, /LEADLOOP_SECRET_KEY: must be at least 32 characters/);
  });

  it('reads a JSON file, with variables winning over it, and rejects unknown keys', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-config-'));
    const file = path.join(dir, 'leadloop.json');
    writeFileSync(file, JSON.stringify({ port: 4000, host: '0.0.0.0', workerConcurrency: 2 }));
    const r = parseConfig({ LEADLOOP_CONFIG_FILE: file, PORT: '5000' });
    assert.ok(r.ok);
    assert.equal(r.config.port, 5000);
    assert.equal(r.config.host, '0.0.0.0');
    assert.equal(r.config.workerConcurrency, 2);
    writeFileSync(file, JSON.stringify({ prot: 4000, workerConcurrency: 0 }));
    const bad = parseConfig({ LEADLOOP_CONFIG_FILE: file });
    assert.ok(!bad.ok);
    assert.equal(bad.problems.length, 2);
    assert.match(bad.problems.join('\n'), /unknown setting "prot"/);
    assert.match(bad.problems.join('\n'), /workerConcurrency \(in .*\): 0 must be a whole number >= 1/);
  });
});
