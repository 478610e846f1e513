/**
 * Generated input against the ingest endpoint: whatever arrives, never a 5xx, and a batch is stored
 * whole or not at all. The validator alone gets many more runs (it must never throw).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { parseBatch } from './tracking.validate.ts';

const browser =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

const visitorIds = fc.oneof(
  fc.constantFrom('vfuzz00000001', 'vfuzz00000002', 'vfuzz00000003'),
  fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
  fc.string({ maxLength: 80 }),
  fc.anything(),
);
const urls = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://www.example.com/',
    'https://www.example.com/a\u0000b',
    'javascript:alert(1)',
    'ftp://x/y',
    '/relative',
    '',
  ),
  fc.string({ maxLength: 50 }),
);
const at = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: -1e15, max: 1e15 }),
  fc.double(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 30 }),
);
const strings = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 300 }), fc.anything());
const page = fc.record(
  {
    url: urls,
    path: fc.oneof(fc.constant('/'), fc.string({ maxLength: 20 })),
    title: strings,
    referrer: urls,
  },
  { requiredKeys: ['url'] },
);
const utm = fc.dictionary(
  fc.constantFrom('source', 'medium', 'campaign', 'term', 'content', 'other'),
  fc.oneof(fc.string({ maxLength: 30 }), fc.integer()),
);
const events = fc.oneof(
  fc.record({
    type: fc.constant('page'),
    at,
    page,
    utm: fc.option(utm, { nil: undefined }),
    landing: fc.boolean(),
  }),
  fc.record(
    {
      type: fc.constant('event'),
      at,
      name: fc.oneof(fc.string({ maxLength: 120 }), fc.anything()),
      props: fc.oneof(fc.constant(undefined), fc.object({ maxDepth: 2 }), fc.anything()),
      page: fc.option(page, { nil: undefined }),
    },
    { requiredKeys: ['type', 'name'] },
  ),
  fc.record({
    type: fc.constant('identify'),
    at,
    traits: fc.oneof(
      fc.record({
        email: fc.oneof(
          fc.constantFrom('fuzz.a@example.com', 'fuzz.b@example.com'),
          fc.emailAddress(),
          fc.string(),
        ),
        firstName: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        companySize: fc.option(fc.oneof(fc.integer(), fc.double()), { nil: undefined }),
      }),
      fc.anything(),
    ),
  }),
  fc.anything(),
);
// Well-formed events, so that generated batches are often accepted too.
const day = 86_400_000;
const goodAt = fc.option(fc.integer({ min: Date.UTC(2026, 10, 20), max: Date.UTC(2026, 10, 23) }), {
  nil: undefined,
});
const goodPage = fc.record({
  url: fc.webUrl({ withQueryParameters: true }),
  title: fc.string({ maxLength: 40 }),
  referrer: fc.oneof(fc.constant(''), fc.webUrl()),
});
const goodEvents = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('page'),
      at: goodAt,
      page: goodPage,
      utm: fc.option(
        fc.record(
          { source: fc.string({ maxLength: 30 }), campaign: fc.string({ maxLength: 30 }) },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      landing: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('event'),
      at: goodAt,
      name: fc.string({ minLength: 1, maxLength: 30 }).filter((x) => x.trim() !== ''),
      props: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }),
      page: goodPage,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('identify'),
      traits: fc.record(
        {
          email: fc.constantFrom('fuzz.a@example.com', 'fuzz.b@example.com', 'fuzz.c@example.com'),
          firstName: fc.string({ minLength: 1, maxLength: 20 }),
        },
        { requiredKeys: ['email'] },
      ),
    }),
  },
);
const goodVisitors = fc.constantFrom('vfuzz00000001', 'vfuzz00000002', 'vfuzz00000003', 'vfuzz00000004');
const goodBatches = fc.record({
  visitorId: goodVisitors,
  events: fc.array(goodEvents, { minLength: 1, maxLength: 20 }),
  sentAt: fc.option(fc.integer({ min: Date.UTC(2026, 10, 22) - day, max: Date.UTC(2026, 10, 22) + day }), {
    nil: undefined,
  }),
});
// One bad event spoils a batch: it must then store nothing at all.
const spoiled = fc.tuple(goodBatches, events, fc.nat()).map(([b, bad, i]) => ({
  ...b,
  events: [
    ...b.events.slice(0, i % (b.events.length + 1)),
    bad,
    ...b.events.slice(i % (b.events.length + 1)),
  ] as unknown[],
}));

const batches = fc.oneof(
  { weight: 6, arbitrary: goodBatches },
  { weight: 3, arbitrary: spoiled },
  { weight: 3, arbitrary: fc.record({ visitorId: visitorIds, events: fc.array(events, { maxLength: 12 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ visitorId: visitorIds, events: fc.array(events, { maxLength: 120 }), sentAt: at }),
  },
  { weight: 1, arbitrary: fc.anything() },
);
const bodies = fc.oneof(
  { weight: 8, arbitrary: batches.map((b) => JSON.stringify(b) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

describe('tracking batch validator', () => {
  it('never throws, and what it accepts is clean', () => {
    fc.assert(
      fc.property(batches, (raw) => {
        const r = parseBatch(raw, Date.UTC(2026, 10, 22));
        if (!r.ok) return assert.ok(r.details.length > 0 && r.details.length <= 50);
        assert.ok(r.batch.events.length >= 1 && r.batch.events.length <= 100);
        for (const e of r.batch.events) {
          assert.ok(e.at <= Date.UTC(2026, 10, 22) && e.at >= Date.UTC(2026, 10, 21));
          if (e.type === 'page') assert.match(e.page.url, /^https?:\/\//);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

for (const dialect of testDialects) {
  describe(`tracking ingest fuzz (${dialect})`, () => {
    let t: TestApp;
    let ip = 0;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    const stored = async () => {
      const db = t.runtime.database.db;
      const anon = await db
        .selectFrom('visitor_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const tracked = await db
        .selectFrom('touchpoints')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('source', '=', 'tracking')
        .where('type', 'in', ['page_viewed', 'event'])
        .executeTakeFirstOrThrow();
      const leads = await db
        .selectFrom('leads')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return { events: Number(anon.n) + Number(tracked.n), leads: Number(leads.n) };
    };

    it('never answers 5xx, and stores a batch whole or not at all', async () => {
      await fc.assert(
        fc.asyncProperty(
          bodies,
          fc.constantFrom('text/plain;charset=UTF-8', 'application/json'),
          async (body, type) => {
            const before = await stored();
            const res = await t.request({
              method: 'POST',
              url: '/api/v1/public/track',
              payload: body,
              headers: { 'content-type': type, 'user-agent': browser },
              remoteAddress: `10.77.${Math.floor(ip / 250) % 250}.${(ip++ % 250) + 1}`,
            });
            assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
            const now = await stored();
            if (res.statusCode !== 202) {
              assert.equal(res.statusCode, 400, res.body);
              assert.ok(res.json().error.code);
              assert.deepEqual(now, before, 'a refused batch stores nothing');
              return;
            }
            const sent = JSON.parse(body) as { events: { type: string }[] };
            const tracked = sent.events.filter((e) => e.type !== 'identify').length;
            const { accepted, dropped } = res.json();
            assert.equal(accepted + dropped, sent.events.length);
            assert.equal(now.events - before.events, tracked, 'every page view and event stored once');
          },
        ),
        { numRuns: dialect === 'sqlite' ? 250 : 120 },
      );
    });
  });
}
