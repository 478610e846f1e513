/**
 * On PostgreSQL Leadloop introspects only its own schema: other schemas on the server — even ones
 * dropped while a migration looks — neither show up nor break the migrator.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, postgresUrl } from '../../test-support/db.ts';
import { pendingMigrations } from './migrate.ts';

describe('PostgreSQL introspection (postgres)', { skip: !postgresUrl }, () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: pg.Client;
  const other = `t_other_${randomBytes(4).toString('hex')}`;
  before(async () => {
    t = await createTestDatabase('postgres');
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${other}`);
    await admin.query(`create table ${other}.leads (id text primary key, secret text)`);
    await admin.query(`create table ${other}.kysely_migration (name text primary key, timestamp text)`);
  });
  after(async () => {
    await admin.query(`drop schema if exists ${other} cascade`);
    await admin.end();
    await t.cleanup();
  });

  it("lists the current schema's tables with their columns, and nothing of other schemas", async () => {
    const tables = await t.db.introspection.getTables({ withInternalKyselyTables: true });
    const schemas = new Set(tables.map((x) => x.schema));
    assert.deepEqual([...schemas], [t.location.dialect === 'postgres' ? t.location.searchPath : '']);
    const leads = tables.find((x) => x.name === 'leads');
    assert.ok(leads);
    const email = leads.columns.find((c) => c.name === 'email');
    assert.deepEqual([email?.dataType, email?.isNullable], ['text', true]);
    const id = leads.columns.find((c) => c.name === 'id');
    assert.equal(id?.isNullable, false);
    assert.equal(
      leads.columns.some((c) => c.name === 'secret'),
      false,
    );
    assert.ok(tables.some((x) => x.name === 'kysely_migration'));
  });

  it('keeps working while other schemas come and go', async () => {
    // Another test process creating and dropping its schema as fast as it can.
    let stop = false;
    const churn = (async () => {
      let n = 0;
      while (!stop) {
        const name = `${other}_${n++}`;
        await admin.query(`create schema ${name}`);
        await admin.query(`create table ${name}.x (id serial primary key, v text)`);
        await admin.query(`drop schema ${name} cascade`);
      }
      return n;
    })();
    try {
      for (let i = 0; i < 40; i++) assert.deepEqual(await pendingMigrations(t.db), []);
    } finally {
      stop = true;
    }
    assert.ok((await churn) > 0);
  });
});
