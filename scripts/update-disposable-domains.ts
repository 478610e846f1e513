/**
 * Refreshes server/modules/forms/disposable-domains.txt from the community blocklist as packaged on
 * npm (disposable-email-domains-js), keeping the lines under "local additions". Run it now and then
 * and commit the result: `node scripts/update-disposable-domains.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { disposableListFile } from '../server/modules/forms/disposable.ts';

const pkg = 'disposable-email-domains-js';
const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-disposable-'));
try {
  const tarball = execFileSync('npm', ['pack', pkg, '--pack-destination', dir, '--silent'], {
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', path.join(dir, tarball), '-C', dir]);
  const version = JSON.parse(readFileSync(path.join(dir, 'package/package.json'), 'utf8')).version as string;
  const upstream = JSON.parse(
    readFileSync(path.join(dir, 'package/dist/dict/disposable_email_blocklist.json'), 'utf8'),
  ) as string[];
  const current = readFileSync(disposableListFile, 'utf8').split('\n');
  const start = current.indexOf('# --- local additions ---');
  const end = current.indexOf('# --- upstream ---');
  const local = start >= 0 && end > start ? current.slice(start + 1, end).filter((l) => l.trim()) : [];
  const domains = [
    ...new Set(
      upstream.map((d) => d.trim().toLowerCase()).filter((d) => /^[a-z0-9.-]+\.[a-z0-9-]+$/.test(d)),
    ),
  ].sort();
  const header = [
    '# Disposable-mail domains: addresses here are flagged (or refused) on forms.',
    '# Source: the community blocklist of github.com/disposable-email-domains/disposable-email-domains (CC0-1.0),',
    `# as packaged on npm by ${pkg} ${version}. Refresh with: node scripts/update-disposable-domains.ts`,
    '# Add a domain by hand below the marker line to keep it across refreshes.',
    '# --- local additions ---',
    ...local,
    '# --- upstream ---',
  ];
  writeFileSync(disposableListFile, `${[...header, ...domains].join('\n')}\n`);
  process.stderr.write(`${domains.length} upstream domains (${pkg} ${version}), ${local.length} local\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
