/**
 * A second baseline: the same rows inserted with prepared better-sqlite3 statements straight into
 * Leadloop's own tables, writing per row what an import writes for a new lead (the lead with its
 * field times, first and last touch and score; its `imported` touchpoint with the changes; its
 * external id; its initial stage; its score state and first score history row), in transactions of
 * 2,000, with the same indexes set aside as a bulk load and built at the end: what SQLite itself
 * costs for what an import stores, without the resolver and everything else in JavaScript.
 * Prints one JSON line.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createCsvParser, decoderFor } from '../../server/modules/imports/csv.ts';
import { openDatabase } from '../../server/platform/db/db.ts';
import { deferIndexes, restoreDeferredIndexes } from '../../server/platform/db/deferred-indexes.ts';
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
  'first_touch',
  'first_touch_channel',
  'first_touch_at',
  'last_touch',
  'last_touch_channel',
  'last_touch_at',
  'score_fit',
  'score_total',
  'fit_grade',
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
const insertStage = raw.prepare(
  `insert into lead_stage_history (id, lead_id, to_stage, kind, at, actor_type, actor_label, source, policy_version, details) values (?, ?, 'lead', 'initial', ?, 'system', 'bench', 'import', 1, '{}')`,
);
const insertScore = raw.prepare(
  'insert into lead_scores (lead_id, version, state, updated_at) values (?, 1, ?, ?)',
);
const insertScoreHistory = raw.prepare(
  `insert into lead_score_history (id, lead_id, at, version, fit, engagement, total, grade, cause) values (?, ?, ?, 1, 25, 0, 25, 'B', 'created')`,
);
const now = Date.now();
/** Lead fields and the columns of the file they come from. */
const fieldColumns: [string, number][] = [
  ['email', 3],
  ['firstName', 1],
  ['lastName', 2],
  ['phone', 4],
  ['jobTitle', 5],
  ['companyName', 6],
  ['country', 8],
  ['city', 9],
  ['industry', 10],
];
const fieldNames = fieldColumns.map(([name]) => name);
const fieldTimes = JSON.stringify(Object.fromEntries(fieldNames.map((f) => [f, now])));
const scoreState = JSON.stringify(
  Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((k) => [`${k}1ey0n36lhq`, []])),
);
await deferIndexes(database, 'bench', now);
const write = raw.transaction((records: string[][]) => {
  for (const f of records) {
    const id = newId('lead', now);
    const created = Date.parse(`${f[14]!.replace(' ', 'T')}:00Z`) || now;
    const touchpointId = newId('tp', now);
    const touch = JSON.stringify({
      channel: 'referral',
      campaignId: null,
      source: f[13],
      medium: null,
      landingPage: null,
      at: new Date(created).toISOString(),
      touchpointId,
      kind: 'original',
    });
    const changes = Object.fromEntries(fieldColumns.map(([name, at]) => [name, [null, f[at]]]));
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
      fieldTimes,
      `${f[1]} ${f[2]} ${f[3]}`.toLowerCase(),
      'import',
      created,
      now,
      touch,
      'referral',
      created,
      touch,
      'referral',
      created,
      25,
      25,
      'B',
    );
    insertTouchpoint.run(
      touchpointId,
      id,
      created,
      JSON.stringify({ importId: 'bench', fileName: 'bench.csv', originalSource: f[13], changes }),
      now,
    );
    insertIdentity.run(f[0], id, now);
    insertStage.run(newId('stg', now), id, created);
    insertScore.run(id, scoreState, now);
    insertScoreHistory.run(newId('sch', now), id, now);
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
await restoreDeferredIndexes(database, { owner: 'bench' });
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
await database.close();
process.stdout.write(
  `${JSON.stringify({ rows, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
