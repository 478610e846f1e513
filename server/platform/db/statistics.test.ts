/**
 * A running SQLite database refreshes its planner statistics (refreshStatistics, every few
 * minutes): a table that was never analyzed gets them, sampled; nothing happens inside a
 * transaction or while a statement is still being read, or once the database is closed. Samples of
 * unique indexes are dropped after an analysis (dropUniqueIndexSamples).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Database, dropUniqueIndexSamples, openDatabase, refreshStatistics } from './db.ts';

describe('planner statistics (sqlite)', () => {
  let dir: string;
  let database: Database;
  const raw = () => database.sqlite!;
  const stats = (): { idx: string; stat: string }[] => {
    const has = raw().prepare("select count(*) n from sqlite_master where name = 'sqlite_stat1'").get() as {
      n: number;
    };
    return has.n > 0
      ? (raw().prepare("select idx, stat from sqlite_stat1 where tbl = 'visits' order by idx").all() as {
          idx: string;
          stat: string;
        }[])
      : [];
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'leadloop-stats-'));
    database = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'stats.sqlite') });
    raw().exec('create table visits (id integer primary key, page text not null, at integer not null)');
    raw().exec('create index visits_page on visits (page)');
    const insert = raw().prepare('insert into visits (page, at) values (?, ?)');
    raw().transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`/page/${i % 40}`, i);
    })();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('does nothing inside a transaction or while a statement is being read', () => {
    assert.deepEqual(stats(), []);
    raw().exec('begin');
    assert.equal(refreshStatistics(raw()), false);
    raw().exec('rollback');
    const reading = raw().prepare('select id from visits').iterate();
    reading.next();
    assert.equal(refreshStatistics(raw()), false);
    reading.return?.();
    assert.deepEqual(stats(), []);
  });

  it('analyzes a table that never was, and leaves the sampling limit as it was', () => {
    assert.equal(refreshStatistics(raw()), true);
    const rows = stats();
    assert.deepEqual(
      rows.map((r) => r.idx),
      ['visits_page'],
    );
    // 5,000 rows, about 125 per page.
    const [count, perPage] = rows[0]!.stat.split(' ').map(Number);
    assert.equal(count, 5000);
    assert.ok(perPage! > 50 && perPage! < 300, rows[0]!.stat);
    assert.equal(raw().pragma('analysis_limit', { simple: true }), 0);
  });

  it('keeps the samples of indexes with repeated values and drops those of unique indexes', () => {
    raw().exec('create table tags (id text primary key, name text not null unique, kind text not null)');
    raw().exec('create index tags_kind on tags (kind)');
    const insert = raw().prepare('insert into tags (id, name, kind) values (?, ?, ?)');
    raw().transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`t${i}`, `name ${i}`, i % 50 === 0 ? 'rare' : 'common');
    })();
    raw().exec('analyze tags');
    const sampled = () =>
      (
        raw().prepare("select distinct idx from sqlite_stat4 where tbl = 'tags' order by idx").all() as {
          idx: string;
        }[]
      ).map((r) => r.idx);
    // ANALYZE samples all three: the primary key's and the name's unique indexes, and the kind's.
    assert.equal(sampled().length, 3);
    dropUniqueIndexSamples(raw());
    assert.deepEqual(sampled(), ['tags_kind']);
    // The averages stay for every index.
    const averaged = raw().prepare("select count(*) n from sqlite_stat1 where tbl = 'tags'").get() as {
      n: number;
    };
    assert.equal(averaged.n, 3);
    // A lookup by a unique column still takes its index.
    const plan = raw().prepare('explain query plan select * from tags where name = ?');
    assert.match((plan.get('name 7') as { detail: string }).detail, /USING INDEX sqlite_autoindex_tags_2/);
  });

  it('does nothing once the database is closed', async () => {
    const r = raw();
    await database.close();
    assert.equal(refreshStatistics(r), false);
  });
});
