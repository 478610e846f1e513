/**
 * Builds the web app into web/dist. With --if-stale (used by npm start) it builds only when the
 * sources changed since the last build, so starting stays fast.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const inputs = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'contracts',
  'package-lock.json',
];
const stamp = path.join(root, 'web/dist/.build-hash');

function hashOf(): string {
  const hash = createHash('sha256');
  const visit = (p: string) => {
    const full = path.join(root, p);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) visit(path.join(p, entry));
    } else {
      hash.update(p).update(readFileSync(full));
    }
  };
  for (const i of inputs) visit(i);
  return hash.digest('hex');
}

const wanted = hashOf();
if (process.argv.includes('--if-stale') && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  process.exit(0);
}
process.stderr.write('Building the web app…\n');
await build({ configFile: path.join(root, 'web/vite.config.ts'), logLevel: 'warn' });
writeFileSync(stamp, wanted);
process.stderr.write('Web app built into web/dist.\n');
