/**
 * Stages and transitions through the API: the transition table (every pair, and random sequences
 * with fast-check), PATCH and import paths, history and stage dates, domain events written exactly
 * once per transition.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type LifecycleStage, lifecycleStages } from '../../../contracts/leads.ts';
import { transitionOf } from '../../../contracts/lifecycle.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const bant = { need: 'n', budget: 'b', authority: 'a', timing: 't' };

for (const dialect of testDialects) {
  describe(`lifecycle transitions (${dialect})`, () => {
    let t: TestApp;
    let admin: Record<string, string>;
    let key: Record<string, string>;
    let n = 0;
    before(async () => {
      t = await createTestApp(dialect);
      admin = (await t.signIn('admin')).headers;
      key = (await t.apiKey(['leads:write', 'leads:read'])).headers;
    });
    after(async () => t.close());

    async function leadAt(stage: LifecycleStage): Promise<string> {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/leads',
        headers: key,
        payload: { email: `p${++n}@lifecycle.example`, lifecycleStage: stage },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id;
    }
    const move = (id: string, payload: object, headers = admin) =>
      t.request({ method: 'POST', url: `/api/v1/leads/${id}/stage`, headers, payload });
    const stages = async (id: string) =>
      (await t.request({ method: 'GET', url: `/api/v1/leads/${id}/stages`, headers: admin })).json();
    const eventsOf = async (leadId: string) =>
      (
        await t.request({ method: 'GET', url: `/api/v1/events?leadId=${leadId}&limit=1000`, headers: admin })
      ).json().data as { type: string; payload: Record<string, unknown> }[];

    it('allows exactly the moves in the table, from every stage to every stage', async () => {
      for (const from of lifecycleStages) {
        for (const to of lifecycleStages) {
          const id = await leadAt(from);
          const res = await move(id, { to, reason: 'table test', qualification: bant });
          const rule = transitionOf(from, to);
          if (rule) {
            assert.equal(res.statusCode, 200, `${from} → ${to}: ${res.body}`);
            assert.equal(res.json().stage, to);
            const last = res.json().history.at(-1);
            assert.deepEqual([last.from, last.to, last.kind], [from, to, rule.kind]);
          } else {
            assert.equal(res.statusCode, 409, `${from} → ${to} should be refused`);
            assert.equal(res.json().error.code, 'STAGE_TRANSITION_NOT_ALLOWED');
            assert.deepEqual(
              res.json().error.details.map((d: { message: string }) => d.message),
              [from, to],
            );
            assert.equal((await stages(id)).stage, from);
          }
        }
      }
    });

    it('keeps every move of a random sequence as history, with one event per transition', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...lifecycleStages),
          fc.array(fc.constantFrom(...lifecycleStages), { minLength: 1, maxLength: 8 }),
          async (start, targets) => {
            const id = await leadAt(start);
            let current: LifecycleStage = start;
            let made = 0;
            for (const to of targets) {
              const res = await move(id, { to, reason: 'sequence', qualification: bant });
              if (transitionOf(current, to)) {
                assert.equal(res.statusCode, 200);
                current = to;
                made++;
              } else assert.equal(res.statusCode, 409);
            }
            const s = await stages(id);
            assert.equal(s.stage, current);
            assert.equal(s.history.length, made + 1);
            assert.equal(s.history[0].from, null);
            for (let i = 1; i < s.history.length; i++) assert.equal(s.history[i].from, s.history[i - 1].to);
            const events = await eventsOf(id);
            assert.equal(events.filter((e) => e.type === 'lead.stage_changed').length, made);
            const mqls = s.history.filter((h: { to: string }) => h.to === 'mql').length;
            assert.equal(events.filter((e) => e.type === 'lead.mql').length, mqls);
            assert.deepEqual(
              Object.keys(s.stageDates).sort(),
              [...new Set(s.history.map((h: { to: string }) => h.to))].sort(),
            );
          },
        ),
        { numRuns: dialect === 'sqlite' ? 40 : 15 },
      );
    });

    it('requires a reason for backward moves, and the policy reason codes fit the move', async () => {
      const id = await leadAt('sal');
      let res = await move(id, { to: 'recycled' });
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().error.code, 'STAGE_REASON_REQUIRED');
      res = await move(id, { to: 'recycled', reasonCode: 'no_budget' });
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().error.code, 'STAGE_REASON_CODE_UNKNOWN');
      res = await move(id, { to: 'recycled', reasonCode: 'not_ready' });
      assert.equal(res.statusCode, 200, res.body);
      const last = res.json().history.at(-1);
      assert.equal(last.reason, 'Not ready to buy yet');
      assert.equal(last.reasonCode, 'not_ready');
      assert.equal(last.policyVersion, 1);
      assert.equal(last.actor.type, 'user');
    });

    it('asks for the BANT answers the policy requires before SQL', async () => {
      const id = await leadAt('sal');
      const res = await move(id, { to: 'sql', qualification: { need: 'yes', budget: '  ' } });
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().error.code, 'STAGE_REQUIREMENTS_MISSING');
      assert.deepEqual(
        res.json().error.details.map((d: { field: string }) => d.field),
        ['qualification.budget', 'qualification.authority', 'qualification.timing'],
      );
      const ok = await move(id, { to: 'sql', qualification: bant });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json().history.at(-1).details.qualification, bant);
    });

    it('validates stage changes made with PATCH: forward yes, backward needs a reason, others refused', async () => {
      const id = await leadAt('lead');
      const patch = (lifecycleStage: string) =>
        t.request({ method: 'PATCH', url: `/api/v1/leads/${id}`, headers: key, payload: { lifecycleStage } });
      let res = await patch('sal');
      assert.equal(res.statusCode, 200, res.body);
      res = await patch('disqualified');
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().error.code, 'STAGE_REASON_REQUIRED');
      res = await patch('lead');
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'STAGE_TRANSITION_NOT_ALLOWED');
      const s = await stages(id);
      assert.equal(s.stage, 'sal');
      assert.deepEqual(
        s.history.map((h: { from: string | null; to: string; source: string }) => [h.from, h.to, h.source]),
        [
          [null, 'lead', 'api'],
          ['lead', 'sal', 'api'],
        ],
      );
    });

    it('records imported stages as history without validating them, and emits no lead.mql for them', async () => {
      const id = await leadAt('customer');
      const email = (await t.request({ method: 'GET', url: `/api/v1/leads/${id}`, headers: key })).json()
        .email;
      const [r] = await t.runtime.database.db.transaction().execute((tx) =>
        t.runtime.api.leads.resolveBatch(
          tx,
          [
            { input: { email, lifecycleStage: 'mql' } },
            {
              input: {
                email: 'new-import@lifecycle.example',
                lifecycleStage: 'sql',
                createdAt: '2025-01-05T10:00:00.000Z',
              },
            },
          ],
          { source: 'import', actor: { type: 'system', label: 'import test' } },
        ),
      );
      assert.equal(r?.status, 'updated');
      const s = await stages(id);
      const last = s.history.at(-1);
      assert.deepEqual(
        [last.from, last.to, last.kind, last.source],
        ['customer', 'mql', 'historical', 'import'],
      );
      assert.equal((await eventsOf(id)).filter((e) => e.type === 'lead.mql').length, 0);
      const list = (
        await t.request({ method: 'GET', url: '/api/v1/leads?q=new-import', headers: key })
      ).json().data;
      const fresh = await stages(list[0].id);
      assert.equal(fresh.stageDates.sql, '2025-01-05T10:00:00.000Z');
      assert.equal(fresh.history.length, 1);
    });

    it("turns demo data stage paths into history that chains up to each lead's stage, without events", async () => {
      const db = t.runtime.database.db;
      const summary = await t.runtime.api.demo.load({ leads: 150, seed: 7, whenLeadsExist: 'add' });
      assert.ok(summary);
      const after = await db
        .selectFrom('domain_events')
        .innerJoin('leads', 'leads.id', 'domain_events.lead_id')
        .select(['domain_events.type', 'domain_events.payload'])
        .where('leads.source', '=', 'demo')
        .execute();
      // Historical paths are not new events; only the policy, applied once the history is scored,
      // makes fresh MQLs (a stage change and an MQL event each, from source `policy`).
      assert.equal(after.length, 2 * summary.qualified, 'historical paths are not new events');
      for (const e of after) assert.equal(JSON.parse(e.payload).source, 'policy');
      const leads = await db
        .selectFrom('leads')
        .select(['id', 'lifecycle_stage'])
        .where('source', '=', 'demo')
        .execute();
      assert.equal(leads.length, 150);
      let moved = 0;
      for (const lead of leads) {
        const s = await stages(lead.id);
        assert.equal(s.history[0].from, null);
        for (let i = 1; i < s.history.length; i++) {
          assert.equal(s.history[i].from, s.history[i - 1].to, `${lead.id} history chains`);
          assert.ok(s.history[i].at >= s.history[i - 1].at);
        }
        assert.equal(s.history.at(-1).to, lead.lifecycle_stage);
        if (s.history.length > 1) moved++;
      }
      assert.ok(moved > 30, `demo leads with a stage path: ${moved}`);
    });

    it('records a stage taken over in a merge, and restored by un-merging', async () => {
      const survivor = await leadAt('lead');
      const other = await leadAt('sql');
      const merged = await t.request({
        method: 'POST',
        url: `/api/v1/leads/${survivor}/merge`,
        headers: admin,
        payload: { mergedId: other, prefer: ['lifecycleStage'] },
      });
      assert.equal(merged.statusCode, 200, merged.body);
      let s = await stages(survivor);
      assert.equal(s.stage, 'sql');
      assert.deepEqual(
        [s.history.at(-1).from, s.history.at(-1).to, s.history.at(-1).source],
        ['lead', 'sql', 'system'],
      );
      const undo = await t.request({
        method: 'POST',
        url: `/api/v1/lead-merges/${merged.json().merge.id}/undo`,
        headers: admin,
      });
      assert.equal(undo.statusCode, 200, undo.body);
      s = await stages(survivor);
      assert.equal(s.stage, 'lead');
      assert.deepEqual([s.history.at(-1).from, s.history.at(-1).to], ['sql', 'lead']);
      assert.equal((await stages(other)).stage, 'sql');
    });

    it('answers 404 for an unknown lead and 403 for a read-only key', async () => {
      const res = await move('lead_nope', { to: 'mql' });
      assert.equal(res.statusCode, 404);
      const reader = (await t.apiKey(['leads:read'])).headers;
      const id = await leadAt('lead');
      assert.equal((await move(id, { to: 'mql' }, reader)).statusCode, 403);
    });

    it('shows read-only scores on the lead view', async () => {
      const id = await leadAt('lead');
      const lead = (await t.request({ method: 'GET', url: `/api/v1/leads/${id}`, headers: key })).json();
      // Scoring grades every lead it scores: no fit rule fired, grade D.
      assert.deepEqual(lead.score, { fit: 0, engagement: 0, total: 0, grade: 'D' });
    });
  });
}
