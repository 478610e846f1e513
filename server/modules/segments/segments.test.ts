/**
 * Segments through the API on every dialect: dynamic membership follows events in the same
 * transaction (lead changes, touchpoints), time windows are re-checked by the recurring job,
 * static lists are kept by hand, and both filter the lead list and export.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Filter } from '../../../contracts/filters.ts';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const day = 86_400_000;

for (const dialect of testDialects) {
  describe(`segments (${dialect})`, () => {
    let t: TestApp;
    let marketer: Caller;
    let rep: Caller;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = await t.signIn('marketing');
      rep = await t.signIn('sales_rep');
    });
    after(async () => t.close());

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
      caller = marketer,
    ) =>
      t.request({
        method,
        url,
        headers: caller.headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const drain = () => t.runtime.createJobWorker({ concurrency: 1 }).drain();

    async function lead(email: string, extra: Record<string, unknown> = {}): Promise<string> {
      const res = await call('POST', '/api/v1/leads', { email, ...extra });
      assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
      return res.json().id;
    }

    async function view(leadId: string, path: string, at: number) {
      await t.runtime.database.db.transaction().execute((tx) =>
        t.runtime.api.leads.recordTouchpoints(tx, [
          {
            leadId,
            type: 'page_viewed',
            occurredAt: at,
            source: 'tracking',
            properties: { page: { url: `https://x.example${path}`, path } },
          },
        ]),
      );
    }

    async function members(segmentId: string): Promise<string[]> {
      const res = await call('GET', `/api/v1/leads?segment=${segmentId}&limit=200&sort=email`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data.map((l: { email: string }) => l.email);
    }

    async function recorded(segmentId: string): Promise<number> {
      return (await call('GET', `/api/v1/segments/${segmentId}`)).json().memberCount;
    }

    const hot: Filter = {
      all: [
        {
          any: [
            { field: 'country', op: 'eq', value: 'de' },
            { company: { field: 'employees', op: 'gte', value: 500 } },
          ],
        },
        {
          behavior: {
            type: 'page_viewed',
            where: [{ path: 'page.path', op: 'matches', value: '/pricing*' }],
            count: { op: 'gte', value: 2 },
            withinDays: 30,
          },
        },
      ],
    };

    it('keeps a dynamic segment current as events arrive, and as time passes', async () => {
      const now = t.clock.now();
      const anna = await lead('anna@berlin.example', { country: 'DE' });
      const bob = await lead('bob@paris.example', { country: 'FR' });
      await view(anna, '/pricing', now - 2 * day);
      await view(anna, '/Pricing/plans', now - day);
      await view(bob, '/pricing', now - day);

      const created = await call('POST', '/api/v1/segments', {
        name: 'Hot in DACH',
        kind: 'dynamic',
        filter: hot,
      });
      assert.equal(created.statusCode, 201, created.body);
      const seg = created.json();
      assert.equal(seg.timeWindow, true);
      // Counted live before the background fill, recorded after it.
      assert.deepEqual((await call('GET', `/api/v1/segments/${seg.id}/count`)).json(), {
        count: 1,
        recorded: 0,
      });
      await drain();
      assert.equal(await recorded(seg.id), 1);
      assert.deepEqual(await members(seg.id), ['anna@berlin.example']);

      // Bob moves to Germany: he has one pricing view, not two, so he stays out…
      await call('PATCH', `/api/v1/leads/${bob}`, { country: 'de' });
      assert.equal(await recorded(seg.id), 1);
      // …until his second pricing view arrives, which puts him in within the same transaction.
      await view(bob, '/pricing', now);
      assert.equal(await recorded(seg.id), 2);
      // Anna leaves for France: out at once.
      await call('PATCH', `/api/v1/leads/${anna}`, { country: 'FR' });
      assert.equal(await recorded(seg.id), 1);
      assert.deepEqual(await members(seg.id), ['bob@paris.example']);

      const history = (await call('GET', `/api/v1/segments/${seg.id}/history`)).json().data;
      assert.deepEqual(
        history.map((h: { change: string; reason: string; lead: { email: string } }) => [
          h.lead.email,
          h.change,
          h.reason,
        ]),
        [
          ['anna@berlin.example', 'left', 'event'],
          ['bob@paris.example', 'entered', 'event'],
          ['anna@berlin.example', 'entered', 'refresh'],
        ],
      );

      // Thirty days on, Bob's first view has aged out of the window: no event, so the hourly
      // re-check of time-window segments takes him out.
      t.clock.advance(30 * day - 3600_000);
      marketer = await t.signIn('marketing'); // sessions do not last a month
      rep = await t.signIn('sales_rep');
      assert.equal((await call('GET', `/api/v1/segments/${seg.id}/count`)).json().count, 0);
      assert.equal(await recorded(seg.id), 1);
      assert.equal(await t.runtime.api.segments.recheckTimeWindows(), 1);
      assert.equal(await recorded(seg.id), 0);
      assert.equal(
        (await call('GET', `/api/v1/segments/${seg.id}/history?limit=1`)).json().data[0].reason,
        'refresh',
      );
    });

    it('filters the lead list, its count and its export by a filter or a segment', async () => {
      await lead('carla@wien.example', { country: 'AT', jobTitle: 'CTO', companySize: 800 });
      const filter = JSON.stringify({
        all: [
          { field: 'jobTitle', op: 'in', value: ['cto', 'CEO'] },
          { field: 'companySize', op: 'gt', value: 500 },
        ],
      });
      const list = await call('GET', `/api/v1/leads?filter=${encodeURIComponent(filter)}&country=at`);
      assert.deepEqual(
        list.json().data.map((l: { email: string }) => l.email),
        ['carla@wien.example'],
      );
      const count = await call('GET', `/api/v1/leads/count?filter=${encodeURIComponent(filter)}`);
      assert.deepEqual(count.json(), { count: 1 });
      const csv = await call('GET', `/api/v1/leads/export.csv?filter=${encodeURIComponent(filter)}`);
      assert.equal(csv.statusCode, 200);
      assert.match(csv.body, /carla@wien\.example/);
      assert.doesNotMatch(csv.body, /anna@/);
    });

    it('refuses bad filters with the path and rule, and unknown segments', async () => {
      const bad = JSON.stringify({
        all: [
          { field: 'country', op: 'eq', value: 'DE' },
          { field: 'salary', op: 'gt', value: 1 },
        ],
      });
      const res = await call('GET', `/api/v1/leads?filter=${encodeURIComponent(bad)}`);
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json().error.details[0], {
        field: 'filter.all[1].field',
        rule: 'known',
        message: '"salary" is not a field you can filter on',
      });
      const notJson = await call('GET', '/api/v1/leads/count?filter=%7Bnope');
      assert.equal(notJson.statusCode, 400);
      assert.equal(notJson.json().error.details[0].rule, 'json');
      const created = await call('POST', '/api/v1/segments', {
        name: 'x',
        kind: 'dynamic',
        filter: { field: 'createdAt', op: 'eq', value: 1 },
      });
      assert.equal(created.statusCode, 400);
      assert.equal(created.json().error.details[0].field, 'filter.op');
      const missing = await call('POST', '/api/v1/segments', { name: 'x', kind: 'dynamic' });
      assert.equal(missing.statusCode, 400);
      const unknown = await call('GET', '/api/v1/leads?segment=seg_nope');
      assert.equal(unknown.statusCode, 400);
      assert.equal(unknown.json().error.details[0].field, 'segment');
      assert.equal((await call('GET', '/api/v1/segments/seg_nope')).statusCode, 404);
      assert.equal(
        (await t.runtime.database.db.selectFrom('segments').select('id').where('name', '=', 'x').execute())
          .length,
        0,
      );
    });

    it('keeps static lists by hand, and they filter and export like any segment', async () => {
      // The rep's own leads: a rep lists only leads they see (docs/permissions.md).
      const dora = await lead('dora@list.example', { ownerId: rep.userId });
      const emil = await lead('emil@list.example', { ownerId: rep.userId });
      const stranger = await lead('fred@not-listed.example');
      const created = await call('POST', '/api/v1/segments', { name: 'Webinar guests', kind: 'static' }, rep);
      assert.equal(created.statusCode, 201, created.body);
      const seg = created.json();
      const add = await call(
        'POST',
        `/api/v1/segments/${seg.id}/members`,
        { leadIds: [dora, emil, dora, 'lead_missing', stranger] },
        rep,
      );
      // A lead the rep does not see is skipped like one that does not exist.
      assert.deepEqual(add.json(), { added: 2, skipped: ['lead_missing', stranger] });
      assert.deepEqual(await members(seg.id), ['dora@list.example', 'emil@list.example']);
      const again = await call('POST', `/api/v1/segments/${seg.id}/members`, { leadIds: [dora] }, rep);
      assert.deepEqual(again.json(), { added: 0, skipped: [] });
      const removed = await call(
        'POST',
        `/api/v1/segments/${seg.id}/members/remove`,
        { leadIds: [emil] },
        rep,
      );
      assert.deepEqual(removed.json(), { removed: 1 });
      assert.deepEqual(await members(seg.id), ['dora@list.example']);
      assert.deepEqual((await call('GET', `/api/v1/segments/${seg.id}/count`)).json(), {
        count: 1,
        recorded: 1,
      });
      const csv = await call('GET', `/api/v1/segments/${seg.id}/export.csv`);
      assert.equal(csv.statusCode, 200);
      assert.match(csv.headers['content-type'] as string, /text\/csv/);
      assert.match(csv.body, /dora@list\.example/);
      assert.doesNotMatch(csv.body, /emil@list\.example/);

      const list = (await call('GET', '/api/v1/segments')).json().data;
      const mine = list.find((s: { id: string }) => s.id === seg.id);
      assert.equal(mine.memberCount, 1);
      // Dynamic segments follow their filter: adding by hand is refused.
      const dynamic = list.find((s: { kind: string }) => s.kind === 'dynamic');
      const refused = await call('POST', `/api/v1/segments/${dynamic.id}/members`, { leadIds: [dora] });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().error.code, 'SEGMENT_NOT_STATIC');
      // Sales reps may not delete; marketing may.
      assert.equal((await call('DELETE', `/api/v1/segments/${seg.id}`, undefined, rep)).statusCode, 403);
      assert.equal((await call('DELETE', `/api/v1/segments/${seg.id}`)).statusCode, 204);
      assert.equal((await call('GET', `/api/v1/segments/${seg.id}`)).statusCode, 404);
    });

    it('moves membership with touchpoints when leads merge', async () => {
      const created = await call('POST', '/api/v1/segments', {
        name: 'Saw the docs',
        kind: 'dynamic',
        filter: {
          behavior: { type: 'page_viewed', where: [{ path: 'page.path', op: 'startsWith', value: '/docs' }] },
        },
      });
      const seg = created.json();
      await drain();
      const survivor = await lead('merge-a@merge.example');
      const merged = await lead('merge-b@merge.example');
      await view(merged, '/docs/setup', t.clock.now());
      assert.deepEqual(await members(seg.id), ['merge-b@merge.example']);
      const res = await call('POST', `/api/v1/leads/${survivor}/merge`, { mergedId: merged });
      assert.equal(res.statusCode, 200, res.body);
      // The touchpoint moved to the survivor, which entered; the merged lead left, in that transaction.
      assert.deepEqual(await members(seg.id), ['merge-a@merge.example']);
      assert.equal(await recorded(seg.id), 1);
      const history = (await call('GET', `/api/v1/segments/${seg.id}/history?limit=2`)).json().data;
      assert.deepEqual(
        history
          .map((h: { leadId: string; change: string; reason: string }) => [h.leadId, h.change, h.reason])
          .sort(),
        [
          [merged, 'left', 'event'],
          [survivor, 'entered', 'event'],
        ].sort(),
      );
    });

    it('rebuilds members when a filter changes, and tells listeners in the same transaction', async () => {
      const seen: string[] = [];
      t.runtime.api.segments.onMembershipChanged(async (_tx, changes) => {
        for (const c of changes) seen.push(`${c.change}:${c.reason}`);
      });
      const created = await call('POST', '/api/v1/segments', {
        name: 'Austria',
        kind: 'dynamic',
        filter: { field: 'country', op: 'eq', value: 'AT' },
      });
      const seg = created.json();
      assert.equal(seg.timeWindow, false);
      await drain();
      assert.deepEqual(await members(seg.id), ['carla@wien.example']);
      const patched = await call('PATCH', `/api/v1/segments/${seg.id}`, {
        filter: { field: 'email', op: 'matches', value: '*@list.example' },
      });
      assert.equal(patched.statusCode, 200);
      await drain();
      assert.deepEqual(await members(seg.id), ['dora@list.example', 'emil@list.example']);
      assert.equal(await recorded(seg.id), 2);
      assert.deepEqual(seen.sort(), [
        'entered:refresh',
        'entered:refresh',
        'entered:refresh',
        'left:refresh',
      ]);
    });
  });
}
