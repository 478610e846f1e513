/**
 * Company edits rescore their leads when fit rules read company fields: a small company's leads in
 * the edit's transaction (score, history, policy, MQL event), a large company's by a background job
 * in batches; a model that reads no company field leaves the leads alone. Every dialect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ScoringDefinition } from '../../../contracts/scoring.ts';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { companyInlineLeads } from './scoring.service.ts';

const model: ScoringDefinition = {
  fit: {
    rules: [
      {
        id: 'enterprise',
        name: 'Company of 1,000 or more',
        filter: { company: { field: 'employees', op: 'gte', value: 1000 } },
        points: 40,
      },
      {
        id: 'fintech',
        name: 'Finance company',
        filter: { company: { field: 'industry', op: 'eq', value: 'Finance' } },
        points: 5,
      },
    ],
    grades: { A: 40, B: 25, C: 10 },
  },
  engagement: {
    rules: [
      {
        id: 'visit',
        name: 'Visited',
        behavior: { type: 'page_viewed' },
        points: 25,
        repeatable: false,
        decay: { kind: 'none' },
      },
    ],
    groups: [],
  },
};

for (const dialect of testDialects) {
  describe(`scoring: company changes (${dialect})`, () => {
    let t: TestApp;
    let marketer: Caller;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = await t.signIn('marketing');
    });
    after(async () => t.close());

    const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) =>
      t.request({
        method,
        url,
        headers: marketer.headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const drain = () => t.runtime.createJobWorker({ concurrency: 1 }).drain();
    const db = () => t.tdb.db;
    const leadView = async (id: string) => (await call('GET', `/api/v1/leads/${id}`)).json();
    const companyJobs = async () => (await t.runtime.jobs.list({ name: 'scoring.rescore_company' })).data;
    /** Creates leads on a domain in one transaction, each with one page view; returns their ids. */
    async function leadsAt(domain: string, n: number): Promise<string[]> {
      return db()
        .transaction()
        .execute(async (tx) => {
          const results = await t.runtime.api.leads.resolveBatch(
            tx,
            Array.from({ length: n }, (_, i) => ({ input: { email: `p${i}@${domain}` } })),
            { source: 'api', actor: { type: 'system', label: 'test' } },
          );
          const ids = results.map((r) => (r.status === 'error' ? assert.fail(r.error.message) : r.leadId));
          await t.runtime.api.leads.recordTouchpoints(
            tx,
            ids.map((leadId) => ({
              leadId,
              type: 'page_viewed',
              occurredAt: t.clock.now(),
              source: 'tracking' as const,
              properties: { page: { url: `https://${domain}/`, path: '/' } },
            })),
          );
          return ids;
        });
    }
    const companyOf = async (leadId: string) => (await leadView(leadId)).companyId as string;
    const historyCauses = async (ids: string[]) =>
      (
        await db()
          .selectFrom('lead_score_history')
          .select(['lead_id', 'cause', 'total'])
          .where('lead_id', 'in', ids)
          .where('cause', '=', 'company')
          .execute()
      ).map((r) => [r.lead_id, Number(r.total)]);

    it('leaves leads alone when the published model reads no company field (the seed)', async () => {
      const [id] = await leadsAt('plain.example', 1);
      const before = (await leadView(id!)).score;
      const res = await call('PATCH', `/api/v1/companies/${await companyOf(id!)}`, { employees: 5000 });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual((await leadView(id!)).score, before);
      assert.deepEqual(await historyCauses([id!]), []);
      assert.deepEqual(await companyJobs(), []);
    });

    it("rescores a small company's leads in the edit's transaction and lets the policy qualify them", async () => {
      assert.equal((await call('PUT', '/api/v1/scoring/draft', { definition: model })).statusCode, 200);
      assert.equal((await call('POST', '/api/v1/scoring/draft/publish')).statusCode, 202);
      await drain();
      const ids = await leadsAt('northwind.example', 3);
      const company = await companyOf(ids[0]!);
      assert.deepEqual((await leadView(ids[0]!)).score, { fit: 0, engagement: 25, total: 25, grade: 'D' });

      const res = await call('PATCH', `/api/v1/companies/${company}`, {
        employees: 1200,
        industry: 'Finance',
      });
      assert.equal(res.statusCode, 200, res.body);
      // No job ran: the edit's transaction did it.
      for (const id of ids) {
        const l = await leadView(id);
        assert.deepEqual(l.score, { fit: 45, engagement: 25, total: 70, grade: 'A' });
        assert.equal(l.lifecycleStage, 'mql');
      }
      assert.deepEqual(await companyJobs(), []);
      assert.deepEqual(
        (await historyCauses(ids)).map(([, total]) => total),
        [70, 70, 70],
      );
      const stages = await t.runtime.api.lifecycle.stagesOf(ids[0]!);
      assert.equal(stages.history.at(-1)!.reason, 'Score 70 ≥ 60 and fit grade A ≥ B');
      const events = await t.runtime.api.lifecycle.eventsAfter({ types: ['lead.mql'], leadId: ids[0]! });
      assert.equal(events.data.length, 1);

      // Linking: a new lead on the company's domain joins it and is scored with its fields at once.
      const [joined] = await leadsAt('northwind.example', 4).then((all) => all.slice(3));
      assert.equal(await companyOf(joined!), company);
      assert.deepEqual((await leadView(joined!)).score, { fit: 45, engagement: 25, total: 70, grade: 'A' });

      // A change the rules do not read rescores to the same numbers: no history, no stage move.
      assert.equal((await call('PATCH', `/api/v1/companies/${company}`, { country: 'SE' })).statusCode, 200);
      assert.equal((await historyCauses(ids)).length, 3);
      // Dropping below the threshold lowers the score (MQL stays: the policy never demotes).
      assert.equal((await call('PATCH', `/api/v1/companies/${company}`, { employees: 40 })).statusCode, 200);
      const l = await leadView(ids[1]!);
      assert.deepEqual(l.score, { fit: 5, engagement: 25, total: 30, grade: 'D' });
      assert.equal(l.lifecycleStage, 'mql');
    });

    it("rescores a large company's leads with a background job, in batches", async () => {
      const ids = await leadsAt('bigcorp.example', companyInlineLeads + 1);
      const company = await companyOf(ids[0]!);
      const res = await call('PATCH', `/api/v1/companies/${company}`, { employees: 20_000 });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await leadView(ids[0]!)).score.total, 25, 'not rescored inside the request');
      const jobs = await companyJobs();
      assert.equal(jobs.length, 1);
      assert.deepEqual(jobs[0]!.payload, { companyId: company });

      await drain();
      assert.equal((await t.runtime.jobs.get(jobs[0]!.id)).status, 'succeeded');
      const rows = await db()
        .selectFrom('leads')
        .select(['score_fit', 'score_total', 'fit_grade', 'lifecycle_stage'])
        .where('company_id', '=', company)
        .execute();
      assert.equal(rows.length, companyInlineLeads + 1);
      for (const r of rows)
        assert.deepEqual(
          [Number(r.score_fit), Number(r.score_total), r.fit_grade, r.lifecycle_stage],
          [40, 65, 'A', 'mql'],
        );
      assert.equal((await historyCauses(ids)).length, companyInlineLeads + 1);
      // Running it again (a retried job) changes nothing more.
      assert.deepEqual(await t.runtime.api.scoring.rescoreCompany(company), {
        done: companyInlineLeads + 1,
        changed: 0,
      });
    });
  });
}
