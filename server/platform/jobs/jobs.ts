/**
 * Job definitions: a name, a payload schema, a handler and a retry policy. Modules declare their
 * jobs in `<module>.jobs.ts` with `defineJob` and enqueue them by passing the definition, so the
 * producer and the worker agree on the payload at compile time and again at run time.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';

export type JobContext = {
  jobId: string;
  /** 1 on the first run, 2 on the first retry… */
  attempt: number;
  maxAttempts: number;
  /** The database; inside a transactional job, the transaction that also completes the job. */
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** Aborted when the worker shuts down and the job should stop as soon as it safely can. */
  signal: AbortSignal;
  /** Extends the lease of a long job; the worker also does this on a timer. */
  heartbeat(): Promise<void>;
};

export type JobDefinition<S extends TSchema = TSchema> = {
  readonly name: string;
  readonly schema: S;
  readonly handler: (payload: Static<S>, ctx: JobContext) => Promise<void>;
  /** Runs after the last failed attempt, before the job is dead-lettered. */
  readonly onDead?: (payload: Static<S>, ctx: JobContext, error: Error) => Promise<void>;
  /** Runs before dead-lettering. Default 8. */
  readonly maxAttempts: number;
  /** Exponential backoff between attempts: baseMs · 2^(attempt−1), capped at maxMs, with jitter. */
  readonly backoff: { baseMs: number; maxMs: number };
  /**
   * Run the handler inside one database transaction that also marks the job done, so its database
   * effects happen exactly once. Only for short jobs: the transaction holds the write lock on SQLite.
   */
  readonly transactional: boolean;
};

type DefineOptions<S extends TSchema> = Pick<JobDefinition<S>, 'name' | 'schema' | 'handler'> &
  Partial<Pick<JobDefinition<S>, 'maxAttempts' | 'backoff' | 'transactional' | 'onDead'>>;

export function defineJob<S extends TSchema>(options: DefineOptions<S>): JobDefinition<S> {
  if (!/^[a-z][a-z0-9_.:-]*$/.test(options.name)) throw new Error(`Invalid job name ${options.name}`);
  return Object.freeze({
    maxAttempts: 8,
    backoff: { baseMs: 1000, maxMs: 3600_000 },
    transactional: false,
    ...options,
  });
}

const validators = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/** Checks a payload against its job's schema; returns a readable problem or null. */
export function payloadProblem(def: JobDefinition, payload: unknown): string | null {
  let validator = validators.get(def.schema);
  if (!validator) {
    validator = Compile(def.schema);
    validators.set(def.schema, validator);
  }
  if (validator.Check(payload)) return null;
  const first = [...validator.Errors(payload)][0];
  return first ? `${first.instancePath || '(payload)'} ${first.message}` : 'payload is invalid';
}

/** The delay before attempt `attempt + 1`, with jitter in [delay/2, delay]. */
export function backoffDelay(
  def: Pick<JobDefinition, 'backoff'>,
  attempt: number,
  random = Math.random,
): number {
  const exp = Math.min(def.backoff.maxMs, def.backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export type JobRegistry = ReadonlyMap<string, JobDefinition>;

export function createJobRegistry(defs: readonly JobDefinition[]): JobRegistry {
  const map = new Map<string, JobDefinition>();
  for (const def of defs) {
    if (map.has(def.name)) throw new Error(`Job ${def.name} is defined twice`);
    map.set(def.name, def);
  }
  return map;
}

/** A recurring job: enqueued once per period, however many workers run. */
export type Schedule = { name: string; job: JobDefinition; payload: unknown; everyMs: number };

/** Thrown by a handler for a failure no retry can fix: the job is dead-lettered at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
