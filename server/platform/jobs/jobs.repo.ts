import { type Kysely, sql } from 'kysely';
import type { Dialect, Tx } from '../db/db.ts';
import type { DB, JobsTable } from '../db/schema.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'dead';
export type JobRow = JobsTable;

export type NewJob = {
  id: string;
  name: string;
  payload: string;
  runAt: number;
  maxAttempts: number;
  idempotencyKey: string | null;
  now: number;
};

export function createJobsRepo(dialect: Dialect) {
  /** Inserts a job; with an idempotency key already used, inserts nothing and returns the existing id. */
  async function insert(tx: Tx, job: NewJob): Promise<{ id: string; created: boolean }> {
    const inserted = await tx
      .insertInto('jobs')
      .values({
        id: job.id,
        name: job.name,
        payload: job.payload,
        status: 'queued',
        run_at: job.runAt,
        attempts: 0,
        max_attempts: job.maxAttempts,
        idempotency_key: job.idempotencyKey,
        locked_by: null,
        locked_until: null,
        last_error: null,
        created_at: job.now,
        updated_at: job.now,
        finished_at: null,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { id: inserted.id, created: true };
    const existing = await tx
      .selectFrom('jobs')
      .select('id')
      .where('idempotency_key', '=', job.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { id: existing.id, created: false };
  }

  /**
   * Claims up to `limit` due jobs for `workerId` and returns them. On PostgreSQL concurrent workers
   * skip each other's rows (FOR UPDATE SKIP LOCKED); SQLite has a single writer, so the statement is
   * atomic as it stands.
   */
  async function claim(db: Kysely<DB>, workerId: string, now: number, leaseMs: number, limit: number) {
    let due = db
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', 'queued')
      .where('run_at', '<=', now)
      .orderBy('run_at')
      .limit(limit);
    if (dialect === 'postgres') due = due.forUpdate().skipLocked();
    return db
      .updateTable('jobs')
      .set({
        status: 'running',
        locked_by: workerId,
        locked_until: now + leaseMs,
        attempts: sql`attempts + 1`,
        updated_at: now,
      })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /**
   * Puts jobs whose lease ran out (their worker died or hung) back in the queue, or dead-letters
   * them. They keep their run-at time: due already, they run in the order they were due (a timer's
   * warning before the timer), not behind everything that became due while their worker was gone.
   */
  async function reapExpired(db: Kysely<DB>, now: number): Promise<number> {
    const result = await db
      .updateTable('jobs')
      .set({
        status: sql`case when attempts >= max_attempts then 'dead' else 'queued' end`,
        finished_at: sql`case when attempts >= max_attempts then cast(${now} as bigint) else null end`,
        locked_by: null,
        locked_until: null,
        last_error: 'The lease expired: the worker running this job stopped or crashed.',
        updated_at: now,
      })
      .where('status', '=', 'running')
      .where('locked_until', '<', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async function extendLease(db: Kysely<DB>, id: string, workerId: string, until: number): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set({ locked_until: until })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async function markSucceeded(tx: Tx, id: string, workerId: string, now: number): Promise<boolean> {
    const r = await tx
      .updateTable('jobs')
      .set({ status: 'succeeded', finished_at: now, locked_by: null, locked_until: null, updated_at: now })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async function markFailed(
    db: Kysely<DB>,
    id: string,
    workerId: string,
    outcome:
      | { dead: true; error: string; now: number }
      | { dead: false; error: string; now: number; retryAt: number },
  ): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set({
        status: outcome.dead ? 'dead' : 'queued',
        run_at: outcome.dead ? sql`run_at` : outcome.retryAt,
        finished_at: outcome.dead ? outcome.now : null,
        last_error: outcome.error.slice(0, 4000),
        locked_by: null,
        locked_until: null,
        updated_at: outcome.now,
      })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async function get(db: Kysely<DB>, id: string) {
    return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function list(
    db: Kysely<DB>,
    filter: { status?: JobStatus; name?: string; limit: number; before?: string },
  ) {
    let q = db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.name) q = q.where('name', '=', filter.name);
    if (filter.before) q = q.where('id', '<', filter.before);
    return q.execute();
  }

  async function countByStatus(db: Kysely<DB>, name?: string) {
    let q = db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]);
    if (name) q = q.where('name', '=', name);
    const rows = await q.groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Partial<Record<JobStatus, number>>;
  }

  async function requeueDead(db: Kysely<DB>, id: string, now: number): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set({ status: 'queued', attempts: 0, run_at: now, finished_at: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async function deleteDead(db: Kysely<DB>, id: string): Promise<boolean> {
    const r = await db
      .deleteFrom('jobs')
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Deletes a job that has not started yet (by id or idempotency key); running or finished jobs stay. */
  async function deleteQueued(tx: Tx, ref: { id: string } | { idempotencyKey: string }): Promise<boolean> {
    let q = tx.deleteFrom('jobs').where('status', '=', 'queued');
    q = 'id' in ref ? q.where('id', '=', ref.id) : q.where('idempotency_key', '=', ref.idempotencyKey);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async function deleteFinishedBefore(db: Kysely<DB>, before: number): Promise<number> {
    const r = await db
      .deleteFrom('jobs')
      .where('status', '=', 'succeeded')
      .where('finished_at', '<', before)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // Schedules
  async function upsertSchedule(
    db: Kysely<DB>,
    s: { name: string; jobName: string; payload: string; everyMs: number; firstRunAt: number },
  ) {
    await db
      .insertInto('job_schedules')
      .values({
        name: s.name,
        job_name: s.jobName,
        payload: s.payload,
        every_ms: s.everyMs,
        next_run_at: s.firstRunAt,
        last_run_at: null,
      })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ job_name: s.jobName, payload: s.payload, every_ms: s.everyMs }),
      )
      .execute();
  }

  async function dueSchedules(db: Kysely<DB>, now: number) {
    return db.selectFrom('job_schedules').selectAll().where('next_run_at', '<=', now).execute();
  }

  /** Moves a schedule from `due` to `next`; only one caller wins for a given `due`. */
  async function advanceSchedule(
    tx: Tx,
    name: string,
    due: number,
    next: number,
    now: number,
  ): Promise<boolean> {
    const r = await tx
      .updateTable('job_schedules')
      .set({ next_run_at: next, last_run_at: now })
      .where('name', '=', name)
      .where('next_run_at', '=', due)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  return {
    insert,
    claim,
    reapExpired,
    extendLease,
    markSucceeded,
    markFailed,
    get,
    list,
    countByStatus,
    requeueDead,
    deleteDead,
    deleteQueued,
    deleteFinishedBefore,
    upsertSchedule,
    dueSchedules,
    advanceSchedule,
  };
}

export type JobsRepo = ReturnType<typeof createJobsRepo>;
