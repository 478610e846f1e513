import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { startCheckpointer, type WalHold, walHoldChannel } from './checkpointer.ts';
import { openDatabase } from './db.ts';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A WAL-mode file with a table of blobs, its connection never checkpointing by itself, and a
 * checkpoint thread started with `options`; `done` stops both and removes the file.
 */
function blobsWithThread(options: Parameters<typeof startCheckpointer>[1]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-checkpoint-'));
  const file = path.join(dir, 'db.sqlite');
  const raw = new SqliteDatabase(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('wal_autocheckpoint = 0');
  raw.exec('create table blobs (id integer primary key, data blob not null)');
  const checkpointer = startCheckpointer(file, options);
  return {
    file,
    raw,
    checkpointer,
    insert: raw.prepare<[Buffer]>('insert into blobs (data) values (?)'),
    async done() {
      await checkpointer.stop();
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('background WAL checkpoints (SQLite file)', () => {
  it('copy committed pages into the database file while the connection only appends to the WAL', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-checkpoint-'));
    const file = path.join(dir, 'db.sqlite');
    const database = await openDatabase({ dialect: 'sqlite', file });
    try {
      const raw = database.sqlite!;
      // Far below the connection's own autocheckpoint (32,000 pages): only the thread copies these.
      assert.equal(raw.pragma('wal_autocheckpoint', { simple: true }), 32_000);
      await sql`create table blobs (id integer primary key, data blob not null)`.execute(database.db);
      await database.db.transaction().execute(async (tx) => {
        for (let i = 0; i < 64; i++)
          await sql`insert into blobs (data) values (${Buffer.alloc(64 * 1024, i)})`.execute(tx);
      });
      const committed = statSync(file).size;
      let size = committed;
      for (let waited = 0; size < 4 * 1048576 && waited < 10_000; waited += 50) {
        await settle(50);
        size = statSync(file).size;
      }
      assert.ok(size >= 4 * 1048576, `the database file grew to ${size} bytes (was ${committed} at commit)`);
      // The thread does not hold the data back from this connection either.
      const r = await sql<{ n: number }>`select count(*) as n from blobs`.execute(database.db);
      assert.equal(Number(r.rows[0]!.n), 64);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rewinds the WAL under steady writes, so it stays small without the connection checkpointing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-checkpoint-'));
    const file = path.join(dir, 'db.sqlite');
    // Rewind past 256 frames (1 MB); the connection's own checkpoint waits for 32,000 (128 MB).
    const database = await openDatabase({ dialect: 'sqlite', file, walRestartFrames: 256 });
    try {
      await sql`create table blobs (id integer primary key, data blob not null)`.execute(database.db);
      // 1,000 rows of 64 KB (62 MB), two per commit, a commit every few milliseconds: a PASSIVE
      // checkpoint (its copy and two syncs) never finds a moment without a new commit, so without
      // the rewind the WAL would hold all 62 MB.
      let rows = 0;
      while (rows < 1000) {
        await database.db.transaction().execute(async (tx) => {
          for (let j = 0; j < 2; j++)
            await sql`insert into blobs (data) values (${Buffer.alloc(64 * 1024, rows)})`.execute(tx);
        });
        rows += 2;
        await settle(2);
      }
      const wal = statSync(`${file}-wal`).size;
      assert.ok(
        wal < 31 * 1048576,
        `the WAL file grew to ${(wal / 1048576).toFixed(1)} MB for 62 MB written`,
      );
      const r = await sql<{ n: number }>`select count(*) as n from blobs`.execute(database.db);
      assert.equal(Number(r.rows[0]!.n), rows);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still copies pages back for an owner that cannot hold its writes (no quiesce)', async () => {
    const { file, raw, insert, done } = blobsWithThread({ intervalMs: 20 });
    try {
      raw.transaction(() => {
        for (let i = 0; i < 64; i++) insert.run(Buffer.alloc(64 * 1024, i));
      })();
      let size = statSync(file).size;
      for (let waited = 0; size < 4 * 1048576 && waited < 10_000; waited += 50) {
        await settle(50);
        size = statSync(file).size;
      }
      assert.ok(size >= 4 * 1048576, `the database file grew to ${size} bytes`);
    } finally {
      await done();
    }
  });

  it('asks for holds past the threshold it is given at the time', async () => {
    const { raw, insert, checkpointer, done } = blobsWithThread({
      intervalMs: 20,
      restartFrames: 256,
      quiesce: (catchUp) => catchUp(),
    });
    try {
      /** 16 MB (4,000 frames and more), 256 KB per commit, with pauses the thread can work in. */
      const write = async () => {
        for (let i = 0; i < 64; i++) {
          raw.transaction(() => {
            for (let j = 0; j < 4; j++) insert.run(Buffer.alloc(64 * 1024, i));
          })();
          await settle(5);
        }
        await settle(300);
      };
      await write();
      const atFirst = checkpointer.holds();
      assert.ok(atFirst > 0, 'past 256 frames, it asked for holds');
      checkpointer.setRestartFrames(1_000_000);
      await settle(300);
      const before = checkpointer.holds();
      await write();
      assert.equal(checkpointer.holds(), before, 'none below the new threshold');
      checkpointer.setRestartFrames(256);
      await write();
      assert.ok(checkpointer.holds() > before, 'and again once it is lowered');
    } finally {
      await done();
    }
  });

  it('publishes how long each hold lasted to whoever subscribes', async () => {
    const { raw, insert, checkpointer, done } = blobsWithThread({
      intervalMs: 20,
      restartFrames: 256,
      quiesce: (catchUp) => catchUp(),
    });
    const published: WalHold[] = [];
    const listen = (m: unknown) => published.push(m as WalHold);
    subscribe(walHoldChannel.name, listen);
    try {
      for (let i = 0; i < 64; i++) {
        raw.transaction(() => {
          for (let j = 0; j < 4; j++) insert.run(Buffer.alloc(64 * 1024, i));
        })();
        await settle(5);
      }
      await settle(300);
      assert.ok(checkpointer.holds() > 0, 'it held writes');
      assert.equal(published.length, checkpointer.holds(), 'one message per hold');
      // A hold ends when the thread has caught up, or at the 1 s limit.
      for (const h of published) assert.ok(h.ms >= 0 && h.ms < 1500, `a hold of ${h.ms} ms`);
    } finally {
      unsubscribe(walHoldChannel.name, listen);
      await done();
    }
  });

  it('lets the WAL grow four times as long while bulk loads run, and no longer', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-checkpoint-'));
    const database = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'db.sqlite') });
    const own = () => database.sqlite!.pragma('wal_autocheckpoint', { simple: true });
    try {
      assert.equal(own(), 32_000);
      database.bulkWrites(true);
      assert.equal(own(), 128_000);
      database.bulkWrites(true); // a second load at the same time
      database.bulkWrites(false);
      assert.equal(own(), 128_000, 'until the last load ends');
      database.bulkWrites(false);
      assert.equal(own(), 32_000);
      database.bulkWrites(false); // an end too many changes nothing
      database.bulkWrites(true);
      assert.equal(own(), 128_000);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves an in-memory database alone (nothing to checkpoint)', async () => {
    const database = await openDatabase({ dialect: 'sqlite', file: ':memory:' });
    assert.equal(database.sqlite!.pragma('wal_autocheckpoint', { simple: true }), 4000);
    await database.close();
  });
});
