import type { Static, TSchema } from 'typebox';
import type { Clock } from '../clock.ts';
import type { Database, Tx } from '../db/db.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { createJobsRepo, type JobRow, type JobStatus } from './jobs.repo.ts';
import { type JobDefinition, payloadProblem } from './jobs.ts';

export type EnqueueOptions = {
  /** When to run, epoch ms (default: now). */
  runAt?: number;
  /** Same key, same job: a second enqueue with a key already used does nothing. */
  idempotencyKey?: string;
  maxAttempts?: number;
};

export type JobView = {
  id: string;
  name: string;
  status: JobStatus;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
};

export function toJobView(row: JobRow): JobView {
  return {
    id: row.id,
    name: row.name,
    status: row.status as JobStatus,
    payload: JSON.parse(row.payload),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: new Date(row.run_at).toISOString(),
    lastError: row.last_error,
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
  };
}

/** The producer side of jobs, plus the admin view (dead letters, retry). */
export function createJobQueue({ database, clock }: { database: Database; clock: Clock }) {
  const repo = createJobsRepo(database.dialect);
  const listeners = new Set<() => void>();

  /**
   * Enqueues a job inside the caller's transaction: it exists if and only if the caller commits.
   * The payload is checked against the job's schema here and again when it runs.
   */
  async function enqueue<S extends TSchema>(
    tx: Tx,
    def: JobDefinition<S>,
    payload: Static<S>,
    options: EnqueueOptions = {},
  ): Promise<{ id: string; created: boolean }> {
    const problem = payloadProblem(def, payload);
    if (problem) throw new Error(`Job ${def.name}: invalid payload: ${problem}`);
    const now = clock.now();
    const result = await repo.insert(tx, {
      id: newId('job', now),
      name: def.name,
      payload: JSON.stringify(payload),
      runAt: options.runAt ?? now,
      maxAttempts: options.maxAttempts ?? def.maxAttempts,
      idempotencyKey: options.idempotencyKey ?? null,
      now,
    });
    if (result.created) for (const wake of listeners) queueMicrotask(wake);
    return result;
  }

  /**
   * Cancels a job that has not started, inside the caller's transaction (a timer made moot: a task
   * completed, a lead accepted). A job already running or finished is left alone, so handlers of
   * cancellable jobs still check that their cause holds. True when a job was removed.
   */
  async function cancel(tx: Tx, ref: { id: string } | { idempotencyKey: string }): Promise<boolean> {
    return repo.deleteQueued(tx, ref);
  }

  /** Lets an in-process worker wake up as soon as something is enqueued instead of waiting for its poll. */
  function onEnqueue(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async function list(filter: { status?: JobStatus; name?: string; limit?: number; before?: string }) {
    const limit = Math.min(filter.limit ?? 50, 200);
    const rows = await repo.list(database.db, { ...filter, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { data: page.map(toJobView), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
  }

  async function get(id: string): Promise<JobView> {
    const row = await repo.get(database.db, id);
    if (!row) throw new AppError('JOB_NOT_FOUND', `No job ${id}`);
    return toJobView(row);
  }

  /** Puts a dead-lettered job back in the queue with a fresh set of attempts. */
  async function retryDead(id: string): Promise<JobView> {
    const ok = await repo.requeueDead(database.db, id, clock.now());
    if (!ok) {
      await get(id); // 404 when missing
      throw new AppError('JOB_NOT_RETRYABLE', `Job ${id} is not dead-lettered`);
    }
    for (const wake of listeners) queueMicrotask(wake);
    return get(id);
  }

  async function discardDead(id: string): Promise<void> {
    const ok = await repo.deleteDead(database.db, id);
    if (!ok) {
      await get(id);
      throw new AppError('JOB_NOT_RETRYABLE', `Job ${id} is not dead-lettered`);
    }
  }

  /** Jobs per status, of one job name or of all. */
  async function counts(name?: string) {
    return repo.countByStatus(database.db, name);
  }

  return { enqueue, cancel, onEnqueue, list, get, retryDead, discardDead, counts };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
