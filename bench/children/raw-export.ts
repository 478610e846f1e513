/** The export baseline: every live lead read with one better-sqlite3 statement and written with csv-stringify. */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { stringify } from 'csv-stringify';

const db = new Database(path.join(process.env.BENCH_DATA_DIR!, 'leadloop.sqlite'), { readonly: true });
const started = performance.now();
const cpuStarted = process.cpuUsage();
const statement = db.prepare(
  'select * from leads where merged_into is null and erased_at is null order by created_at desc, id desc',
);
let leads = 0;
function* rows() {
  let header = true;
  for (const r of statement.iterate() as Iterable<Record<string, unknown>>) {
    if (header) {
      header = false;
      yield Object.keys(r);
    }
    leads++;
    yield Object.values(r).map((v) => (v === null ? '' : String(v)));
  }
}
await pipeline(Readable.from(rows()), stringify(), createWriteStream(process.env.BENCH_OUT!));
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
db.close();
process.stdout.write(
  `${JSON.stringify({ leads, cpuMs: Math.round((cpu.user + cpu.system) / 1000), ms: Math.round(ms), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
