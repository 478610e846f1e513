/**
 * Opens the database: SQLite (embedded default, a file in the data directory, WAL) or PostgreSQL
 * (when a URL is given). Both are driven through Kysely; dialect differences stay in this folder
 * and in the few repository queries that need them.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import pg from 'pg';
import { restartFrames, startCheckpointer } from './checkpointer.ts';
import { SchemaScopedPostgresDialect } from './pg-introspector.ts';
import type { DB } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export type Database = {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** The raw SQLite handle, for bulk paths that need prepared statements (imports, benchmarks). */
  readonly sqlite: SqliteDatabase.Database | undefined;
  /**
   * A bulk load starts (true) or ends (false). On SQLite the WAL may then grow four times as long
   * before it is rewound: each rewind holds writes for a catch-up (~50 ms under an import's
   * writes), and a load writes gigabytes. Nothing on PostgreSQL.
   */
  bulkWrites(on: boolean): void;
  close(): Promise<void>;
};

/** A Kysely handle or an open transaction: repositories accept either. */
export type Tx = Kysely<DB>;

export type OpenOptions =
  | {
      dialect: 'sqlite';
      file: string;
      /** WAL frames past which the checkpoint thread rewinds the WAL (checkpointer.ts; tests lower it). */
      walRestartFrames?: number;
    }
  | {
      dialect: 'postgres';
      url: string;
      poolSize?: number;
      searchPath?: string;
      applicationName?: string;
      /** Extra session settings, as `-c name=value` pairs (tests use it). */
      sessionOptions?: string;
    };

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.dialect === 'sqlite'
    ? openSqlite(options.file, options.walRestartFrames)
    : openPostgres(options);
}

function openSqlite(file: string, walRestartFrames?: number): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const raw = new SqliteDatabase(file);
  raw.pragma('journal_mode = WAL');
  // In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a crash of the process
  // loses nothing and the file never corrupts; a power cut may lose the last commits since the
  // last checkpoint. That is the usual trade for a web application, and several times faster.
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('temp_store = MEMORY');
  raw.pragma('cache_size = -65536'); // 64 MiB
  // A thread of its own checkpoints the WAL (checkpointer.ts), so commits do not wait on the disk;
  // it rewinds the WAL by holding this connection's writes for a moment when the WAL has grown.
  // This connection checkpoints only as a safety net, when the WAL has grown past ~128 MB (should
  // the thread fall behind), and the WAL file is cut back to 64 MB afterwards.
  const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }) });
  // WAL frames past which this connection checkpoints by itself, times `bulkWalFactor` during bulk loads.
  let ownCheckpointAt = 4000;
  let bulkLoads = 0;
  const setOwnCheckpoint = () => {
    if (raw.open) raw.pragma(`wal_autocheckpoint = ${ownCheckpointAt * (bulkLoads > 0 ? bulkWalFactor : 1)}`);
  };
  const checkpointer =
    file === ':memory:'
      ? undefined
      : startCheckpointer(file, {
          restartFrames: walRestartFrames,
          // Holding the connection waits for the transaction in flight and queues the next.
          quiesce: (catchUp) => db.connection().execute(() => catchUp()),
          onExit: () => {
            ownCheckpointAt = 4000;
            setOwnCheckpoint();
          },
        });
  if (checkpointer) ownCheckpointAt = 32_000;
  setOwnCheckpoint();
  raw.pragma(`journal_size_limit = ${64 * 1048576}`);
  // Statistics for the planner on tables that have grown or were never analyzed (sampled, and a
  // no-op when nothing changed much).
  raw.pragma('optimize = 0x10002');
  dropUniqueIndexSamples(raw);
  // A young database has no statistics until it is closed, and SQLite's planner then guesses: it
  // once walked every touchpoint of a type instead of a few leads' touchpoints (see
  // touchpointsOfTypes). Refresh them every few minutes while the process runs.
  const statistics = setInterval(() => refreshStatistics(raw), statisticsIntervalMs);
  statistics.unref();
  return {
    db,
    dialect: 'sqlite',
    sqlite: raw,
    bulkWrites(on) {
      bulkLoads = Math.max(0, bulkLoads + (on ? 1 : -1));
      checkpointer?.setRestartFrames(
        (walRestartFrames ?? restartFrames) * (bulkLoads > 0 ? bulkWalFactor : 1),
      );
      setOwnCheckpoint();
    },
    async close() {
      clearInterval(statistics);
      await checkpointer?.stop();
      await db.destroy();
      // Kysely closes the connection only if a query ever used it.
      if (raw.open) raw.close();
    },
  };
}

/** How much longer the WAL grows before a rewind, and before the connection's own checkpoint, during bulk loads. */
const bulkWalFactor = 4;

/** How often an open SQLite database refreshes its planner statistics. */
export const statisticsIntervalMs = 10 * 60_000;

/**
 * Runs `pragma optimize`: ANALYZE on the tables that were never analyzed or have grown or shrunk
 * a lot since, each sampled (analysis_limit) so that it costs milliseconds, not a scan of a
 * million rows; a no-op otherwise. Skipped (false) while this connection is inside a transaction
 * or a statement (a streamed export): the statistics would ride on someone else's transaction.
 */
export function refreshStatistics(raw: SqliteDatabase.Database): boolean {
  if (!raw.open || raw.readonly || raw.inTransaction) return false;
  try {
    raw.pragma('analysis_limit = 1000');
  } catch {
    return false; // busy reading a streamed statement: next time
  }
  try {
    raw.pragma('optimize');
    dropUniqueIndexSamples(raw);
    return true;
  } catch {
    return false;
  } finally {
    raw.pragma('analysis_limit = 0');
  }
}

/**
 * ANALYZE keeps samples of each index's values (sqlite_stat4) besides its averages. With samples,
 * SQLite's planner reads the values a statement runs with, so it compiles the statement again each
 * time it runs with new values compared to a sampled index: measured 45–61 µs instead of 11–17 µs
 * for a lookup of leads by id or by email, about twice as long for the capture path's other lookups. For a
 * unique index the samples add nothing to what an equality says (one row per value), so they are
 * dropped and the planner reloads what is left; the samples that matter (skewed columns such as
 * `merged_into is null` or a stage) stay. Called after everything that analyzes.
 */
export function dropUniqueIndexSamples(raw: SqliteDatabase.Database): void {
  if (!raw.open || raw.readonly || raw.inTransaction) return;
  try {
    const sampled = raw.prepare("select count(*) as n from sqlite_schema where name = 'sqlite_stat4'").get();
    if ((sampled as { n: number }).n === 0) return;
    const dropped = raw
      .prepare(
        `delete from sqlite_stat4 where idx in (select i.name from sqlite_schema t join pragma_index_list(t.name) i
          where t.type = 'table' and i."unique" = 1)`,
      )
      .run();
    // Makes the planner read the statistics again.
    if (dropped.changes > 0) raw.exec('analyze sqlite_schema');
  } catch {
    // Another process holds the write lock: the samples go after the next analysis.
  }
}

async function openPostgres(options: Extract<OpenOptions, { dialect: 'postgres' }>): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'leadloop',
    ...(options.searchPath || options.sessionOptions
      ? {
          options: [
            options.searchPath ? `-c search_path=${options.searchPath}` : '',
            options.sessionOptions ?? '',
          ]
            .join(' ')
            .trim(),
        }
      : {}),
    // Times are stored as bigint epoch milliseconds and counts come back as bigint: both fit in a double.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<DB>({ dialect: new SchemaScopedPostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    sqlite: undefined,
    bulkWrites() {},
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every statement afresh on SQLite; preparing costs about as much as running a
 * small query, so reuse prepared statements per SQL text (bounded, least recently used evicted).
 * Room for 1,024: group-committed capture writes ask `… in (?, ?, …)` with every list length up to
 * the group's size for a dozen queries, and 256 entries were re-preparing them all the time
 * (measured on form submissions: 2,020 prepares in 18 s, 920 with this size, nearly all first ones).
 */
function withStatementCache(raw: SqliteDatabase.Database, size = 1024): StatementCache & { close(): void } {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sqlText: string) {
      // Every statement goes through this cache, long ones too: a statement's native memory is
      // freed only when V8 collects its small wrapper, which V8 does not hurry to do as it cannot
      // see that memory (measured: a 1M-row import preparing its multi-row inserts afresh grew past
      // 1.8 GB; 300 prepares of one 10,000-parameter insert, +130 MB even with gc()). Bulk writes
      // keep to a few statement shapes instead (power-of-two chunks in leads.repo.ts).
      let stmt = cache.get(sqlText);
      if (stmt) {
        cache.delete(sqlText);
      } else {
        stmt = raw.prepare(sqlText);
        if (cache.size >= size) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
    close() {
      cache.clear();
      // Refreshes the statistics of tables this connection changed a lot (advised before closing).
      try {
        if (raw.open && !raw.readonly) raw.pragma('optimize');
      } catch {
        // A busy or closing database keeps its statistics as they are.
      }
      raw.close();
    },
  };
}

/**
 * Transactions on SQLite start with BEGIN IMMEDIATE: they take the write lock up front, so a
 * transaction that reads and then writes never fails half-way on a lock upgrade when another
 * process shares the file.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * SQLite has one connection per process, so code that uses the database handle inside a
   * transaction callback (instead of the transaction) waits for itself forever. Fail loudly instead.
   */
  override async acquireConnection(): Promise<DatabaseConnection> {
    const pending = super.acquireConnection();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Whenever the connection does arrive, hand it straight back.
        pending.then(() => super.releaseConnection()).catch(() => {});
        reject(
          new Error(
            `Waited ${connectionWaitMs / 1000}s for the SQLite connection: is the database handle used ` +
              'inside a transaction callback? Use the transaction there.',
          ),
        );
      }, connectionWaitMs);
    });
    try {
      return await Promise.race([pending, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const connectionWaitMs = 30_000;

type StatementCache = { prepare(sql: string): SqliteDatabase.Statement };

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #statements: StatementCache;
  constructor(config: { database: StatementCache & { close(): void } }) {
    super(config);
    this.#config = config;
    this.#statements = config.database;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): SqliteAdapter {
    return new StatementsSqliteAdapter(this.#statements);
  }
}

/** The SQLite adapter, with the connection's prepared statements (see runCompiled). */
class StatementsSqliteAdapter extends SqliteAdapter {
  readonly statements: StatementCache;
  constructor(statements: StatementCache) {
    super();
    this.statements = statements;
  }
}

/**
 * Runs a compiled query as `tx.executeQuery` does. Inside a SQLite transaction, which holds the
 * process's one connection until it ends, the statement runs on that connection at once: the
 * executor would only hand over the connection the transaction already holds, through a chain of
 * promises and closures per query (measured on form submissions, some eighty queries per group
 * commit: about 8 % of what a submission allocated). Everything else goes through the executor,
 * and so does a transaction that has ended (the connection is then in none), which refuses it.
 */
export function runCompiled<R>(tx: Tx, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const adapter = tx.getExecutor().adapter;
  if (!tx.isTransaction || !(adapter instanceof StatementsSqliteAdapter)) return tx.executeQuery(query);
  try {
    const stmt = adapter.statements.prepare(query.sql);
    if (!stmt.database.inTransaction) return tx.executeQuery(query);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(query.parameters as unknown[]) as R[] });
    const { changes } = stmt.run(query.parameters as unknown[]);
    return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes) });
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Whether an error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
