import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../platform/config.ts';
import { openDatabase } from '../platform/db/db.ts';
import { migrateToLatest, pendingMigrations } from '../platform/db/migrate.ts';
import { configOrExit, out, say } from './io.ts';

export const migrateHelp = `Usage: leadloop migrate [--status]

Applies pending database migrations (start does this too). Safe to run while other
instances start: migrations run under a lock.

  --status   list pending migrations without applying them`;

export async function migrate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { status: { type: 'boolean', default: false } },
    strict: true,
  });
  const config = configOrExit();
  const database = config.databaseUrl
    ? await openDatabase({ dialect: 'postgres', url: config.databaseUrl, poolSize: 2 })
    : await openDatabase({ dialect: 'sqlite', file: path.join(resolveDataDir(config), 'leadloop.sqlite') });
  try {
    if (values.status) {
      const pending = await pendingMigrations(database.db);
      for (const name of pending) out(name);
      say(pending.length === 0 ? 'The database is up to date.' : `${pending.length} migration(s) pending.`);
      return 0;
    }
    const { applied } = await migrateToLatest(database.db);
    for (const name of applied) out(name);
    say(
      applied.length === 0
        ? 'The database was already up to date.'
        : `Applied ${applied.length} migration(s).`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
