/** A bench server's own data directory: created fresh, removed when the server exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A new directory under the system's temporary directory, deleted when the process exits (a form
 * benchmark leaves a database of ~400 MB behind otherwise, one per run).
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
