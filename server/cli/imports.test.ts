import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../bin/leadloop.js');

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

describe('leadloop import and export', () => {
  let dir: string;
  let env: Record<string, string>;
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'leadloop-cli-import-'));
    env = { LEADLOOP_DATA_DIR: path.join(dir, 'data') };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const hubspot = [
    'Record ID,First Name,Last Name,Email,Lifecycle Stage,Original Source,Favourite Colour,Create Date',
    '1,Ada,Lovelace,ada@cli.example,Marketing Qualified Lead,Organic Search,Teal,2024-03-05 14:23',
    '2,Grace,Hopper,grace@cli.example,Customer,Referrals,Navy,2023-01-02 03:04',
    '3,Alan,Turing,alan@cli.example,Lead,Direct Traffic,,',
    '4,Bad,Row,not-an-email,Lead,,,',
  ].join('\n');

  it('imports a file, prints exactly one summary line, and exits 0 even when rows fail', async () => {
    const r = await run(
      ['import', file('contacts.csv', hubspot), '--preset', 'hubspot', '--create-custom-fields'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'created 3, updated 0, unchanged 0, failed 1\n');
    assert.match(r.stderr, /100% 4 rows/);
    assert.match(r.stderr, /Favourite Colour → cf\.favourite_colour \(new text field\)/);
    assert.match(r.stderr, /Original Source → originalSource/);
    const id = /--errors (imp_\w+)/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    const errors = await run(['import', '--errors', id], env);
    assert.equal(errors.code, 0);
    assert.equal(
      errors.stdout,
      'row,column,field,rule,message,value\n5,Email,email,format,is not a valid email address,not-an-email\n',
    );
    const again = await run(['import', file('contacts.csv', hubspot)], env);
    assert.equal(again.stdout, 'created 0, updated 0, unchanged 3, failed 1\n');
  });

  it('dry-runs without writing, and matches on an external id when told', async () => {
    const changed = hubspot.replace('Ada,Lovelace,ada@cli.example', 'Ada,King,ada.king@cli.example');
    const dry = await run(
      ['import', file('changed.csv', changed), '--dry-run', '--match', 'external:hubspot'],
      env,
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, 'created 0, updated 1, unchanged 2, failed 1\n');
    assert.match(dry.stderr, /Dry run: nothing was changed/);
    const exported = await run(
      ['export', '--filter', 'email=ada@cli.example', '--columns', 'email,lastName'],
      env,
    );
    assert.equal(exported.stdout, 'email,lastName\nada@cli.example,Lovelace\n');
  });

  it('exports a filtered list to a file with the chosen columns', async () => {
    const out = path.join(dir, 'mql.csv');
    const r = await run(
      [
        'export',
        '--out',
        out,
        '--stage',
        'mql,customer',
        '--columns',
        'email,lifecycleStage,createdAt,cf.favourite_colour',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(out, 'utf8').trim().split('\n').sort();
    assert.deepEqual(lines, [
      'ada@cli.example,mql,2024-03-05T14:23:00.000Z,Teal',
      'email,lifecycleStage,createdAt,cf.favourite_colour',
      'grace@cli.example,customer,2023-01-02T03:04:00.000Z,Navy',
    ]);
  });

  it('fails with a clear message and a non-zero status when the import cannot run', async () => {
    const missing = await run(['import', path.join(dir, 'nope.csv')], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
    assert.equal(missing.stdout, '');
    const empty = await run(['import', file('empty.csv', '')], env);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /IMPORT_FILE_EMPTY: The file is empty/);
    const badPreset = await run(['import', file('x.csv', hubspot), '--preset', 'zoho'], env);
    assert.equal(badPreset.code, 2);
    assert.match(badPreset.stderr, /--preset must be one of/);
    const badMap = await run(['import', file('y.csv', hubspot), '--map', 'Nope=email'], env);
    assert.equal(badMap.code, 2);
    assert.match(badMap.stderr, /no column "Nope"/);
    const help = await run(['import', '--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /created N, updated N, unchanged N, failed N/);
    const exportHelp = await run(['export', '--help'], env);
    assert.match(exportHelp.stdout, /--columns/);
  });
});
