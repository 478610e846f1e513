/**
 * The job worker: claims due jobs, runs them with a lease it keeps alive, retries failures with
 * backoff, dead-letters jobs out of attempts, puts back jobs whose worker died, and enqueues
 * recurring schedules once per period however many workers run.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/db.ts';
import { newId } from '../ids.ts';
import { createJobsRepo, type JobRow } from './jobs.repo.ts';
import {
  backoffDelay,
  type JobContext,
  type JobDefinition,
  type JobRegistry,
  PermanentJobError,
  payloadProblem,
  type Schedule,
} from './jobs.ts';
import type { JobQueue } from './queue.ts';

export type WorkerOptions = {
  database: Database;
  queue: JobQueue;
  registry: JobRegistry;
  schedules?: readonly Schedule[];
  clock: Clock;
  logger: Logger;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  workerId?: string;
};

export function createWorker(options: WorkerOptions) {
  const { database, queue, registry, clock, logger, concurrency, pollMs, leaseMs } = options;
  const schedules = options.schedules ?? [];
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${newId('w').slice(-6)}`;
  const repo = createJobsRepo(database.dialect);
  const db = database.db;
  const inflight = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let lastMaintenance = 0;
  let unsubscribe: (() => void) | null = null;

  async function start(): Promise<void> {
    if (running) return;
    const now = clock.now();
    for (const s of schedules) {
      await repo.upsertSchedule(db, {
        name: s.name,
        jobName: s.job.name,
        payload: JSON.stringify(s.payload),
        everyMs: s.everyMs,
        firstRunAt: Math.floor(now / s.everyMs) * s.everyMs + s.everyMs,
      });
    }
    running = true;
    unsubscribe = queue.onEnqueue(() => wake?.());
    loop = runLoop();
    logger.info({ workerId, concurrency }, 'job worker started');
  }

  async function runLoop(): Promise<void> {
    while (running) {
      let claimed = 0;
      try {
        claimed = await tick();
      } catch (error) {
        logger.error({ err: error }, 'job worker tick failed');
      }
      if (!running) break;
      // Busy while there is work and room; otherwise sleep until the poll interval or a wake-up.
      if (claimed === 0 || inflight.size >= concurrency) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pollMs);
          function done() {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
      }
    }
  }

  /** One pass: maintenance now and then, then claim as many due jobs as there is room for. */
  async function tick(): Promise<number> {
    const now = clock.now();
    if (now - lastMaintenance >= Math.min(1000, pollMs) || now < lastMaintenance) {
      lastMaintenance = now;
      try {
        await runSchedules(now);
        const reaped = await repo.reapExpired(db, now);
        if (reaped > 0) logger.warn({ reaped }, 'requeued jobs whose lease expired');
      } catch (error) {
        // Claiming goes on even when maintenance fails; the next pass tries again.
        logger.error({ err: error }, 'job maintenance failed');
      }
    }
    const room = concurrency - inflight.size;
    if (room <= 0) return 0;
    const rows = await repo.claim(db, workerId, now, leaseMs, room);
    for (const row of rows) launch(row);
    return rows.length;
  }

  async function runSchedules(now: number): Promise<void> {
    const due = await repo.dueSchedules(db, now);
    for (const s of due) {
      const def = registry.get(s.job_name);
      if (!def) continue;
      const periods = Math.floor((now - s.next_run_at) / s.every_ms) + 1;
      const next = s.next_run_at + periods * s.every_ms;
      await db.transaction().execute(async (tx) => {
        if (!(await repo.advanceSchedule(tx, s.name, s.next_run_at, next, now))) return;
        await queue.enqueue(tx, def, JSON.parse(s.payload), {
          idempotencyKey: `schedule:${s.name}:${s.next_run_at}`,
        });
      });
    }
  }

  function launch(row: JobRow): void {
    const abort = new AbortController();
    const promise = execute(row, abort.signal).finally(() => {
      inflight.delete(row.id);
      wake?.();
    });
    inflight.set(row.id, { promise, abort });
  }

  async function execute(row: JobRow, signal: AbortSignal): Promise<void> {
    const def = registry.get(row.name);
    const log = logger.child({ jobId: row.id, job: row.name, attempt: row.attempts });
    const heartbeat = async () => {
      await repo.extendLease(db, row.id, workerId, clock.now() + leaseMs);
    };
    const timer = setInterval(
      () => {
        heartbeat().catch((error) => log.warn({ err: error }, 'job heartbeat failed'));
      },
      Math.max(250, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    const started = performance.now();
    try {
      if (!def) throw new PermanentJobError(`No handler is registered for job "${row.name}"`);
      const payload: unknown = JSON.parse(row.payload);
      const problem = payloadProblem(def, payload);
      if (problem) throw new PermanentJobError(`Invalid payload: ${problem}`);
      const ctx = (handle: JobContext['db']): JobContext => ({
        jobId: row.id,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        db: handle,
        clock,
        logger: log,
        signal,
        heartbeat,
      });
      if (def.transactional) {
        await db.transaction().execute(async (tx) => {
          await def.handler(payload, ctx(tx));
          if (!(await repo.markSucceeded(tx, row.id, workerId, clock.now()))) throw new LeaseLostError();
        });
      } else {
        await def.handler(payload, ctx(db));
        if (!(await repo.markSucceeded(db, row.id, workerId, clock.now()))) throw new LeaseLostError();
      }
      log.debug({ ms: Math.round(performance.now() - started) }, 'job succeeded');
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      if (error instanceof LeaseLostError) {
        log.warn('job lease was lost before it finished; another worker owns it now');
        return;
      }
      await fail(row, def, error, log);
    } finally {
      clearInterval(timer);
    }
  }

  async function fail(row: JobRow, def: JobDefinition | undefined, error: Error, log: Logger): Promise<void> {
    const now = clock.now();
    const dead = error instanceof PermanentJobError || !def || row.attempts >= row.max_attempts;
    const message = error.message || error.name;
    if (dead) {
      log.error({ err: error }, 'job failed for good; dead-lettered');
      if (def?.onDead) {
        try {
          await def.onDead(JSON.parse(row.payload), contextFor(row, log), error);
        } catch (hookError) {
          log.error({ err: hookError }, 'job onDead hook failed');
        }
      }
      await repo.markFailed(db, row.id, workerId, { dead: true, error: message, now });
    } else {
      const retryAt = now + backoffDelay(def, row.attempts);
      log.warn({ err: error, retryAt: new Date(retryAt).toISOString() }, 'job failed; will retry');
      await repo.markFailed(db, row.id, workerId, { dead: false, error: message, now, retryAt });
    }
  }

  function contextFor(row: JobRow, log: Logger): JobContext {
    return {
      jobId: row.id,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      db,
      clock,
      logger: log,
      signal: new AbortController().signal,
      heartbeat: async () => {},
    };
  }

  /**
   * Stops claiming, waits for running jobs up to `timeoutMs`, then signals the rest to abort.
   * Jobs still running after that keep their lease until it expires and are then retried.
   */
  async function stop(timeoutMs = 15000): Promise<void> {
    if (!running) return;
    running = false;
    unsubscribe?.();
    wake?.();
    await loop;
    const all = Promise.all([...inflight.values()].map((j) => j.promise));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      logger.warn({ running: inflight.size }, 'jobs still running at shutdown; aborting them');
      for (const j of inflight.values()) j.abort.abort();
      await Promise.race([all, new Promise((r) => setTimeout(r, 1000))]);
    }
    logger.info({ workerId }, 'job worker stopped');
  }

  /** For tests: runs due jobs until none is left (or `maxRounds` passes), without the polling loop. */
  async function drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const claimed = await tick();
      await Promise.all([...inflight.values()].map((j) => j.promise));
      total += claimed;
      if (claimed === 0) break;
    }
    return total;
  }

  return {
    start,
    stop,
    drain,
    workerId,
    get inflightCount() {
      return inflight.size;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;

class LeaseLostError extends Error {
  constructor() {
    super('lease lost');
    this.name = 'LeaseLostError';
  }
}
