import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import { createManualClock } from '../../platform/clock.ts';
import { testConfig } from '../../test-support/app.ts';
import { createTestDatabase } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';

const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('tracking rate limit', () => {
  let app: FastifyInstance;
  let cleanup: () => Promise<void>;
  before(async () => {
    const tdb = await createTestDatabase('sqlite');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-data-'));
    app = await buildApp(testConfig({ dataDir, trackRateLimit: 3 }), {
      database: tdb,
      clock: createManualClock(Date.UTC(2026, 10, 22, 9)),
      logger: testLogger,
    });
    await app.ready();
    cleanup = async () => {
      await app.close();
      await tdb.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    };
  });
  after(async () => cleanup());

  const send = (remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/public/track',
      payload: JSON.stringify({
        visitorId: 'vratelimit0001',
        events: [{ type: 'page', page: { url: 'https://www.example.com/' } }],
      }),
      headers: { 'content-type': 'text/plain', 'user-agent': browser },
      remoteAddress,
    });

  it('answers a flood from one address with 429 and Retry-After, and stores none of it', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await send('10.1.1.1')).statusCode);
    assert.deepEqual(codes, [202, 202, 202, 429, 429, 429]);
    const limited = await send('10.1.1.1');
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(limited.headers['ratelimit-limit'], '3');
    // Another address is not affected.
    assert.equal((await send('10.1.1.2')).statusCode, 202);
    const stored = await app.runtime.database.db
      .selectFrom('visitor_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), 4);
  });

  it('is off with LEADLOOP_TRACK_RATE_LIMIT=0', async () => {
    const tdb = await createTestDatabase('sqlite');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-data-'));
    const open = await buildApp(testConfig({ dataDir, trackRateLimit: 0 }), {
      database: tdb,
      logger: testLogger,
    });
    try {
      for (let i = 0; i < 20; i++) {
        const r = await open.inject({
          method: 'POST',
          url: '/api/v1/public/track',
          payload: {
            visitorId: 'vratelimit0002',
            events: [{ type: 'page', page: { url: 'https://x.example/' } }],
          },
          headers: { 'user-agent': browser },
          remoteAddress: '10.2.2.2',
        });
        assert.equal(r.statusCode, 202);
      }
    } finally {
      await open.close();
      await tdb.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
