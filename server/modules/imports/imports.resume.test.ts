/**
 * An import survives a crash: a worker process is SIGKILLed in the middle of an import, another
 * one takes the job over after its lease expires, and the import ends with every row applied once.
 * On SQLite also as a bulk load, which sets indexes aside: the crash leaves them recorded, and the
 * resumed load builds them when it is done.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { systemClock } from '../../platform/clock.ts';
import { parseConfig } from '../../platform/config.ts';
import type { Dialect } from '../../platform/db/db.ts';
import { deferrableIndexes } from '../../platform/db/deferred-indexes.ts';
import { createRuntime, type Runtime } from '../../runtime.ts';
import { createTestDatabase, testDialects } from '../../test-support/db.ts';
import { hubspotCsv } from '../../test-support/hubspot-csv.ts';

const fixture = path.resolve(import.meta.dirname, '../../test-support/import-worker-fixture.ts');
const rows = 20_000;

const cases = testDialects.flatMap((dialect): { dialect: Dialect; bulk: boolean }[] =>
  dialect === 'sqlite'
    ? [
        { dialect, bulk: false },
        { dialect, bulk: true },
      ]
    : [{ dialect, bulk: false }],
);

for (const { dialect, bulk } of cases) {
  describe(`import crash and resume (${dialect}${bulk ? ', bulk load' : ''})`, () => {
    let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
    let runtime: Runtime;
    let dataDir: string;
    const children: ChildProcess[] = [];
    before(async () => {
      tdb = await createTestDatabase(dialect);
      dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-resume-'));
      const parsed = parseConfig({}, { logLevel: 'silent', dataDir });
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      runtime = await createRuntime(parsed.config, {
        database: tdb,
        clock: systemClock,
        logger: pino({ level: 'silent' }),
      });
    });
    after(async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await tdb.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    function startWorker(): Promise<ChildProcess> {
      const child = spawn(process.execPath, [fixture], {
        env: {
          ...process.env,
          FIXTURE_DB: JSON.stringify(tdb.location),
          FIXTURE_DATA_DIR: dataDir,
          // A bulk load from 1,000 rows on; otherwise never (this file has 20,000).
          FIXTURE_BULK_MIN_ROWS: bulk ? '1000' : String(rows * 10),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      return new Promise((resolve, reject) => {
        child.stdout!.on('data', (d) => {
          if (String(d).includes('ready')) resolve(child);
        });
        child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
      });
    }

    const indexNames = async () =>
      new Set(
        (
          await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(tdb.db)
        ).rows.map((r) => r.name),
      );

    const importRow = (id: string) =>
      tdb.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
      const until = Date.now() + ms;
      for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    it('resumes after SIGKILL where it stopped; each row becomes one lead with one imported touchpoint', async () => {
      const system = { type: 'system' as const, label: 'test' };
      const created = await runtime.api.imports.upload(Readable.from([Buffer.from(hubspotCsv(rows, 7))]), {
        filename: 'big.csv',
        actor: system,
      });
      const preview = await runtime.api.imports.preview(created.id, { preset: 'hubspot' });
      await runtime.api.imports.start(
        created.id,
        { mapping: preview.mapping },
        { actor: system, source: 'import', mayCreateFields: false },
      );

      const first = await startWorker();
      // Let it commit a few batches, then kill it without warning.
      const atKill = await waitFor('a first checkpoint', async () => {
        const r = await importRow(created.id);
        return r.rows_done > 4000 ? r : undefined;
      });
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const killed = await importRow(created.id);
      assert.equal(killed.status, 'running');
      assert.ok(killed.rows_done < rows, `killed in the middle (${killed.rows_done} of ${rows} rows done)`);
      assert.ok(killed.rows_done >= atKill.rows_done);
      if (dialect === 'sqlite') {
        const left = await indexNames();
        const recorded = await tdb.db.selectFrom('deferred_indexes').select(['name', 'owner']).execute();
        if (bulk) {
          for (const name of deferrableIndexes) assert.equal(left.has(name), false, `${name} was set aside`);
          assert.deepEqual(
            recorded.map((r) => r.name).sort(),
            [...deferrableIndexes].sort(),
            'what the dead worker set aside is on record',
          );
          assert.ok(recorded.every((r) => r.owner === created.id));
        } else {
          for (const name of deferrableIndexes) assert.ok(left.has(name), `${name} stays`);
          assert.deepEqual(recorded, []);
        }
      }

      await startWorker();
      const done = await waitFor('the import to finish', async () => {
        const r = await importRow(created.id);
        return r.status === 'completed' ? r : r.status === 'failed' ? r : undefined;
      });
      assert.equal(done.status, 'completed', done.message ?? '');
      assert.deepEqual(
        {
          created: Number(done.created),
          updated: Number(done.updated),
          unchanged: Number(done.unchanged),
          failed: Number(done.failed),
        },
        { created: rows, updated: 0, unchanged: 0, failed: 0 },
      );
      // The job ends a moment after the import (it refreshes the planner's statistics first).
      const job = await waitFor('the job to end', async () => {
        const j = await tdb.db
          .selectFrom('jobs')
          .select(['attempts', 'status'])
          .where('name', '=', 'imports.run')
          .executeTakeFirstOrThrow();
        return j.status === 'running' ? undefined : j;
      });
      assert.equal(job.status, 'succeeded');
      assert.equal(job.attempts, 2, 'the second worker retried the job after the first one died');

      const leads = await tdb.db
        .selectFrom('leads')
        .select((eb) => [
          eb.fn.countAll<number>().as('n'),
          eb.fn.count<number>('email').distinct().as('emails'),
        ])
        .where('source', '=', 'import')
        .executeTakeFirstOrThrow();
      assert.equal(Number(leads.n), rows);
      assert.equal(Number(leads.emails), rows);
      const imported = await tdb.db
        .selectFrom('touchpoints')
        .select((eb) => [
          eb.fn.countAll<number>().as('n'),
          eb.fn.count<number>('lead_id').distinct().as('leads'),
        ])
        .where('type', '=', 'imported')
        .executeTakeFirstOrThrow();
      assert.equal(Number(imported.n), rows, 'one imported touchpoint per row');
      assert.equal(Number(imported.leads), rows, 'on as many leads');
      const ids = await tdb.db
        .selectFrom('lead_identities')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('system', '=', 'hubspot')
        .executeTakeFirstOrThrow();
      assert.equal(Number(ids.n), rows);
      const chunks = await tdb.db
        .selectFrom('import_chunks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('import_id', '=', created.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(chunks.n), 0, "a finished import's file is removed");
      if (dialect === 'sqlite') {
        const built = await indexNames();
        for (const name of deferrableIndexes) assert.ok(built.has(name), `${name} is there again`);
        assert.deepEqual(await tdb.db.selectFrom('deferred_indexes').selectAll().execute(), []);
        // The planner uses them again: a list by stage and creation time reads the stage index.
        const plan = await sql<{ detail: string }>`
          explain query plan select id from leads where lifecycle_stage = 'lead' order by created_at desc limit 5
        `.execute(tdb.db);
        assert.ok(
          plan.rows.some((r) => r.detail.includes('leads_stage_idx')),
          JSON.stringify(plan.rows),
        );
      }
    });
  });
}
