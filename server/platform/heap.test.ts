import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { heapFlags } from './heap.ts';

const root = path.resolve(import.meta.dirname, '../..');
const flags = heapFlags.join(' ');

test('every way Leadloop starts carries its heap settings', () => {
  const bin = readFileSync(path.join(root, 'bin/leadloop.js'), 'utf8');
  assert.equal(bin.split('\n')[0], `#!/usr/bin/env -S node ${flags}`);
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  assert.equal(scripts.start, `node ${flags} bin/leadloop.js start`);
  assert.equal(scripts.leadloop, `node ${flags} bin/leadloop.js`);
  const dev = readFileSync(path.join(root, 'scripts/dev.ts'), 'utf8');
  assert.match(dev, /\.\.\.heapFlags, '--watch-path=server'/);
});

test('the command runs through its first line (env -S passes the settings to this Node.js)', () => {
  const out = execFileSync(path.join(root, 'bin/leadloop.js'), ['--help'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    },
  });
  assert.match(out, /^Usage: leadloop <command>/);
});

/**
 * The largest young generation a process reaches under an allocation that keeps a share of what
 * it allocates alive for a while (as an import's batches do), with the given flags.
 */
function largestNewSpace(flags: readonly string[]): number {
  const script = `
    const v8 = require('node:v8');
    const kept = new Array(4096);
    let largest = 0;
    for (let i = 0; i < 3_000_000; i++) {
      kept[i % 4096] = { i, s: 'x' + i, a: [i, i + 1, i + 2] };
      if (i % 10_000 === 0)
        largest = Math.max(largest, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
    }
    console.log(largest);`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }));
}

test('the settings are ones this Node.js accepts, and they bound the young generation', () => {
  // A flag V8 does not know would stop Node before it ran anything.
  const bounded = largestNewSpace(heapFlags);
  assert.ok(bounded > 0 && bounded <= 32 * 1048576, `new space grew to ${bounded} bytes`);
  // The same work with a larger bound grows past it: the bound is what held it.
  const wide = largestNewSpace(['--max-semi-space-size=64']);
  assert.ok(wide > 32 * 1048576, `new space grew to ${wide} bytes with a 64 MB semi-space`);
});
