/**
 * The dialect matrix for repository and service tests: every suite runs on SQLite, and on
 * PostgreSQL too when TEST_DATABASE_URL is set. Each PostgreSQL database gets its own schema,
 * so test files can run in parallel against one server.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Database, type Dialect, openDatabase } from '../platform/db/db.ts';
import { migrateToLatest } from '../platform/db/migrate.ts';

export const postgresUrl = process.env.TEST_DATABASE_URL || undefined;

/** The dialects this run covers. */
export const testDialects: Dialect[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export type TestDatabase = Database & {
  /** Opens another, independent connection (pool) to the same database, as a second process would. */
  openAnother(): Promise<Database>;
  /** How a child process reaches the same database. */
  location: { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; searchPath: string };
};

type Options = { migrate?: boolean; file?: boolean };

/** A fresh, migrated database of the given dialect; closed and removed by `cleanup`. */
export async function createTestDatabase(dialect: Dialect, options: Options = {}) {
  const migrate = options.migrate ?? true;
  const cleanups: (() => Promise<void> | void)[] = [];
  let location: TestDatabase['location'];
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    location = { dialect: 'sqlite', file: path.join(dir, 'test.sqlite') };
  } else {
    if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
    const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    });
    location = { dialect: 'postgres', url: postgresUrl, searchPath: schema };
  }
  const open = () =>
    location.dialect === 'sqlite'
      ? openDatabase({ dialect: 'sqlite', file: location.file })
      : openDatabase({
          dialect: 'postgres',
          url: location.url,
          searchPath: location.searchPath,
          poolSize: 5,
        });
  const database = await open();
  const extra: Database[] = [];
  if (migrate) await migrateToLatest(database.db);
  const testDb: TestDatabase = {
    ...database,
    location,
    async openAnother() {
      const another = await open();
      extra.push(another);
      return another;
    },
  };
  return {
    ...testDb,
    async cleanup() {
      for (const e of extra) await e.close();
      await database.close();
      for (const c of cleanups.reverse()) await c();
    },
  };
}
