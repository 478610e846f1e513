/** One export of every lead of BENCH_DATA_DIR's SQLite database to BENCH_OUT, measured in its own process. */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { allLeads } from '../../server/modules/permissions/index.ts';
import { parseConfig } from '../../server/platform/config.ts';
import { openDatabase } from '../../server/platform/db/db.ts';
import { createRuntime } from '../../server/runtime.ts';

const dataDir = process.env.BENCH_DATA_DIR!;
const parsed = parseConfig({}, { dataDir, logLevel: 'silent' });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const database = await openDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'leadloop.sqlite') });
const runtime = await createRuntime(parsed.config, {
  database,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
const started = performance.now();
const cpuStarted = process.cpuUsage();
const { stream } = await runtime.api.imports.exportCsv({}, allLeads);
let bytes = 0;
stream.on('data', (d: Buffer) => {
  bytes += d.length;
});
await pipeline(stream, createWriteStream(process.env.BENCH_OUT!));
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
const leads = await runtime.api.leads.count({}, allLeads);
await database.close();
process.stdout.write(
  `${JSON.stringify({ leads, cpuMs: Math.round((cpu.user + cpu.system) / 1000), bytes, ms: Math.round(ms), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
