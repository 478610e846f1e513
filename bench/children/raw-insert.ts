/**
 * The baseline: the same CSV file read and parsed the same way, and its rows inserted with a
 * prepared better-sqlite3 statement into a plain table with a UNIQUE(email) index, in
 * transactions of the same size as the import's. Prints one JSON line.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createCsvParser, decoderFor } from '../../server/modules/imports/csv.ts';

const file = process.env.BENCH_FILE!;
const db = new Database(path.join(process.env.BENCH_DATA_DIR!, 'baseline.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`create table people (id integer primary key, record_id text, first_name text, last_name text,
  email text unique, phone text, job_title text, company text, website text, country text, city text,
  industry text, employees text, stage text, source text, created text)`);
const insert = db.prepare(
  'insert into people values (null, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (email) do nothing',
);
const batch = Number(process.env.BENCH_BATCH ?? 5000);
const started = performance.now();
const cpuStarted = process.cpuUsage();
const decoder = decoderFor('utf-8');
const parser = createCsvParser({ delimiter: ',' });
let rows = 0;
let header = true;
let pending: string[][] = [];
const flush = db.transaction((records: string[][]) => {
  for (const r of records) insert.run(...r);
});
const take = (events: ReturnType<typeof parser.push>) => {
  for (const e of events) {
    if (e.kind !== 'record') continue;
    if (header) {
      header = false;
      continue;
    }
    pending.push(e.fields);
    rows++;
    if (pending.length >= batch) {
      flush(pending);
      pending = [];
    }
  }
};
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
  take(parser.push(decoder.decode(chunk as Buffer, { stream: true })));
take([...parser.push(decoder.decode()), ...parser.end()]);
flush(pending);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
db.close();
process.stdout.write(
  `${JSON.stringify({ rows, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
