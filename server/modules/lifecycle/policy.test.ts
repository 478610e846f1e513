/**
 * The qualification policy: drafts, proposals, approval by one marketing user and one sales manager,
 * admin override; and MQL evaluation under it (hand-raise touchpoints, scores), with its events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPolicy, type PolicyDefinition } from '../../../contracts/lifecycle.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

for (const dialect of testDialects) {
  describe(`qualification policy (${dialect})`, () => {
    let t: TestApp;
    let admin: Record<string, string>;
    let marketer: Record<string, string>;
    let marketer2: Record<string, string>;
    let manager: Record<string, string>;
    let rep: Record<string, string>;
    let key: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      admin = (await t.signIn('admin')).headers;
      marketer = (await t.signIn('marketing')).headers;
      marketer2 = (await t.signIn('marketing')).headers;
      manager = (await t.signIn('sales_manager')).headers;
      rep = (await t.signIn('sales_rep')).headers;
      key = (await t.apiKey(['leads:write', 'leads:read'])).headers;
    });
    after(async () => t.close());

    const call = (
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      headers: Record<string, string>,
      payload?: object,
    ) => t.request({ method, url, headers, ...(payload ? { payload } : {}) });
    const active = async () => (await call('GET', '/api/v1/policy', rep)).json();

    it('starts with the seeded version 1, active without approvals', async () => {
      const p = await active();
      assert.equal(p.version, 1);
      assert.equal(p.status, 'active');
      assert.deepEqual(p.approvals, []);
      assert.deepEqual(p.definition, defaultPolicy);
    });

    it('becomes active only once marketing and a sales manager have both approved', async () => {
      const changed: PolicyDefinition = {
        ...defaultPolicy,
        mql: { ...defaultPolicy.mql, score: { minTotal: 40, minGrade: 'C' } },
      };
      let res = await call('POST', '/api/v1/policy/draft', marketer, { note: 'lower the bar' });
      assert.equal(res.statusCode, 201, res.body);
      const version = res.json().version;
      assert.equal(version, 2);
      assert.equal(
        (await call('POST', '/api/v1/policy/draft', manager, {})).json().error.code,
        'POLICY_DRAFT_EXISTS',
      );
      res = await call('PUT', '/api/v1/policy/draft', manager, { definition: changed });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().definition.mql.score.minTotal, 40);
      // A draft cannot be approved before it is proposed.
      res = await call('POST', `/api/v1/policy/versions/${version}/approve`, marketer);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'POLICY_WRONG_STATUS');
      assert.equal(
        (await call('POST', `/api/v1/policy/versions/${version}/propose`, marketer)).statusCode,
        200,
      );
      // Reps cannot approve; admins override instead of approving.
      assert.equal((await call('POST', `/api/v1/policy/versions/${version}/approve`, rep)).statusCode, 403);
      res = await call('POST', `/api/v1/policy/versions/${version}/approve`, admin);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'POLICY_APPROVER_ROLE');
      // Two marketing approvals are still one side.
      assert.equal(
        (await call('POST', `/api/v1/policy/versions/${version}/approve`, marketer)).json().status,
        'proposed',
      );
      res = await call('POST', `/api/v1/policy/versions/${version}/approve`, marketer2);
      assert.equal(res.json().status, 'proposed');
      assert.equal((await active()).version, 1);
      res = await call('POST', `/api/v1/policy/versions/${version}/approve`, manager);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().status, 'active');
      assert.deepEqual(
        res
          .json()
          .approvals.map((a: { role: string }) => a.role)
          .sort(),
        ['marketing', 'marketing', 'sales_manager'],
      );
      assert.equal((await active()).version, 2);
      const versions = (await call('GET', '/api/v1/policy/versions', rep)).json().data;
      assert.deepEqual(
        versions.map((v: { version: number; status: string }) => [v.version, v.status]),
        [
          [2, 'active'],
          [1, 'superseded'],
        ],
      );
    });

    it('lets an admin override with a reason, recorded on the version', async () => {
      const version = (await call('POST', '/api/v1/policy/draft', manager, {})).json().version;
      assert.equal(
        (await call('POST', `/api/v1/policy/versions/${version}/override`, marketer, { reason: 'urgent' }))
          .statusCode,
        403,
      );
      const res = await call('POST', `/api/v1/policy/versions/${version}/override`, admin, {
        reason: 'Board decision',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'active');
      assert.equal(res.json().override.reason, 'Board decision');
      assert.match(res.json().override.by.label, /admin/);
      // An active version cannot be overridden or proposed again.
      assert.equal(
        (await call('POST', `/api/v1/policy/versions/${version}/propose`, manager)).statusCode,
        409,
      );
      assert.equal((await call('GET', '/api/v1/policy/versions/99', rep)).statusCode, 404);
    });

    it('activates a version approved by both sides at the same moment', async () => {
      const version = (await call('POST', '/api/v1/policy/draft', marketer, {})).json().version;
      await call('POST', `/api/v1/policy/versions/${version}/propose`, marketer);
      const [a, b] = await Promise.all([
        call('POST', `/api/v1/policy/versions/${version}/approve`, marketer),
        call('POST', `/api/v1/policy/versions/${version}/approve`, manager),
      ]);
      assert.equal(a.statusCode, 200);
      assert.equal(b.statusCode, 200);
      assert.equal((await active()).version, version);
      const versions = (await call('GET', '/api/v1/policy/versions', rep)).json().data;
      assert.equal(versions.filter((v: { status: string }) => v.status === 'active').length, 1);
    });

    it('refuses duplicate rejection reason codes', async () => {
      const res = await call('POST', '/api/v1/policy/draft', marketer, {
        definition: {
          ...defaultPolicy,
          rejectionReasons: [
            { code: 'x', label: 'X', outcome: 'recycled' },
            { code: 'x', label: 'Y', outcome: 'disqualified' },
          ],
        },
      });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.details[0].field, 'definition.rejectionReasons.1.code');
    });

    describe('evaluation', () => {
      let version: number;
      before(async () => {
        const definition: PolicyDefinition = {
          ...defaultPolicy,
          mql: {
            score: { minTotal: 50, minGrade: 'B' },
            handRaise: {
              forms: ['demo-request'],
              handRaiseForms: false,
              touchpointTypes: ['demo_requested'],
            },
          },
        };
        const draft = await call('POST', '/api/v1/policy/draft', marketer, { definition });
        version = draft.json().version;
        await call('POST', `/api/v1/policy/versions/${version}/override`, admin, { reason: 'test policy' });
      });

      async function newLead(email: string, stage = 'lead'): Promise<string> {
        const res = await call('POST', '/api/v1/leads', key, { email, lifecycleStage: stage });
        return res.json().id;
      }
      const record = (
        leadId: string,
        type: string,
        properties: Record<string, unknown> = {},
        source: 'form' | 'import' = 'form',
      ) =>
        t.runtime.database.db
          .transaction()
          .execute((tx) =>
            t.runtime.api.leads.recordTouchpoints(tx, [
              { leadId, type, occurredAt: t.clock.now(), source, properties },
            ]),
          );
      const stagesOf = (id: string) => t.runtime.api.lifecycle.stagesOf(id);
      const eventsOf = async (id: string) =>
        (await t.runtime.api.lifecycle.eventsAfter({ leadId: id, limit: 1000 })).data;

      it('promotes a lead on a hand-raise touchpoint, with the policy version and the criterion', async () => {
        const id = await newLead('hand@eval.example');
        await record(id, 'page_viewed');
        assert.equal((await stagesOf(id)).stage, 'lead');
        await record(id, 'demo_requested');
        const s = await stagesOf(id);
        assert.equal(s.stage, 'mql');
        const last = s.history.at(-1)!;
        assert.equal(last.source, 'policy');
        assert.equal(last.policyVersion, version);
        assert.equal((last.details.explanation as { criterion: string }).criterion, 'hand_raise');
        const events = await eventsOf(id);
        assert.deepEqual(
          events.map((e) => e.type),
          ['lead.stage_changed', 'lead.mql'],
        );
        assert.equal(events[1]!.payload.policyVersion, version);
        // A second hand-raise changes nothing: the lead is an MQL already.
        await record(id, 'demo_requested');
        assert.equal((await stagesOf(id)).history.length, 2);
        assert.equal((await eventsOf(id)).length, 2);
      });

      it('counts submissions of the listed forms, by slug, and ignores imported history', async () => {
        const a = await newLead('form@eval.example', 'subscriber');
        await record(a, 'form_submitted', { form: { id: 'form_1', slug: 'newsletter', name: 'Newsletter' } });
        assert.equal((await stagesOf(a)).stage, 'subscriber');
        await record(
          a,
          'form_submitted',
          { form: { id: 'form_2', slug: 'demo-request', name: 'Demo' } },
          'import',
        );
        assert.equal((await stagesOf(a)).stage, 'subscriber');
        await record(a, 'form_submitted', { form: { id: 'form_2', slug: 'demo-request', name: 'Demo' } });
        const s = await stagesOf(a);
        assert.equal(s.stage, 'mql');
        assert.match(s.history.at(-1)!.reason ?? '', /Demo/);
      });

      it('promotes on score and grade when scoring asks, exactly once, and leaves later stages alone', async () => {
        const low = await newLead('low@eval.example');
        const high = await newLead('high@eval.example', 'recycled');
        const sal = await newLead('sal@eval.example', 'sal');
        const db = t.runtime.database.db;
        await db
          .updateTable('leads')
          .set({ score_total: 70, fit_grade: 'C' })
          .where('id', '=', low)
          .execute();
        await db
          .updateTable('leads')
          .set({ score_total: 50, fit_grade: 'A' })
          .where('id', 'in', [high, sal])
          .execute();
        const made = await db
          .transaction()
          .execute((tx) => t.runtime.api.lifecycle.evaluate(tx, [low, high, sal], { reason: 'score' }));
        assert.deepEqual(
          made.map((m) => [m.leadId, m.from, m.to]),
          [[high, 'recycled', 'mql']],
        );
        const again = await db
          .transaction()
          .execute((tx) => t.runtime.api.lifecycle.evaluate(tx, [low, high, sal], { reason: 'score' }));
        assert.deepEqual(again, []);
        assert.equal((await stagesOf(low)).stage, 'lead');
        assert.equal((await stagesOf(sal)).stage, 'sal');
        const h = await stagesOf(high);
        assert.deepEqual(h.history.at(-1)!.details.explanation, {
          criterion: 'score',
          text: 'Score 50 ≥ 50 and fit grade A ≥ B',
          total: 50,
          grade: 'A',
          minTotal: 50,
          minGrade: 'B',
        });
        assert.equal((await eventsOf(high)).filter((e) => e.type === 'lead.mql').length, 1);
        const lead = (await call('GET', `/api/v1/leads/${high}`, key)).json();
        assert.deepEqual(lead.score, { fit: 0, engagement: 0, total: 50, grade: 'A' });
      });

      it('applies a newly active version to the leads already there, in a background job', async () => {
        const db = t.runtime.database.db;
        const ready = [
          await newLead('ready1@eval.example'),
          await newLead('ready2@eval.example', 'subscriber'),
        ];
        const notYet = await newLead('notyet@eval.example');
        await db
          .updateTable('leads')
          .set({ score_total: 30, fit_grade: 'A' })
          .where('id', 'in', ready)
          .execute();
        await db
          .updateTable('leads')
          .set({ score_total: 10, fit_grade: 'A' })
          .where('id', '=', notYet)
          .execute();
        const draft = await call('POST', '/api/v1/policy/draft', marketer, {
          definition: {
            ...defaultPolicy,
            mql: { ...defaultPolicy.mql, score: { minTotal: 25, minGrade: 'B' } },
          },
        });
        const next = draft.json().version;
        await call('POST', `/api/v1/policy/versions/${next}/override`, admin, { reason: 'lower threshold' });
        const queued = await db
          .selectFrom('jobs')
          .select(['payload'])
          .where('name', '=', 'lifecycle.reevaluate')
          .where('status', '=', 'queued')
          .execute();
        assert.ok(queued.some((j) => JSON.parse(j.payload).version === next));
        // What the job does, in batches of 1 to cross batch boundaries.
        const promoted = await t.runtime.api.lifecycle.reevaluateAll(
          next,
          { signal: new AbortController().signal, heartbeat: async () => {} },
          1,
        );
        assert.ok(promoted >= 2);
        for (const id of ready) {
          const last = (await stagesOf(id)).history.at(-1)!;
          assert.deepEqual([last.to, last.source, last.policyVersion], ['mql', 'policy', next]);
        }
        assert.equal((await stagesOf(notYet)).stage, 'lead');
        // A version no longer active does nothing.
        assert.equal(
          await t.runtime.api.lifecycle.reevaluateAll(version, {
            signal: new AbortController().signal,
            heartbeat: async () => {},
          }),
          0,
        );
      });

      it('rolls the transition and its events back with the transaction that caused them', async () => {
        const id = await newLead('rollback@eval.example');
        await assert.rejects(
          t.runtime.database.db.transaction().execute(async (tx) => {
            await t.runtime.api.leads.recordTouchpoints(tx, [
              { leadId: id, type: 'demo_requested', occurredAt: t.clock.now(), source: 'form' },
            ]);
            throw new Error('capture failed later');
          }),
        );
        assert.equal((await stagesOf(id)).stage, 'lead');
        assert.equal((await eventsOf(id)).length, 0);
      });

      it('writes exactly one stage_changed event per non-initial history row, over everything so far', async () => {
        const db = t.runtime.database.db;
        const moves = await db
          .selectFrom('lead_stage_history')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('from_stage', 'is not', null)
          .executeTakeFirst();
        const events = await db
          .selectFrom('domain_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('type', '=', 'lead.stage_changed')
          .executeTakeFirst();
        assert.ok(Number(moves?.n) >= 3);
        assert.equal(Number(events?.n), Number(moves?.n));
      });
    });
  });
}
