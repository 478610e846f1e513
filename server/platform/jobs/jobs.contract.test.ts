import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import { createTestDatabase, testDialects } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';
import { createManualClock, systemClock } from '../clock.ts';
import type { Database } from '../db/db.ts';
import {
  createJobRegistry,
  defineJob,
  type JobDefinition,
  PermanentJobError,
  type Schedule,
} from './jobs.ts';
import { createJobQueue } from './queue.ts';
import { createWorker } from './worker.ts';

// biome-ignore lint/suspicious/noExplicitAny: test-only tables outside the app schema
const untyped = (db: unknown) => db as Kysely<any>;
const fixture = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test-support/job-worker-fixture.ts',
);

async function effectsTable(database: Database) {
  const db = untyped(database.db);
  await db.schema.dropTable('test_effects').ifExists().execute();
  await db.schema
    .createTable('test_effects')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('attempt', 'integer')
    .addColumn('worker', 'text')
    .execute();
}

type Effect = { key: string; attempt: number; worker: string | null };
async function effects(database: Database): Promise<Effect[]> {
  return (await untyped(database.db)
    .selectFrom('test_effects')
    .selectAll()
    .orderBy('key')
    .execute()) as Effect[];
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

for (const dialect of testDialects) {
  describe(`job queue contract (${dialect})`, () => {
    let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
    before(async () => {
      tdb = await createTestDatabase(dialect);
    });
    after(async () => {
      await tdb.cleanup();
    });

    /** A worker in a child process on the same database, as another machine would run it. */
    function startFixture(workerId: string) {
      const child = spawn(process.execPath, [fixture], {
        env: {
          ...process.env,
          FIXTURE_DB: JSON.stringify(tdb.location),
          FIXTURE_LEASE_MS: '1500',
          FIXTURE_WORKER_ID: workerId,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      const exited = new Promise((r) => child.once('exit', r));
      return {
        child,
        output: () => out,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }

    function setup(
      defs: JobDefinition[],
      opts: { clock?: ReturnType<typeof createManualClock>; schedules?: Schedule[] } = {},
    ) {
      const clock = opts.clock ?? createManualClock();
      const queue = createJobQueue({ database: tdb, clock });
      const worker = createWorker({
        database: tdb,
        queue,
        registry: createJobRegistry(defs),
        schedules: opts.schedules ?? [],
        clock,
        logger: testLogger,
        concurrency: 4,
        pollMs: 20,
        leaseMs: 30_000,
      });
      return { clock, queue, worker };
    }

    it('enqueues inside the caller transaction: kept on commit, gone on rollback', async () => {
      const seen: string[] = [];
      const job = defineJob({
        name: 'test.tx_enqueue',
        schema: Type.Object({ n: Type.Integer() }),
        async handler(p) {
          seen.push(String(p.n));
        },
      });
      const { queue, worker } = setup([job]);
      await tdb.db.transaction().execute(async (tx) => {
        await queue.enqueue(tx, job, { n: 1 });
      });
      await assert.rejects(
        tdb.db.transaction().execute(async (tx) => {
          await queue.enqueue(tx, job, { n: 2 });
          throw new Error('caller fails after enqueue');
        }),
        /caller fails/,
      );
      assert.equal(await worker.drain(), 1);
      assert.deepEqual(seen, ['1']);
    });

    it('rejects a payload that breaks the schema at enqueue, naming the field', async () => {
      const job = defineJob({
        name: 'test.schema',
        schema: Type.Object({ n: Type.Integer() }),
        async handler() {},
      });
      const { queue } = setup([job]);
      // @ts-expect-error: the wrong type on purpose
      await assert.rejects(queue.enqueue(tdb.db, job, { n: 'x' }), /invalid payload: \/n/);
    });

    it('holds a job until its run-at time', async () => {
      let runs = 0;
      const job = defineJob({
        name: 'test.run_at',
        schema: Type.Object({}),
        async handler() {
          runs++;
        },
      });
      const { clock, queue, worker } = setup([job]);
      await queue.enqueue(tdb.db, job, {}, { runAt: clock.now() + 60_000 });
      assert.equal(await worker.drain(), 0);
      clock.advance(59_999);
      assert.equal(await worker.drain(), 0);
      clock.advance(1);
      assert.equal(await worker.drain(), 1);
      assert.equal(runs, 1);
    });

    it('does nothing the second time an idempotency key is used', async () => {
      let runs = 0;
      const job = defineJob({
        name: 'test.idem',
        schema: Type.Object({}),
        async handler() {
          runs++;
        },
      });
      const { queue, worker } = setup([job]);
      const a = await queue.enqueue(tdb.db, job, {}, { idempotencyKey: 'order-42' });
      const b = await queue.enqueue(tdb.db, job, {}, { idempotencyKey: 'order-42' });
      assert.equal(a.created, true);
      assert.equal(b.created, false);
      assert.equal(b.id, a.id);
      await worker.drain();
      assert.equal(runs, 1);
    });

    it('cancels a job that has not started, in the caller transaction; a finished one stays', async () => {
      const seen: number[] = [];
      const job = defineJob({
        name: 'test.cancel',
        schema: Type.Object({ n: Type.Integer() }),
        async handler(p) {
          seen.push(p.n);
        },
      });
      const { clock, queue, worker } = setup([job]);
      const later = { runAt: clock.now() + 60_000 };
      await queue.enqueue(tdb.db, job, { n: 1 }, { ...later, idempotencyKey: 'timer:1' });
      const two = await queue.enqueue(tdb.db, job, { n: 2 }, later);
      const three = await queue.enqueue(tdb.db, job, { n: 3 }, later);
      await tdb.db.transaction().execute(async (tx) => {
        assert.equal(await queue.cancel(tx, { idempotencyKey: 'timer:1' }), true);
        assert.equal(await queue.cancel(tx, { id: two.id }), true);
      });
      await assert.rejects(
        tdb.db.transaction().execute(async (tx) => {
          await queue.cancel(tx, { id: three.id });
          throw new Error('the caller rolls back');
        }),
        /rolls back/,
      );
      clock.advance(60_000);
      assert.equal(await worker.drain(), 1);
      assert.deepEqual(seen, [3], 'the cancelled ones never ran; the rolled-back cancel kept its job');
      assert.equal(await queue.cancel(tdb.db, { id: three.id }), false, 'finished: nothing to cancel');
      assert.equal((await queue.get(three.id)).status, 'succeeded');
      await assert.rejects(queue.get(two.id), { code: 'JOB_NOT_FOUND' });
      // The key of a cancelled job is free again.
      assert.equal((await queue.enqueue(tdb.db, job, { n: 4 }, { idempotencyKey: 'timer:1' })).created, true);
    });

    it('retries with exponential backoff and jitter, then dead-letters after max attempts', async () => {
      const attempts: number[] = [];
      let deadHook = 0;
      const job = defineJob({
        name: 'test.flaky',
        schema: Type.Object({}),
        maxAttempts: 4,
        backoff: { baseMs: 1000, maxMs: 60_000 },
        async handler(_p, ctx) {
          attempts.push(ctx.attempt);
          throw new Error(`boom ${ctx.attempt}`);
        },
        async onDead() {
          deadHook++;
        },
      });
      const { clock, queue, worker } = setup([job]);
      const { id } = await queue.enqueue(tdb.db, job, {});
      const delays: number[] = [];
      for (let i = 1; i <= 4; i++) {
        await worker.drain();
        const row = await queue.get(id);
        if (i < 4) {
          assert.equal(row.status, 'queued');
          const delay = Date.parse(row.runAt) - clock.now();
          delays.push(delay);
          // attempt i waits between half and all of 1s · 2^(i−1)
          assert.ok(
            delay >= 500 * 2 ** (i - 1) && delay <= 1000 * 2 ** (i - 1),
            `delay ${delay} after attempt ${i}`,
          );
          clock.advance(delay);
        }
      }
      const dead = await queue.get(id);
      assert.equal(dead.status, 'dead');
      assert.equal(dead.attempts, 4);
      assert.equal(dead.lastError, 'boom 4');
      assert.deepEqual(attempts, [1, 2, 3, 4]);
      assert.equal(deadHook, 1);
      assert.ok(delays[2]! > delays[0]!, 'delays grow');
      const listed = await queue.list({ status: 'dead' });
      assert.ok(listed.data.some((j) => j.id === id));
    });

    it('dead-letters at once on a permanent error, and an admin can retry or discard it', async () => {
      let fail = true;
      const job = defineJob({
        name: 'test.permanent',
        schema: Type.Object({}),
        async handler() {
          if (fail) throw new PermanentJobError('cannot ever work');
        },
      });
      const { queue, worker } = setup([job]);
      const { id } = await queue.enqueue(tdb.db, job, {});
      await worker.drain();
      assert.equal((await queue.get(id)).status, 'dead');
      fail = false;
      await queue.retryDead(id);
      await worker.drain();
      assert.equal((await queue.get(id)).status, 'succeeded');
      await assert.rejects(queue.retryDead(id), { code: 'JOB_NOT_RETRYABLE' });
      const other = await queue.enqueue(tdb.db, job, {});
      fail = true;
      await worker.drain();
      await queue.discardDead(other.id);
      await assert.rejects(queue.get(other.id), { code: 'JOB_NOT_FOUND' });
    });

    it('enqueues a recurring schedule once per period however many workers tick', async () => {
      let runs = 0;
      const job = defineJob({
        name: 'test.recurring',
        schema: Type.Object({}),
        async handler() {
          runs++;
        },
      });
      const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 30));
      const schedule: Schedule = { name: 'test.every_minute', job, payload: {}, everyMs: 60_000 };
      const a = setup([job], { clock, schedules: [schedule] });
      const b = setup([job], { clock, schedules: [schedule] });
      // A third worker on its own connection pool, as another process would have. (On SQLite a second
      // connection inside one process would block the event loop on the write lock; the race test
      // below uses real processes for that.)
      const others = dialect === 'postgres' ? [await tdb.openAnother()] : [];
      const extra = others.map((database) =>
        createWorker({
          database,
          queue: createJobQueue({ database, clock }),
          registry: createJobRegistry([job]),
          schedules: [schedule],
          clock,
          logger: testLogger,
          concurrency: 2,
          pollMs: 20,
          leaseMs: 30_000,
        }),
      );
      for (const w of [a.worker, b.worker, ...extra]) {
        await w.start();
        await w.stop();
      }
      for (let minute = 1; minute <= 3; minute++) {
        clock.set(Date.UTC(2026, 0, 1, 0, minute, 0));
        await Promise.all([a.worker.drain(), b.worker.drain(), ...extra.map((w) => w.drain())]);
      }
      assert.equal(runs, 3);
      // A worker that was away for 10 minutes runs the missed period once, not ten times.
      clock.set(Date.UTC(2026, 0, 1, 0, 13, 5));
      await Promise.all([a.worker.drain(), ...extra.map((w) => w.drain())]);
      assert.equal(runs, 4);
    });

    it('two worker processes racing over 1,000 jobs run each exactly once', async () => {
      await effectsTable(tdb);
      const race = defineJob({
        name: 'test.race',
        schema: Type.Object({ key: Type.String() }),
        async handler() {},
      });
      const queue = createJobQueue({ database: tdb, clock: systemClock });
      const children = ['racer-a', 'racer-b'].map((id) => startFixture(id));
      try {
        await waitFor('both workers to poll', async () =>
          children.every((c) => c.output().includes('ready')),
        );
        const keys = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(4, '0')}`);
        await tdb.db.transaction().execute(async (tx) => {
          for (const key of keys) await queue.enqueue(tx, race, { key });
        });
        await waitFor(
          'all 1,000 jobs to finish',
          async () => (await queue.counts('test.race')).succeeded === 1000,
          120_000,
        );
        const rows = await effects(tdb);
        assert.deepEqual(
          rows.map((r) => r.key),
          keys,
        );
        assert.ok(
          rows.every((r) => r.attempt === 1),
          'no job needed a second attempt',
        );
        const byWorker = Object.groupBy(rows, (r) => r.worker ?? '?');
        assert.deepEqual(Object.keys(byWorker).sort(), ['racer-a', 'racer-b'], 'both workers took part');
        const counts = await queue.counts('test.race');
        assert.equal(counts.queued ?? 0, 0);
        assert.equal(counts.running ?? 0, 0);
        assert.equal(counts.dead ?? 0, 0);
      } finally {
        await Promise.all(children.map((c) => c.stop()));
      }
    });

    it('graceful stop lets a running job finish', async () => {
      let finished = false;
      let startedResolve: () => void = () => {};
      const started = new Promise<void>((r) => {
        startedResolve = r;
      });
      const job = defineJob({
        name: 'test.slow',
        schema: Type.Object({}),
        async handler() {
          startedResolve();
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        },
      });
      const clock = systemClock;
      const queue = createJobQueue({ database: tdb, clock });
      const worker = createWorker({
        database: tdb,
        queue,
        registry: createJobRegistry([job]),
        clock,
        logger: testLogger,
        concurrency: 1,
        pollMs: 10,
        leaseMs: 30_000,
      });
      const { id } = await queue.enqueue(tdb.db, job, {});
      await worker.start();
      await started;
      await worker.stop(5000);
      assert.equal(finished, true);
      assert.equal((await queue.get(id)).status, 'succeeded');
    });

    for (const jobName of ['test.tx_effect', 'test.idem_effect']) {
      it(`a worker killed with SIGKILL mid-job: ${jobName} completes after restart, exactly once`, async () => {
        await effectsTable(tdb);
        const def = defineJob({
          name: jobName,
          schema: Type.Object({ key: Type.String() }),
          async handler() {},
        });
        const queue = createJobQueue({ database: tdb, clock: systemClock });
        const { id } = await queue.enqueue(tdb.db, def, { key: 'only-once' });

        const first = startFixture('crash-1');
        await waitFor('the first attempt to start', async () => first.output().includes('started 1'));
        first.child.kill('SIGKILL');
        await first.stop();
        const midway = await queue.get(id);
        assert.equal(midway.status, 'running', 'the killed worker still holds the lease');

        const second = startFixture('crash-2');
        try {
          await waitFor(
            'the job to succeed after restart',
            async () => (await queue.get(id)).status === 'succeeded',
          );
        } finally {
          await second.stop();
        }
        const done = await queue.get(id);
        assert.equal(done.attempts, 2);
        const rows = await effects(tdb);
        assert.equal(rows.length, 1);
        // The transactional job's first effect was rolled back with the crash; the idempotent one's was kept.
        assert.equal(rows[0]!.attempt, jobName === 'test.tx_effect' ? 2 : 1);
      });
    }
  });
}
