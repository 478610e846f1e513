import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase } from '../../test-support/db.ts';
import { openDatabase } from './db.ts';
import {
  deferIndexes,
  deferrableIndexes,
  deferredIndexOwners,
  restoreDeferredIndexes,
} from './deferred-indexes.ts';

type Tdb = Awaited<ReturnType<typeof createTestDatabase>>;

async function indexes(db: Tdb['db']): Promise<Map<string, string>> {
  const { rows } = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master where type = 'index' and sql is not null
  `.execute(db);
  return new Map(rows.map((r) => [r.name, r.sql]));
}

const recorded = (database: Tdb) => database.db.selectFrom('deferred_indexes').select('name').execute();

describe('deferred indexes (sqlite)', () => {
  it('sets the deferrable indexes aside under an owner and builds them back exactly as they were', async () => {
    const tdb = await createTestDatabase('sqlite');
    try {
      const before = await indexes(tdb.db);
      for (const name of deferrableIndexes) assert.ok(before.has(name), `the schema has ${name}`);
      const dropped = await deferIndexes(tdb, 'imp_a', 1000);
      assert.deepEqual([...dropped].sort(), [...deferrableIndexes].sort());
      const during = await indexes(tdb.db);
      for (const name of deferrableIndexes) assert.equal(during.has(name), false, `${name} is set aside`);
      // Unique indexes and the ones a load reads stay.
      assert.equal(during.size, before.size - deferrableIndexes.length);
      assert.deepEqual(await deferredIndexOwners(tdb), new Set(['imp_a']));
      assert.equal((await recorded(tdb)).length, deferrableIndexes.length, 'each one recorded');
      // A second load finds nothing left to set aside, and owns nothing.
      assert.deepEqual(await deferIndexes(tdb, 'imp_b', 2000), []);
      assert.deepEqual(await restoreDeferredIndexes(tdb, { owner: 'imp_b' }), []);

      // Queries still answer without them (slower, never wrong).
      await tdb.db
        .insertInto('leads')
        .values({
          id: 'lead_1',
          email: 'a@example.com',
          lifecycle_stage: 'lead',
          custom_fields: '{}',
          consent: '{}',
          field_times: '{}',
          search_text: 'a',
          source: 'api',
          created_at: 5,
          updated_at: 5,
        })
        .execute();
      const found = await tdb.db
        .selectFrom('leads')
        .select('id')
        .where('lifecycle_stage', '=', 'lead')
        .orderBy('created_at')
        .execute();
      assert.deepEqual(found, [{ id: 'lead_1' }]);

      const settings = async () =>
        (
          await sql<{ cache_size: number; temp_store: number; threads: number }>`
            select * from pragma_cache_size(), pragma_temp_store(), pragma_threads()
          `.execute(tdb.db)
        ).rows[0]!;
      const usual = await settings();
      let calls = 0;
      const whileBuilding: (typeof usual)[] = [];
      const built = await restoreDeferredIndexes(tdb, {
        owner: 'imp_a',
        between: async () => {
          calls++;
          whileBuilding.push(await settings());
        },
      });
      assert.equal(built.length, deferrableIndexes.length);
      assert.equal(calls, deferrableIndexes.length, 'the caller gets a turn after each index');
      // Sorting on disk with a small cache (its size is also the sort buffer's) and two helper
      // threads while building…
      for (const s of whileBuilding) assert.deepEqual(s, { cache_size: -4096, temp_store: 1, threads: 2 });
      // …and the connection's own settings afterwards.
      assert.notDeepEqual(usual, whileBuilding[0]);
      assert.deepEqual(await settings(), usual);
      assert.deepEqual(await indexes(tdb.db), before, 'the same indexes, with the same definitions');
      assert.deepEqual(await deferredIndexOwners(tdb), new Set());
    } finally {
      await tdb.cleanup();
    }
  });

  it('keeps what it set aside across a crash: another process builds it back from the record', async () => {
    const tdb = await createTestDatabase('sqlite');
    try {
      const before = await indexes(tdb.db);
      assert.equal(tdb.location.dialect, 'sqlite');
      const file = tdb.location.dialect === 'sqlite' ? tdb.location.file : '';
      const other = await openDatabase({ dialect: 'sqlite', file });
      await deferIndexes(other, 'imp_c', 1000);
      // The process dies without a word (no restore); the database file is all that is left.
      await other.close();
      const restarted = await openDatabase({ dialect: 'sqlite', file });
      try {
        assert.deepEqual(await deferredIndexOwners(restarted), new Set(['imp_c']));
        await restoreDeferredIndexes(restarted);
        assert.deepEqual(await indexes(restarted.db), before);
      } finally {
        await restarted.close();
      }
    } finally {
      await tdb.cleanup();
    }
  });

  it('does nothing on a database without the record (before migrations)', async () => {
    const tdb = await createTestDatabase('sqlite', { migrate: false });
    try {
      assert.deepEqual(await restoreDeferredIndexes(tdb), []);
      assert.deepEqual(await deferredIndexOwners(tdb), new Set());
    } finally {
      await tdb.cleanup();
    }
  });
});
