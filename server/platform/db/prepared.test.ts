/**
 * A query compiled once gives what the same query built afresh gives, for any values, wherever
 * they sit in the statement (repeated, next to constants), on every dialect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CompiledQuery } from 'kysely';
import { createTestDatabase, type TestDatabase, testDialects } from '../../test-support/db.ts';
import { isUniqueViolation, runCompiled, type Tx } from './db.ts';
import { paddedLength, prepared } from './prepared.ts';

const paddedLengths = (n: number) => Array.from({ length: n }, (_, i) => paddedLength(i + 1));

const build = (tx: Tx, country: string, min: number, max: number, note: string) =>
  tx
    .selectFrom('companies')
    .select(['domain', 'employees'])
    .where('country', '=', country)
    .where('employees', '>=', min)
    .where('employees', '<=', max)
    // The same value twice, and a constant between the values.
    .where((eb) => eb.or([eb('name', '=', note), eb('name', '<>', note), eb('domain', 'like', '%.example')]))
    .orderBy('domain');

const compiledOnce = prepared(4, build);

// Lists stand for `in (…)`: compiled per padded length, the padding repeating the last element.
const buildIn = (tx: Tx, domains: string[], countries: string[], max: number) =>
  tx
    .selectFrom('companies')
    .select(['id', 'domain'])
    .where('domain', 'in', domains)
    .where('employees', '<=', max)
    .where('country', 'in', countries)
    .orderBy('id');

const compiledIn = prepared(3, buildIn);

for (const dialect of testDialects) {
  describe(`prepared queries (${dialect})`, () => {
    let tdb: TestDatabase;
    before(async () => {
      tdb = await createTestDatabase(dialect);
      await tdb.db
        .insertInto('companies')
        .values(
          Array.from({ length: 40 }, (_, i) => ({
            id: `co_${i}`,
            domain: `c${i}.example`,
            name: i % 3 ? `Company ${i}` : null,
            industry: null,
            employees: i * 25,
            country: ['DE', 'FR', 'SE'][i % 3]!,
            owner_id: null,
            created_at: 0,
            updated_at: 0,
          })),
        )
        .execute();
    });
    after(async () => tdb.close());

    it('answers as the query built afresh, for any values', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('DE', 'FR', 'SE', 'US'),
          fc.integer({ min: -10, max: 1100 }),
          fc.integer({ min: -10, max: 1100 }),
          fc.constantFrom('Company 1', 'Company 4', 'x'),
          async (country, min, max, note) => {
            const fresh = await build(tdb.db, country, min, max, note).execute();
            const once = (await compiledOnce(tdb.db, country, min, max, note)).rows;
            assert.deepEqual(once, fresh);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('takes lists of any length for in (…), as the query built afresh', async () => {
      const domain = fc.integer({ min: 0, max: 45 }).map((i) => `c${i}.example`);
      await fc.assert(
        fc.asyncProperty(
          fc.array(domain, { minLength: 1, maxLength: 40 }),
          fc.array(fc.constantFrom('DE', 'FR', 'SE', 'US'), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: -10, max: 1100 }),
          async (domains, countries, max) => {
            const fresh = await buildIn(tdb.db, domains, countries, max).execute();
            const once = (await compiledIn(tdb.db, domains, countries, max)).rows;
            assert.deepEqual(once, fresh);
          },
        ),
        { numRuns: 80 },
      );
    });

    it('compiles a list once per power-of-two length', async () => {
      const texts = new Set<string>();
      let compiles = 0;
      const seen = prepared(1, (tx, ids: string[]) => {
        const q = tx.selectFrom('companies').select('id').where('id', 'in', ids);
        texts.add(q.compile().sql);
        compiles++;
        return q;
      });
      for (let n = 1; n <= 20; n++)
        assert.equal(
          (
            await seen(
              tdb.db,
              Array.from({ length: n }, (_, i) => `co_${i}`),
            )
          ).rows.length,
          n,
          `${n} ids`,
        );
      // Lengths 1, 2, 4, 8, 16 and 32: six statements for twenty lengths.
      assert.equal(texts.size, 6);
      assert.equal(compiles, 6);
      // Past 1,024 a list is not padded: a power-of-two chunk is compiled once, another length each time.
      const many = (n: number) => Array.from({ length: n }, (_, i) => `co_${i % 40}`);
      for (const n of [2048, 2048, 1500, 1500]) assert.equal((await seen(tdb.db, many(n))).rows.length, 40);
      assert.equal(compiles, 9);
      assert.deepEqual(
        paddedLengths(20),
        [1, 2, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16, 16, 16, 32, 32, 32, 32],
      );
    });

    it('runs inside a transaction and writes', async () => {
      const rename = prepared(2, (tx, id: string, name: string) =>
        tx.updateTable('companies').set({ name }).where('id', '=', id),
      );
      await tdb.db.transaction().execute(async (tx) => {
        const r = await rename(tx, 'co_1', 'Renamed');
        assert.equal(Number(r.numAffectedRows), 1);
      });
      const row = await tdb.db
        .selectFrom('companies')
        .select('name')
        .where('id', '=', 'co_1')
        .executeTakeFirst();
      assert.equal(row?.name, 'Renamed');
    });

    // On SQLite a compiled query inside a transaction runs on its connection directly (runCompiled).
    it('answers inside a transaction as the executor does, reads, writes and errors alike', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.integer({ min: 0, max: 45 }).map((i) => `c${i}.example`),
            { minLength: 1, maxLength: 20 },
          ),
          fc.integer({ min: -10, max: 1100 }),
          async (domains, max) => {
            await tdb.db.transaction().execute(async (tx) => {
              const fresh = await buildIn(tx, domains, ['DE', 'FR', 'SE'], max).execute();
              assert.deepEqual((await compiledIn(tx, domains, ['DE', 'FR', 'SE'], max)).rows, fresh);
            });
          },
        ),
        { numRuns: 40 },
      );
      const bump = CompiledQuery.raw(
        dialect === 'postgres'
          ? 'update companies set employees = employees + 1 where employees <= $1'
          : 'update companies set employees = employees + 1 where employees <= ?',
        [100],
      );
      const duplicate = CompiledQuery.raw(
        "insert into companies (id, domain, created_at, updated_at) values ('co_dup', 'c1.example', 0, 0)",
        [],
      );
      const before = await tdb.db.selectFrom('companies').select(['id', 'employees']).orderBy('id').execute();
      await assert.rejects(
        tdb.db.transaction().execute(async (tx) => {
          const r = await runCompiled(tx, bump);
          assert.equal(Number(r.numAffectedRows), before.filter((c) => Number(c.employees) <= 100).length);
          assert.deepEqual(r.rows, []);
          await runCompiled(tx, duplicate);
        }),
        (e) => isUniqueViolation(e),
      );
      // The failed transaction rolled back the update made before the error.
      assert.deepEqual(
        await tdb.db.selectFrom('companies').select(['id', 'employees']).orderBy('id').execute(),
        before,
      );
    });

    it('refuses a transaction that has ended', async () => {
      let kept: Tx | undefined;
      await tdb.db.transaction().execute(async (tx) => {
        kept = tx;
      });
      await assert.rejects(compiledIn(kept!, ['c1.example'], ['DE'], 1000), /committed|rolled back/i);
    });
  });
}
