import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const migrationFile = /^\d{4}-\d{2}-\d{2}T\d{4}_[a-z0-9_]+\.ts$/;

/** Migrations are the files in ./migrations named `YYYY-MM-DDTHHMM_what.ts`, applied in name order. */
const provider: MigrationProvider = {
  async getMigrations() {
    const files = (await readdir(folder)).filter((f) => migrationFile.test(f)).sort();
    const out: Record<string, Migration> = {};
    for (const file of files) {
      out[file.replace(/\.ts$/, '')] = (await import(path.join(folder, file))) as Migration;
    }
    return out;
  },
};

/**
 * On PostgreSQL the bookkeeping tables live in the current schema (the first of search_path), so
 * several Leadloop databases can share one server in separate schemas.
 */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works below the app's table types
async function migratorFor(db: Kysely<any>): Promise<Migrator> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    return new Migrator({ db, provider, migrationTableSchema: rows[0]?.schema ?? 'public' });
  }
  return new Migrator({ db, provider });
}

export type MigrationReport = { applied: string[] };

/**
 * Applies every pending migration. Safe to call from several processes at once: Kysely takes an
 * advisory lock on PostgreSQL and a lock row on SQLite. Throws with the failing migration's name.
 */
// biome-ignore lint/suspicious/noExplicitAny: see migratorFor
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationReport> {
  const { error, results } = await (await migratorFor(db)).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`Migration failed${name}: ${(error as Error)?.message ?? 'unknown error'}`, {
      cause: error,
    });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Names of migrations known to the code but not yet applied to this database. */
// biome-ignore lint/suspicious/noExplicitAny: see migratorFor
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const all = await (await migratorFor(db)).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
