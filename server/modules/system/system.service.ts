import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { pendingMigrations } from '../../platform/db/migrate.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { type AuditService, actorOf } from '../audit/index.ts';

type Deps = { database: Database; clock: Clock; jobs: JobQueue; audit: Pick<AuditService, 'record'> };

export function createSystemService({ database, jobs, audit }: Deps) {
  let migrationsCurrent = false;

  /** Throws NOT_READY unless the database answers and every migration is applied. */
  async function assertReady(): Promise<void> {
    try {
      await sql`select 1`.execute(database.db);
      if (!migrationsCurrent) {
        const pending = await pendingMigrations(database.db);
        if (pending.length > 0) throw new AppError('NOT_READY', `Migrations pending: ${pending.join(', ')}`);
        migrationsCurrent = true; // migrations never go backwards while the process runs
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('NOT_READY', 'The database is not reachable.', { cause: error });
    }
  }

  async function retryJob(principal: Principal | null, id: string, ip: string) {
    const job = await jobs.retryDead(id);
    await audit.record(database.db, {
      actor: actorOf(principal),
      action: 'job.retried',
      target: { type: 'job', id },
      ip,
      details: { name: job.name },
    });
    return job;
  }

  async function discardJob(principal: Principal | null, id: string, ip: string) {
    const job = await jobs.get(id);
    await jobs.discardDead(id);
    await audit.record(database.db, {
      actor: actorOf(principal),
      action: 'job.discarded',
      target: { type: 'job', id },
      ip,
      details: { name: job.name, lastError: job.lastError },
    });
  }

  return { assertReady, retryJob, discardJob };
}

export type SystemService = ReturnType<typeof createSystemService>;
