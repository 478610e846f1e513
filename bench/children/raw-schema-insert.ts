/**
 * A second baseline: the same rows inserted with prepared better-sqlite3 statements straight into
 * Leadloop's own tables (a lead, its touchpoint and its external id, with every index the schema
 * has), in transactions of 2,000: what SQLite itself costs for this schema, without the resolver.
 * Prints one JSON line.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createCsvParser, decoderFor } from '../../server/modules/imports/csv.ts';
import { openDatabase } from '../../server/platform/db/db.ts';
import { migrateToLatest } from '../../server/platform/db/migrate.ts';
import { newId } from '../../server/platform/ids.ts';

const database = await openDatabase({
  dialect: 'sqlite',
  file: path.join(process.env.BENCH_DATA_DIR!, 'schema.sqlite'),
});
await migrateToLatest(database.db);
const raw = database.sqlite!;
const leadColumns = [
  'id',
  'email',
  'first_name',
  'last_name',
  'phone',
  'job_title',
  'company_name',
  'website',
  'country',
  'city',
  'industry',
  'lifecycle_stage',
  'custom_fields',
  'consent',
  'field_times',
  'search_text',
  'source',
  'created_at',
  'updated_at',
];
const insertLead = raw.prepare(
  `insert into leads (${leadColumns.join(',')}) values (${leadColumns.map(() => '?').join(',')}) on conflict (email) do nothing`,
);
const insertTouchpoint = raw.prepare(
  `insert into touchpoints (id, lead_id, type, occurred_at, source, actor_type, actor_label, properties, created_at) values (?, ?, 'imported', ?, 'import', 'system', 'bench', ?, ?)`,
);
const insertIdentity = raw.prepare(
  `insert into lead_identities (kind, system, value, lead_id, created_at) values ('external', 'hubspot', ?, ?, ?) on conflict do nothing`,
);
const now = Date.now();
const write = raw.transaction((records: string[][]) => {
  for (const f of records) {
    const id = newId('lead', now);
    const created = Date.parse(`${f[14]!.replace(' ', 'T')}:00Z`) || now;
    insertLead.run(
      id,
      f[3],
      f[1],
      f[2],
      f[4],
      f[5],
      f[6],
      f[7] || null,
      f[8],
      f[9],
      f[10],
      'lead',
      '{}',
      '{}',
      '{}',
      `${f[1]} ${f[2]} ${f[3]}`.toLowerCase(),
      'import',
      created,
      now,
    );
    insertTouchpoint.run(newId('tp', now), id, created, '{"importId":"bench"}', now);
    insertIdentity.run(f[0], id, now);
  }
});
const started = performance.now();
const cpuStarted = process.cpuUsage();
const decoder = decoderFor('utf-8');
const parser = createCsvParser({ delimiter: ',' });
let rows = 0;
let header = true;
let pending: string[][] = [];
const take = (events: ReturnType<typeof parser.push>) => {
  for (const e of events) {
    if (e.kind !== 'record') continue;
    if (header) {
      header = false;
      continue;
    }
    pending.push(e.fields);
    rows++;
    if (pending.length >= 2000) {
      write(pending);
      pending = [];
    }
  }
};
for await (const chunk of createReadStream(process.env.BENCH_FILE!, { highWaterMark: 1 << 20 }))
  take(parser.push(decoder.decode(chunk as Buffer, { stream: true })));
take([...parser.push(decoder.decode()), ...parser.end()]);
write(pending);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
await database.close();
process.stdout.write(
  `${JSON.stringify({ rows, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
