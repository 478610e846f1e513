import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PredictModel, PredictRun, PredictState } from '../../../contracts/predict.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const closed = new Set(['customer', 'disqualified', 'recycled']);

for (const dialect of testDialects) {
  describe(`predictive model (${dialect})`, () => {
    let t: TestApp;
    let marketing: Awaited<ReturnType<TestApp['signIn']>>;
    let rep: Awaited<ReturnType<TestApp['signIn']>>;
    let admin: Awaited<ReturnType<TestApp['signIn']>>;
    before(async () => {
      t = await createTestApp(dialect);
      marketing = await t.signIn('marketing');
      admin = await t.signIn('admin');
      rep = await t.signIn('sales_rep');
    });
    after(async () => {
      await t.close();
    });

    it('refuses to train below the minimum data, naming the rules', async () => {
      await t.runtime.api.leads.batch(
        Array.from({ length: 40 }, (_, i) => ({
          email: `p${i}@acme.example`,
          lifecycleStage: i < 10 ? ('customer' as const) : ('disqualified' as const),
        })),
        { actor: { type: 'system', label: 'test' }, source: 'api' },
      );
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/predict/train',
        headers: marketing.headers,
        payload: {},
      });
      assert.equal(res.statusCode, 422);
      const body = res.json();
      assert.equal(body.error.code, 'PREDICT_NOT_ENOUGH_DATA');
      assert.deepEqual(
        body.error.details.map((d: { field: string; rule: string }) => `${d.field} ${d.rule}`),
        ['labelledLeads minimum:200', 'customers minimum:30'],
      );
      const state = (
        await t.request({ method: 'GET', url: '/api/v1/predict/model', headers: rep.headers })
      ).json();
      assert.equal(state.model, null);
      assert.equal(state.latestRun, null);
      // The daily schedule skips quietly below the minimum.
      assert.equal(await t.runtime.api.predict.scheduledRun(), null);
    });

    it('rejects unknown excluded fields and callers without the role', async () => {
      const bad = await t.request({
        method: 'POST',
        url: '/api/v1/predict/train',
        headers: marketing.headers,
        payload: { excludeFields: ['no_such_field'] },
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'PREDICT_UNKNOWN_FIELD');
      const forbidden = await t.request({
        method: 'POST',
        url: '/api/v1/predict/train',
        headers: rep.headers,
        payload: {},
      });
      assert.equal(forbidden.statusCode, 403);
    });

    let model: PredictModel;
    let run: PredictRun;
    it('trains on demo data, reports held-out figures and scores every open lead', async () => {
      await t.runtime.api.demo.load({ leads: 2000, seed: 42, whenLeadsExist: 'add' });
      // The demo fills seats and budget when sales qualifies a lead: reading them would leak the outcome.
      const options = { excludeFields: ['seats', 'budget_band'] };
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/predict/train',
        headers: marketing.headers,
        payload: options,
      });
      assert.equal(res.statusCode, 202, res.body);
      run = res.json();
      assert.equal(run.status, 'queued');
      const again = await t.request({
        method: 'POST',
        url: '/api/v1/predict/train',
        headers: marketing.headers,
        payload: options,
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'PREDICT_RUN_IN_PROGRESS');

      const phases: string[] = [];
      const done = await t.runtime.api.predict.runTraining(run.id, {
        onProgress: (r) => phases.push(r.phase),
      });
      assert.equal(done.status, 'completed', done.message ?? '');
      assert.equal(done.version, 1);
      for (const p of ['counting', 'features', 'fitting', 'scoring', 'done'])
        assert.ok(phases.includes(p), p);

      const state: PredictState = (
        await t.request({ method: 'GET', url: '/api/v1/predict/model', headers: rep.headers })
      ).json();
      assert.ok(state.model);
      model = state.model;
      const r = model.report;
      // The demo's documented signal: a plain logistic regression reaches about 0.8 held out.
      assert.ok(r.auc > 0.65 && r.auc < 0.95, `held-out AUC ${r.auc}`);
      assert.ok(r.liftTopDecile > 1.2, `lift ${r.liftTopDecile}`);
      assert.equal(r.calibration.length, 10);
      assert.equal(
        r.calibration.reduce((s, b) => s + b.count, 0),
        r.counts.holdout.rows,
      );
      for (let i = 1; i < 10; i++) assert.ok(r.calibration[i]!.predicted >= r.calibration[i - 1]!.predicted);
      assert.equal(r.counts.train.rows + r.counts.holdout.rows, r.counts.labelled);
      assert.equal(r.counts.positives + r.counts.negatives, r.counts.labelled);
      assert.equal(r.counts.train.positives + r.counts.holdout.positives, r.counts.positives);
      // A seeded hash of the id holds out about a fifth.
      assert.ok(Math.abs(r.counts.holdout.rows / r.counts.labelled - 0.2) < 0.06, `${r.counts.holdout.rows}`);
      assert.ok(r.trainAuc >= r.auc - 0.05);

      // The counts agree with the database.
      const leads = await t.tdb.db.selectFrom('leads').select(['id', 'lifecycle_stage']).execute();
      const labelled = leads.filter((l) => closed.has(l.lifecycle_stage));
      assert.equal(r.counts.labelled, labelled.length);
      assert.equal(r.counts.positives, labelled.filter((l) => l.lifecycle_stage === 'customer').length);
      const open = leads.filter((l) => !closed.has(l.lifecycle_stage));
      assert.equal(r.counts.scored, open.length);
      const predictions = await t.tdb.db.selectFrom('lead_predictions').selectAll().execute();
      assert.deepEqual(predictions.map((p) => p.lead_id).sort(), open.map((l) => l.id).sort());
      for (const p of predictions) {
        assert.ok(p.probability > 0 && p.probability < 1);
        assert.equal(p.model_version, 1);
      }

      // The demo's ground truth: a demo request raises the odds. Open leads who asked score higher.
      const forms = await t.tdb.db
        .selectFrom('touchpoints')
        .select(['lead_id', 'properties'])
        .where('type', '=', 'form_submitted')
        .execute();
      const askedDemo = new Set(
        forms
          .filter(
            (f) =>
              (typeof f.properties === 'string' ? JSON.parse(f.properties) : f.properties).form ===
              'demo-request',
          )
          .map((f) => f.lead_id),
      );
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const asked = predictions.filter((p) => askedDemo.has(p.lead_id)).map((p) => p.probability);
      const others = predictions.filter((p) => !askedDemo.has(p.lead_id)).map((p) => p.probability);
      assert.ok(asked.length > 10 && others.length > 10);
      assert.ok(mean(asked) > mean(others), `${mean(asked)} vs ${mean(others)}`);
    });

    it('shows the probability and factors on open leads, in the detail and the list', async () => {
      // Read as marketing, who sees every lead (a rep sees only their own: docs/permissions.md).
      const openLead = await t.tdb.db
        .selectFrom('lead_predictions')
        .select(['lead_id', 'probability'])
        .orderBy('probability', 'desc')
        .executeTakeFirstOrThrow();
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/leads/${openLead.lead_id}`,
        headers: marketing.headers,
      });
      assert.equal(res.statusCode, 200);
      const lead = res.json();
      assert.equal(lead.conversionProbability, openLead.probability);
      assert.ok(lead.conversionFactors.length > 0 && lead.conversionFactors.length <= 5);
      for (const f of lead.conversionFactors) {
        assert.equal(typeof f.label, 'string');
        assert.ok(f.label.length > 0);
        assert.ok(Number.isFinite(f.contribution));
      }
      // Largest contribution first.
      const sizes = lead.conversionFactors.map((f: { contribution: number }) => Math.abs(f.contribution));
      assert.deepEqual(
        sizes,
        [...sizes].sort((a: number, b: number) => b - a),
      );

      const customer = await t.tdb.db
        .selectFrom('leads')
        .select('id')
        .where('lifecycle_stage', '=', 'customer')
        .executeTakeFirstOrThrow();
      const closedLead = (
        await t.request({ method: 'GET', url: `/api/v1/leads/${customer.id}`, headers: marketing.headers })
      ).json();
      assert.equal(closedLead.conversionProbability, undefined);

      const list = (
        await t.request({
          method: 'GET',
          url: '/api/v1/leads?stage=lead&limit=20',
          headers: marketing.headers,
        })
      ).json();
      assert.equal(list.data.length, 20);
      for (const l of list.data) assert.ok(l.conversionProbability > 0 && l.conversionProbability < 1);
    });

    it('is deterministic: retraining the same data gives the same model, as version 2', async () => {
      const second = await t.runtime.api.predict.createRun(
        { excludeFields: ['seats', 'budget_band'] },
        { actor: { type: 'system', label: 'test' }, trigger: 'cli', enqueue: false },
      );
      const done = await t.runtime.api.predict.runTraining(second.id);
      assert.equal(done.version, 2);
      const state = await t.runtime.api.predict.state();
      assert.equal(state.model!.version, 2);
      assert.deepEqual(state.model!.report, model.report);
      assert.deepEqual(state.model!.topCoefficients, model.topCoefficients);
      const versions = await t.tdb.db
        .selectFrom('lead_predictions')
        .select('model_version')
        .distinct()
        .execute();
      assert.deepEqual(
        versions.map((v) => v.model_version),
        [2],
      );
    });

    it('excludes a named feature and runs from the queue through the job', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/predict/train',
        headers: marketing.headers,
        payload: { excludeFields: ['engagement', 'seats', 'budget_band'] },
      });
      assert.equal(res.statusCode, 202, res.body);
      const worker = t.runtime.createJobWorker({ concurrency: 1 });
      await worker.start();
      try {
        for (let i = 0; i < 600; i++) {
          const r: PredictRun = (
            await t.request({
              method: 'GET',
              url: `/api/v1/predict/runs/${res.json().id}`,
              headers: rep.headers,
            })
          ).json();
          if (r.status === 'completed' || r.status === 'failed') break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await worker.stop(5000);
      }
      const state = await t.runtime.api.predict.state();
      assert.equal(state.latestRun!.status, 'completed', state.latestRun!.message ?? '');
      assert.equal(state.model!.version, 3);
      assert.deepEqual(state.model!.options, { excludeFields: ['engagement', 'seats', 'budget_band'] });
      const stored = await t.runtime.api.predict.activeStored();
      assert.ok(
        stored!.encoder.columns.every(
          (c) => !c.feature.startsWith('eng:') && !c.feature.startsWith('cf:seats'),
        ),
      );
      // Without behaviour the model fits the same training leads less well.
      assert.ok(state.model!.report.trainAuc < model.report.trainAuc);
    });

    it('retrains on the daily schedule, and a lead that closes since shows no stale probability', async () => {
      const runId = await t.runtime.api.predict.scheduledRun();
      assert.ok(runId);
      // A second scheduled run while the first is queued does nothing.
      assert.equal(await t.runtime.api.predict.scheduledRun(), null);
      const done = await t.runtime.api.predict.runTraining(runId);
      assert.equal(done.status, 'completed');
      assert.equal(done.trigger, 'schedule');
      assert.equal(done.version, 4);

      const scored = await t.tdb.db
        .selectFrom('lead_predictions')
        .select('lead_id')
        .executeTakeFirstOrThrow();
      const moved = await t.request({
        method: 'POST',
        url: `/api/v1/leads/${scored.lead_id}/stage`,
        // Disqualifying a lead past MQL is for sales and admins, not marketing.
        headers: admin.headers,
        payload: { to: 'disqualified', reason: 'Not a fit: a student project' },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      const lead = (
        await t.request({ method: 'GET', url: `/api/v1/leads/${scored.lead_id}`, headers: marketing.headers })
      ).json();
      assert.equal(lead.lifecycleStage, 'disqualified');
      assert.equal(lead.conversionProbability, undefined);
    });

    it('answers 404 for an unknown run', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/predict/runs/pm_nope',
        headers: rep.headers,
      });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'PREDICT_RUN_NOT_FOUND');
    });
  });
}
