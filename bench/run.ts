/**
 * `npm run bench [-- name …]`: runs each bench/*.bench.ts in its own process, one after another,
 * collects the RESULT lines and writes them to bench/results/.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { benchDir, writeResults } from './lib.ts';

const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
const results: unknown[] = [];
for (const file of files) {
  process.stderr.write(`\n━━ ${file} ━━\n`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [path.join(benchDir, file)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += String(d);
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('RESULT ')) results.push({ file, ...JSON.parse(line.slice(7)) });
        process.stdout.write(`${line}\n`);
        nl = buffer.indexOf('\n');
      }
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) process.stderr.write(`${file} failed with exit code ${code}\n`);
}
process.stderr.write(`\nresults written to ${writeResults(results)}\n`);
