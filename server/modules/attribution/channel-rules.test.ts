/**
 * Channel rules through the API: the draft, validation naming fields, publishing a version, the
 * background reclassification (run by the real job worker; resumable from its checkpoint), the
 * live test against a draft, versions and restoring one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RuleSetDefinition } from '../../../contracts/attribution.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const site = 'https://www.tidewell.example';

for (const dialect of testDialects) {
  describe(`channel rules (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    let leadId: string;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = (await t.signIn('marketing')).headers;
      const db = t.runtime.database.db;
      // 1,100 landing page views from a partner site (two batches and a bit), and one from a QR code.
      leadId = await db.transaction().execute(async (tx) => {
        const [r] = await t.runtime.api.leads.resolveBatch(
          tx,
          [{ input: { email: `rules-${dialect}@example.test` } }],
          {
            source: 'api',
            actor: { type: 'system', label: 'test' },
          },
        );
        assert.ok(r && r.status !== 'error');
        await t.runtime.api.leads.recordTouchpoints(
          tx,
          Array.from({ length: 1100 }, (_, i) => ({
            leadId: r.leadId,
            type: 'page_viewed',
            occurredAt: Date.UTC(2026, 6, 1) + i * 3_600_000,
            source: 'tracking' as const,
            properties: {
              page: { url: `${site}/`, path: '/', referrer: 'https://partner.crm-integrators.example/blog' },
              landing: true,
            },
          })),
        );
        return r.leadId;
      });
    });
    after(async () => t.close());

    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.request({
        method,
        url,
        headers: marketer,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });

    it('answers a copy of the published rules as the draft, and validates what is saved', async () => {
      const draft = (await call('GET', '/api/v1/channel-rules/draft')).json();
      assert.equal(draft.basedOn, 1);
      assert.equal(draft.changed, false);
      assert.ok(draft.definition.rules.length >= 15);
      const bad = structuredClone(draft.definition) as RuleSetDefinition;
      bad.rules[2]!.conditions[0] = { field: 'utm_medium', op: 'in_list', value: 'search_engines' };
      const r = await call('PUT', '/api/v1/channel-rules/draft', { definition: bad, basedOn: 1 });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().error.details[0].field, 'definition.rules.2.conditions.0');
      const schema = await call('PUT', '/api/v1/channel-rules/draft', {
        definition: { ...draft.definition, rules: [{ id: 'x', name: 'x', channel: 'tv', conditions: [] }] },
        basedOn: 1,
      });
      assert.equal(schema.statusCode, 400);
      const fields = schema.json().error.details.map((d: { field: string }) => d.field);
      assert.ok(fields.includes('definition.rules.0.channel'), fields.join());
      assert.equal(
        (await call('POST', '/api/v1/channel-rules/publish', {})).json().error.code,
        'CHANNEL_RULES_UNCHANGED',
      );
    });

    it('tests a sample visit live against the draft being edited', async () => {
      const draft = (await call('GET', '/api/v1/channel-rules/draft')).json();
      const sample = {
        url: `${site}/?utm_source=google&utm_medium=cpc&utm_campaign=brand`,
        referrer: 'https://www.google.com/',
      };
      const now = (
        await call('POST', '/api/v1/channel-rules/test', { sample, definition: draft.definition })
      ).json();
      assert.equal(now.channel, 'paid_search');
      assert.equal(now.ruleId, 'paid-search-medium');
      assert.equal(now.source, 'google');
      const without = structuredClone(draft.definition) as RuleSetDefinition;
      without.rules = without.rules.filter((x) => x.channel !== 'paid_search');
      const after_ = (
        await call('POST', '/api/v1/channel-rules/test', { sample, definition: without })
      ).json();
      assert.equal(after_.channel, 'organic_search', 'the search engine referrer decides now');
      const crm = (
        await call('POST', '/api/v1/channel-rules/test', { sample: { originalSource: 'Trade Show' } })
      ).json();
      assert.equal(crm.channel, 'events');
    });

    it('publishes a version, classifies new touchpoints under it at once and history in the background', async () => {
      const draft = (await call('GET', '/api/v1/channel-rules/draft')).json();
      const definition = structuredClone(draft.definition) as RuleSetDefinition;
      // Partners are a channel of their own now: marketing files them under events (co-marketing).
      definition.rules.unshift({
        id: 'partner-blog',
        name: 'Partner blog',
        channel: 'events',
        conditions: [{ field: 'referrer_domain', op: 'equals', value: 'crm-integrators.example' }],
      });
      const saved = await call('PUT', '/api/v1/channel-rules/draft', { definition, basedOn: 1 });
      assert.equal(saved.statusCode, 200, saved.body);
      assert.equal(saved.json().changed, true);
      const published = await call('POST', '/api/v1/channel-rules/publish', {
        note: 'Partner blog as events',
      });
      assert.equal(published.statusCode, 200, published.body);
      const { version, reclassification } = published.json();
      assert.equal(version.version, 2);
      assert.equal(version.current, true);
      assert.equal(version.note, 'Partner blog as events');
      assert.equal(reclassification.status, 'queued');

      // Before the run: history is still under version 1; a new touchpoint is under version 2.
      const db = t.runtime.database.db;
      const [fresh] = await db.transaction().execute((tx) =>
        t.runtime.api.leads.recordTouchpoints(tx, [
          {
            leadId,
            type: 'page_viewed',
            occurredAt: Date.UTC(2026, 11, 1),
            source: 'tracking',
            properties: {
              page: { url: `${site}/`, path: '/', referrer: 'https://partner.crm-integrators.example/' },
              landing: true,
            },
          },
        ]),
      );
      const freshRow = await db
        .selectFrom('touchpoints')
        .select(['channel', 'rule_version'])
        .where('id', '=', fresh!)
        .executeTakeFirstOrThrow();
      assert.deepEqual({ c: freshRow.channel, v: Number(freshRow.rule_version) }, { c: 'events', v: 2 });

      // Interrupted after its first batch (a shutdown), then resumed from the checkpoint.
      const attribution = t.runtime.api.attribution.attribution;
      const stop = new AbortController();
      stop.abort();
      await assert.rejects(
        attribution.runReclassification(reclassification.id, { signal: stop.signal }),
        /resumes/,
      );
      const half = (
        await call('GET', `/api/v1/channel-rules/reclassifications/${reclassification.id}`)
      ).json();
      assert.equal(half.status, 'running');
      assert.equal(half.done, 500);
      assert.ok(half.total >= 1101, `total ${half.total}`);
      // The real job worker picks the job up and finishes it.
      const worker = t.runtime.createJobWorker({ concurrency: 1 });
      await worker.start();
      try {
        for (let i = 0; i < 200; i++) {
          const r = (
            await call('GET', `/api/v1/channel-rules/reclassifications/${reclassification.id}`)
          ).json();
          if (r.status === 'completed') break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await worker.stop(2000);
      }
      const done = (
        await call('GET', `/api/v1/channel-rules/reclassifications/${reclassification.id}`)
      ).json();
      assert.equal(done.status, 'completed');
      assert.equal(done.done, done.total);
      assert.equal(done.changed, 1100);
      assert.equal(done.leadsUpdated, 1);
      const channels = await db
        .selectFrom('touchpoints')
        .select((eb) => ['channel', 'rule_version', eb.fn.countAll<number>().as('n')])
        .where('lead_id', '=', leadId)
        .where('type', '=', 'page_viewed')
        .groupBy(['channel', 'rule_version'])
        .execute();
      assert.deepEqual(
        channels.map((c) => [c.channel, Number(c.rule_version), Number(c.n)]),
        [['events', 2, 1101]],
      );
      const lead = (await call('GET', `/api/v1/leads/${leadId}`)).json();
      assert.equal(lead.firstTouch.channel, 'events');
      const runs = (await call('GET', '/api/v1/channel-rules/reclassifications')).json().data;
      assert.equal(runs[0].id, reclassification.id);
    });

    it('lists versions, restores one into the draft and refuses a stale draft', async () => {
      const versions = (await call('GET', '/api/v1/channel-rules/versions')).json().data;
      assert.deepEqual(
        versions.map((v: { version: number; current: boolean }) => [v.version, v.current]),
        [
          [2, true],
          [1, false],
        ],
      );
      const restored = await call('POST', '/api/v1/channel-rules/versions/1/restore');
      assert.equal(restored.statusCode, 200);
      assert.equal(restored.json().basedOn, 2);
      assert.equal(restored.json().changed, true);
      const stale = await call('PUT', '/api/v1/channel-rules/draft', {
        definition: restored.json().definition,
        basedOn: 1,
      });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().error.code, 'CHANNEL_RULES_STALE_DRAFT');
      const discarded = (await call('DELETE', '/api/v1/channel-rules/draft')).json();
      assert.equal(discarded.changed, false);
      assert.equal((await call('GET', '/api/v1/channel-rules/versions/9')).statusCode, 404);
      // A second publish makes the first publish's unfinished run moot.
      await call('POST', '/api/v1/channel-rules/versions/1/restore');
      const p3 = (await call('POST', '/api/v1/channel-rules/publish', {})).json();
      await call('POST', '/api/v1/channel-rules/versions/2/restore');
      const p4 = (await call('POST', '/api/v1/channel-rules/publish', {})).json();
      assert.equal(p4.version.version, 4);
      const r3 = (
        await call('GET', `/api/v1/channel-rules/reclassifications/${p3.reclassification.id}`)
      ).json();
      assert.equal(r3.status, 'superseded');
      await t.runtime.api.attribution.attribution.runReclassification(p4.reclassification.id, {
        signal: new AbortController().signal,
      });
      const lead = (await call('GET', `/api/v1/leads/${leadId}`)).json();
      assert.equal(lead.firstTouch.channel, 'events', 'version 4 is version 2 again');
    });
  });
}
