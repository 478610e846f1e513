/**
 * Scoring through the API on every dialect: the seeded model scores leads as they are created,
 * change and engage (in the same transaction), explains the score, decays it from event times,
 * lets lifecycle promote to MQL, refuses bad models naming the path, and backtests and publishes
 * a draft with a background rescore.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ScoringDefinition } from '../../../contracts/scoring.ts';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const day = 86_400_000;

const model: ScoringDefinition = {
  fit: {
    rules: [
      { id: 'big', name: 'Big company', filter: { field: 'companySize', op: 'gte', value: 200 }, points: 30 },
      { id: 'sw', name: 'Software', filter: { field: 'industry', op: 'eq', value: 'Software' }, points: 20 },
      {
        id: 'gmail',
        name: 'Free mail',
        filter: { field: 'email', op: 'contains', value: 'gmail' },
        points: -10,
      },
    ],
    grades: { A: 50, B: 30, C: 10 },
  },
  engagement: {
    rules: [
      {
        id: 'demo',
        name: 'Demo',
        behavior: { type: 'form_submitted', where: [{ path: 'form', op: 'eq', value: 'demo-request' }] },
        points: 40,
        repeatable: false,
        decay: { kind: 'halfLife', days: 10 },
      },
      {
        id: 'views',
        name: 'Views',
        behavior: { type: 'page_viewed' },
        points: 5,
        repeatable: true,
        cap: 15,
        group: 'web',
        decay: { kind: 'window', days: 7 },
      },
      {
        id: 'pricing',
        name: 'Pricing',
        behavior: { type: 'page_viewed', where: [{ path: 'path', op: 'startsWith', value: '/pricing' }] },
        points: 10,
        repeatable: true,
        group: 'web',
        decay: { kind: 'none' },
      },
      {
        id: 'unsub',
        name: 'Unsubscribed',
        behavior: { type: 'event', where: [{ path: 'name', op: 'eq', value: 'unsubscribed' }] },
        points: -20,
        repeatable: false,
        decay: { kind: 'none' },
      },
    ],
    groups: [{ name: 'web', cap: 25 }],
  },
};

for (const dialect of testDialects) {
  describe(`scoring (${dialect})`, () => {
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
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
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
    async function touch(
      leadId: string,
      type: string,
      properties: Record<string, unknown>,
      at = t.clock.now(),
    ) {
      await t.runtime.database.db
        .transaction()
        .execute((tx) =>
          t.runtime.api.leads.recordTouchpoints(tx, [
            { leadId, type, occurredAt: at, source: 'tracking', properties },
          ]),
        );
    }
    const leadView = async (id: string) => (await call('GET', `/api/v1/leads/${id}`)).json();

    it('starts with a published default model (v1)', async () => {
      const res = await call('GET', '/api/v1/scoring/models', undefined, rep);
      assert.equal(res.statusCode, 200, res.body);
      const [v1] = res.json().data;
      assert.equal(v1.version, 1);
      assert.equal(v1.status, 'published');
      assert.ok(v1.fitRules > 0 && v1.engagementRules > 0);
    });

    it('scores a lead under the seeded model as it is created and engages, and lifecycle makes it MQL', async () => {
      const id = await lead('vp@acme.example', {
        companySize: 800,
        industry: 'Software',
        jobTitle: 'VP of Sales',
      });
      let l = await leadView(id);
      // Seed: 200–5,000 people (20) + software (15) + senior (15) = 50 → grade A.
      assert.deepEqual(l.score, { fit: 50, engagement: 0, total: 50, grade: 'A' });
      assert.equal(l.lifecycleStage, 'lead');
      await touch(id, 'form_submitted', { form: 'demo-request' });
      l = await leadView(id);
      assert.deepEqual(l.score, { fit: 50, engagement: 40, total: 90, grade: 'A' });
      assert.equal(l.lifecycleStage, 'mql', 'total 90 ≥ 60 and grade A ≥ B');
      const b = (await call('GET', `/api/v1/leads/${id}/score`)).json();
      assert.equal(b.version, 1);
      assert.deepEqual(
        b.rules.map((r: { ruleId: string; counted: number }) => [r.ruleId, r.counted]),
        [
          ['size-sweet-spot', 20],
          ['industry', 15],
          ['senior', 15],
          ['demo-request', 40],
        ],
      );
      const h = (await call('GET', `/api/v1/leads/${id}/score/history`)).json().data;
      assert.deepEqual(
        h.map((e: { total: number }) => e.total),
        [50, 90],
      );
    });

    it('refuses a bad model with a 400 naming the path, and writes nothing', async () => {
      const bad = (mutate: (d: ScoringDefinition) => void) => {
        const d = structuredClone(model);
        mutate(d);
        return call('PUT', '/api/v1/scoring/draft', { definition: d });
      };
      const cases: [(d: ScoringDefinition) => void, string][] = [
        [
          (d) => {
            d.fit.rules[0]!.filter = { field: 'shoeSize', op: 'eq', value: 1 };
          },
          'definition.fit.rules[0].filter.field',
        ],
        [
          (d) => {
            d.fit.rules[0]!.filter = { field: 'companySize', op: 'contains', value: 'x' };
          },
          'definition.fit.rules[0].filter.op',
        ],
        [
          (d) => {
            d.fit.rules[0]!.filter = { behavior: { type: 'page_viewed' } };
          },
          'definition.fit.rules[0].filter',
        ],
        [
          (d) => {
            d.engagement.rules[0]!.decay = { kind: 'halfLife', days: 0 };
          },
          'definition.engagement.rules.0.decay',
        ],
        [
          (d) => {
            d.engagement.rules[1]!.cap = 0;
          },
          'definition.engagement.rules.1.cap',
        ],
        [
          (d) => {
            d.engagement.rules[0]!.points = 1e9;
          },
          'definition.engagement.rules.0.points',
        ],
        [
          (d) => {
            d.engagement.rules[1]!.group = 'nope';
          },
          'definition.engagement.rules[1].group',
        ],
        [
          (d) => {
            d.fit.grades.B = 60;
          },
          'definition.fit.grades.B',
        ],
        [
          (d) => {
            d.engagement.rules[2]!.id = 'demo';
          },
          'definition.engagement.rules[2].id',
        ],
        [
          (d) => {
            d.engagement.rules[0]!.behavior.where = [{ path: 'form', op: 'between', value: 'x' }];
          },
          'definition.engagement.rules[0].behavior.where[0].value',
        ],
      ];
      for (const [mutate, field] of cases) {
        const res = await bad(mutate);
        assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
        const fields = res.json().error.details.map((d: { field: string }) => d.field);
        assert.ok(
          fields.some((f: string) => f.startsWith(field)),
          `expected ${field} in ${JSON.stringify(fields)}`,
        );
      }
      const d = (await call('GET', '/api/v1/scoring/draft')).json();
      assert.equal(d.saved, false, 'no draft was written');
      assert.equal((await call('PUT', '/api/v1/scoring/draft', { definition: model }, rep)).statusCode, 403);
    });

    it('saves a draft, previews it on a lead, backtests and publishes it with a background rescore', async () => {
      const a = await lead('a@big.example', { companySize: 500, industry: 'Software' });
      const b = await lead('b@gmail.example');
      const saved = await call('PUT', '/api/v1/scoring/draft', { definition: model, note: 'test model' });
      assert.equal(saved.statusCode, 200, saved.body);
      assert.equal(saved.json().version, 2);
      assert.equal(saved.json().status, 'draft');

      await touch(a, 'page_viewed', { path: '/pricing' });
      const p = (await call('POST', '/api/v1/scoring/preview', { leadId: a })).json();
      // Fit 30 + 20; web group: views 5 + pricing 10 = 15.
      assert.deepEqual([p.fit, p.engagement, p.total, p.grade, p.version], [50, 15, 65, 'A', 2]);
      const unsaved = structuredClone(model);
      unsaved.fit.rules[0]!.points = 1;
      const p2 = (await call('POST', '/api/v1/scoring/preview', { leadId: a, definition: unsaved })).json();
      assert.equal(p2.fit, 21);

      const bt = await call('POST', '/api/v1/scoring/draft/backtest');
      assert.equal(bt.statusCode, 200, bt.body);
      const r = bt.json();
      assert.equal(r.leads, 3);
      assert.equal(r.policy.minTotal, 60);
      // Draft: the VP (50 + 40) and a (50 + 15) qualify; v1: only the VP (a has 35 + 9).
      assert.equal(r.draft.mql, 2);
      assert.equal(r.draft.grades.A + r.draft.grades.B + r.draft.grades.C + r.draft.grades.D, 3);
      assert.equal(r.published.version, 1);
      assert.equal(r.published.mql, 1, 'the VP with a demo request');
      assert.equal(
        r.draft.histogram.reduce((x: number, y: number) => x + y, 0),
        3,
      );
      assert.equal((await call('GET', '/api/v1/scoring/draft')).json().backtest.draft.mql, 2);

      const pub = await call('POST', '/api/v1/scoring/draft/publish');
      assert.equal(pub.statusCode, 202, pub.body);
      assert.equal(pub.json().rescore.total, 3);
      assert.equal(pub.json().rescore.finishedAt, null);
      await drain();
      const list = (await call('GET', '/api/v1/scoring/models')).json().data;
      assert.deepEqual(
        list.map((m: { version: number; status: string }) => [m.version, m.status]),
        [
          [2, 'published'],
          [1, 'retired'],
        ],
      );
      assert.equal(list[0].rescore.done, 3);
      assert.ok(list[0].rescore.finishedAt);
      assert.deepEqual((await leadView(a)).score, { fit: 50, engagement: 15, total: 65, grade: 'A' });
      assert.deepEqual((await leadView(b)).score, { fit: -10, engagement: 0, total: -10, grade: 'D' });
      assert.equal((await leadView(a)).lifecycleStage, 'mql');
      assert.equal((await call('POST', '/api/v1/scoring/draft/publish')).statusCode, 409);
      assert.equal(
        (await call('POST', '/api/v1/scoring/draft/backtest')).json().error.code,
        'SCORING_NO_DRAFT',
      );
    });

    it('keeps caps, negative points and decay from event times (no rewrite needed)', async () => {
      const id = await lead('c@gmail.example');
      assert.deepEqual((await leadView(id)).score, { fit: -10, engagement: 0, total: -10, grade: 'D' });
      for (let i = 0; i < 5; i++) await touch(id, 'page_viewed', { path: '/blog' });
      // 5 × 5 = 25, capped at 15 by the rule.
      assert.equal((await leadView(id)).score.engagement, 15);
      await touch(id, 'page_viewed', { path: '/pricing/teams' });
      // views min(30, 15) + pricing 10 = 25 → group cap 25.
      assert.equal((await leadView(id)).score.engagement, 25);
      await touch(id, 'event', { name: 'unsubscribed' });
      assert.equal((await leadView(id)).score.engagement, 5);
      await touch(id, 'form_submitted', { form: 'demo-request' });
      assert.equal((await leadView(id)).score.engagement, 45);
      t.clock.advance(10 * day);
      marketer = await t.signIn('marketing'); // the session expired meanwhile
      const b = (await call('GET', `/api/v1/leads/${id}/score`)).json();
      const demo = b.rules.find((r: { ruleId: string }) => r.ruleId === 'demo');
      assert.equal(demo.points, 40);
      assert.equal(demo.decayed, 20, 'one half-life later');
      // Views fell out of their 7-day window; pricing stays 10; demo 20; unsub −20.
      assert.equal(b.engagement, 10);
      assert.equal(b.stored.engagement, 45, 'the stored score is as of its last change');
      const views = b.rules.find((r: { ruleId: string }) => r.ruleId === 'views');
      assert.equal(views.counted, 0);
      // The next event brings the stored score up to date.
      await touch(id, 'event', { name: 'other' });
      await touch(id, 'form_submitted', { form: 'demo-request' });
      assert.equal(
        (await leadView(id)).score.engagement,
        30,
        'once: only the latest demo request counts (40)',
      );
    });

    it('re-evaluates fit when a lead field changes', async () => {
      const id = await lead('d@corp.example', { companySize: 20 });
      assert.equal((await leadView(id)).score.fit, 0);
      const res = await call('PATCH', `/api/v1/leads/${id}`, { companySize: 300, industry: 'Software' });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual((await leadView(id)).score, { fit: 50, engagement: 0, total: 50, grade: 'A' });
      const h = (await call('GET', `/api/v1/leads/${id}/score/history`)).json().data;
      assert.deepEqual(
        h.map((e: { fit: number }) => e.fit),
        [0, 50],
      );
      assert.equal((await call('GET', '/api/v1/leads/nope/score')).statusCode, 404);
    });
  });
}
