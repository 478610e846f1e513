import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

for (const dialect of testDialects) {
  describe(`leads API (${dialect})`, () => {
    let t: TestApp;
    let writer: Record<string, string>;
    let admin: Record<string, string>;
    let marketer: Awaited<ReturnType<TestApp['signIn']>>;
    before(async () => {
      t = await createTestApp(dialect);
      writer = (await t.apiKey(['leads:read', 'leads:write'])).headers;
      admin = (await t.apiKey(['admin'])).headers;
      marketer = await t.signIn('marketing');
    });
    after(async () => t.close());

    const post = (url: string, payload: unknown, headers = writer) =>
      t.request({ method: 'POST', url, payload: payload as object, headers });
    const get = (url: string, headers = writer) => t.request({ method: 'GET', url, headers });
    const patch = (url: string, payload: unknown, headers = writer) =>
      t.request({ method: 'PATCH', url, payload: payload as object, headers });

    it('upserts by normalised email: 201 on create, 200 on update, one lead', async () => {
      const first = await post('/api/v1/leads', {
        email: '  Ada.Lovelace@Analytical.example ',
        firstName: 'Ada',
      });
      assert.equal(first.statusCode, 201);
      const lead = first.json();
      assert.match(lead.id, /^lead_/);
      assert.equal(lead.email, 'ada.lovelace@analytical.example');
      assert.equal(lead.lifecycleStage, 'lead');
      const second = await post('/api/v1/leads', {
        email: 'ADA.LOVELACE@analytical.example',
        lastName: 'Lovelace',
      });
      assert.equal(second.statusCode, 200);
      assert.equal(second.json().id, lead.id);
      assert.equal(second.json().firstName, 'Ada');
      assert.equal(second.json().lastName, 'Lovelace');
      // Only trim and lower-case: a plus tag is another address.
      const plus = await post('/api/v1/leads', { email: 'ada.lovelace+news@analytical.example' });
      assert.equal(plus.statusCode, 201);
      assert.notEqual(plus.json().id, lead.id);
    });

    it('links companies by email or website domain, never by a free-mail domain', async () => {
      const a = (
        await post('/api/v1/leads', { email: 'kim@acme-widgets.example', companyName: 'Acme Widgets' })
      ).json();
      const b = (
        await post('/api/v1/leads', {
          email: 'lee@gmail.com',
          website: 'https://www.Acme-Widgets.example/about',
        })
      ).json();
      const c = (await post('/api/v1/leads', { email: 'sam@gmail.com' })).json();
      assert.ok(a.companyId);
      assert.equal(b.companyId, a.companyId);
      assert.equal(c.companyId, null);
      const company = (await get(`/api/v1/companies/${a.companyId}`)).json();
      assert.equal(company.domain, 'acme-widgets.example');
      assert.equal(company.name, 'Acme Widgets');
      assert.equal(company.leadCount, 2);
      const listed = (await get('/api/v1/companies?q=acme')).json();
      assert.ok(listed.data.some((x: { id: string }) => x.id === a.companyId));
    });

    it('never lets a blank overwrite, lets the newest value win, and honours "first value wins"', async () => {
      const id = (
        await post('/api/v1/leads', {
          email: 'merge@policy.example',
          firstName: 'Old',
          jobTitle: 'Engineer',
          city: 'Lyon',
        })
      ).json().id;
      t.clock.advance(1000);
      const r = await post('/api/v1/leads', {
        email: 'merge@policy.example',
        firstName: '',
        jobTitle: 'CTO',
        city: null,
      });
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().firstName, 'Old');
      assert.equal(r.json().jobTitle, 'CTO');
      assert.equal(r.json().city, 'Lyon');
      const rule = await t.request({
        method: 'PUT',
        url: '/api/v1/lead-field-rules/jobTitle',
        payload: { mergeRule: 'first' },
        headers: admin,
      });
      assert.equal(rule.statusCode, 200);
      t.clock.advance(1000);
      const kept = await post('/api/v1/leads', {
        email: 'merge@policy.example',
        jobTitle: 'CEO',
        country: 'FR',
      });
      assert.equal(kept.json().jobTitle, 'CTO', 'first value wins for jobTitle now');
      assert.equal(kept.json().country, 'FR');
      const unchanged = await post('/api/v1/leads', { email: 'merge@policy.example', jobTitle: 'CEO' });
      assert.equal(unchanged.statusCode, 200);
      const tps = (await get(`/api/v1/leads/${id}/touchpoints`)).json().data;
      assert.deepEqual(
        tps.map((x: { type: string }) => x.type),
        ['updated', 'updated', 'created'],
        'an unchanged upsert records nothing',
      );
      assert.deepEqual(tps[1].properties.changes.jobTitle, ['Engineer', 'CTO']);
      assert.equal(tps[1].source, 'api');
      await t.request({
        method: 'PUT',
        url: '/api/v1/lead-field-rules/jobTitle',
        payload: { mergeRule: 'newest' },
        headers: admin,
      });
    });

    it('matches on an external id when there is no email, then fills the email in', async () => {
      const a = await post('/api/v1/leads', {
        externalIds: [{ system: 'crm', id: 'C-100' }],
        firstName: 'Noemail',
      });
      assert.equal(a.statusCode, 201);
      const b = await post('/api/v1/leads', {
        externalIds: [{ system: 'crm', id: 'C-100' }],
        email: 'found@later.example',
      });
      assert.equal(b.statusCode, 200);
      assert.equal(b.json().id, a.json().id);
      assert.equal(b.json().email, 'found@later.example');
      assert.deepEqual(b.json().externalIds, [{ system: 'crm', id: 'C-100' }]);
      const none = await post('/api/v1/leads', { firstName: 'Nobody' });
      assert.equal(none.statusCode, 400);
      assert.equal(none.json().error.code, 'LEAD_IDENTITY_REQUIRED');
    });

    it('answers a batch with one result per item in order; a bad item fails alone', async () => {
      await t.request({
        method: 'POST',
        url: '/api/v1/custom-fields',
        headers: admin,
        payload: { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro', 'Enterprise'] },
      });
      await post('/api/v1/leads', { email: 'existing@batch.example', firstName: 'Ex' });
      const res = await post('/api/v1/leads/batch', {
        items: [
          { email: 'new1@batch.example', customFields: { plan: 'pro' } },
          { email: 'existing@batch.example', lastName: 'Isting' },
          { email: 'existing@batch.example', lastName: 'Isting' },
          { email: 'not an email' },
          { email: 'x@batch.example', customFields: { plan: 'Gold' } },
          { email: 'y@batch.example', nickname: 'yo' },
          { email: 'z@batch.example', companySize: 'big' },
          { email: 'NEW1@batch.example', city: 'Porto' },
          'not even an object',
        ],
      });
      assert.equal(res.statusCode, 200);
      const results = res.json().results;
      assert.deepEqual(
        results.map((r: { status: string }) => r.status),
        ['created', 'updated', 'unchanged', 'error', 'error', 'error', 'error', 'updated', 'error'],
      );
      assert.deepEqual(
        results.map((r: { index: number }) => r.index),
        [0, 1, 2, 3, 4, 5, 6, 7, 8],
      );
      assert.equal(results[7].id, results[0].id, 'the same new email twice in a batch is one lead');
      assert.deepEqual(results[3].error.details[0], {
        field: 'email',
        rule: 'format',
        message: 'is not a valid email address',
      });
      assert.equal(results[4].error.details[0].field, 'customFields.plan');
      assert.equal(results[4].error.details[0].rule, 'enum');
      assert.equal(results[5].error.details[0].field, 'nickname');
      assert.equal(results[6].error.details[0].field, 'companySize');
      const lead = (await get(`/api/v1/leads/${results[0].id}`)).json();
      assert.equal(lead.customFields.plan, 'Pro', 'select values are stored as the option is spelt');
      assert.equal(lead.city, 'Porto');
      const tooMany = await post('/api/v1/leads/batch', { items: Array.from({ length: 1001 }, () => ({})) });
      assert.equal(tooMany.statusCode, 400);
    });

    it('creates exactly one lead when many requests create the same new email at once', async () => {
      const email = `race-${dialect}@concurrent.example`;
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => post('/api/v1/leads', { email, firstName: `Racer ${i}` })),
      );
      const statuses = responses.map((r) => r.statusCode);
      assert.ok(
        statuses.every((s) => s === 200 || s === 201),
        `statuses ${statuses}`,
      );
      assert.equal(statuses.filter((s) => s === 201).length, 1);
      assert.equal(new Set(responses.map((r) => r.json().id)).size, 1);
      const listed = (await get(`/api/v1/leads?email=${encodeURIComponent(email)}`)).json();
      assert.equal(listed.data.length, 1);
    });

    it('creates exactly one lead when separate transactions race on the same new email', async () => {
      const email = `tx-race-${dialect}@concurrent.example`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          t.tdb.db.transaction().execute((tx) =>
            t.runtime.api.leads.resolveBatch(tx, [{ input: { email, firstName: `T${i}` } }], {
              source: 'api',
              actor: { type: 'system', label: 'race' },
            }),
          ),
        ),
      );
      const flat = results.map((r) => r[0]!);
      assert.ok(flat.every((r) => r.status !== 'error'));
      assert.equal(flat.filter((r) => r.status === 'created').length, 1);
      assert.equal(new Set(flat.map((r) => ('leadId' in r ? r.leadId : ''))).size, 1);
      const rows = await t.tdb.db.selectFrom('leads').select('id').where('email', '=', email).execute();
      assert.equal(rows.length, 1);
    });

    it('lists with filters, sort and a stable cursor', async () => {
      const tag = `${dialect}-list`;
      await post('/api/v1/custom-fields', { key: 'score_band', label: 'Band', type: 'number' }, admin);
      for (let i = 0; i < 7; i++) {
        t.clock.advance(10);
        await post('/api/v1/leads', {
          email: `p${i}@${tag}.example`,
          lastName: `Person${i}`,
          country: i % 2 === 0 ? 'DE' : 'FR',
          lifecycleStage: i < 2 ? 'subscriber' : 'lead',
          companySize: i * 100,
          customFields: { score_band: i },
        });
      }
      const q = `q=${tag}`;
      const page1 = (await get(`/api/v1/leads?${q}&limit=3`)).json();
      assert.equal(page1.data.length, 3);
      // New leads arriving between pages do not shift what the cursor returns next.
      await post('/api/v1/leads', { email: `late@${tag}.example` });
      const page2 = (await get(`/api/v1/leads?${q}&limit=3&cursor=${page1.nextCursor}`)).json();
      const page3 = (await get(`/api/v1/leads?${q}&limit=3&cursor=${page2.nextCursor}`)).json();
      const emails = [...page1.data, ...page2.data, ...page3.data].map((l: { email: string }) => l.email);
      assert.deepEqual(
        emails,
        [6, 5, 4, 3, 2, 1, 0].map((i) => `p${i}@${tag}.example`).slice(0, emails.length),
      );
      assert.equal(emails.length, 7);
      assert.equal(page3.nextCursor, null);

      const de = (await get(`/api/v1/leads?${q}&country=de&sort=lastName`)).json();
      assert.deepEqual(
        de.data.map((l: { lastName: string }) => l.lastName),
        ['Person0', 'Person2', 'Person4', 'Person6'],
      );
      const subs = (await get(`/api/v1/leads?${q}&stage=subscriber`)).json();
      assert.equal(subs.data.length, 2);
      const big = (await get(`/api/v1/leads?${q}&companySizeMin=300&sort=-companySize`)).json();
      assert.deepEqual(
        big.data.map((l: { companySize: number }) => l.companySize),
        [600, 500, 400, 300],
      );
      const cf = (await get(`/api/v1/leads?${q}&cf.score_band=3`)).json();
      assert.deepEqual(
        cf.data.map((l: { lastName: string }) => l.lastName),
        ['Person3'],
      );
      const count = (await get(`/api/v1/leads/count?${q}&country=FR`)).json();
      assert.equal(count.count, 3);
      const bad = await get('/api/v1/leads?favouriteColour=blue');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].field, 'favouriteColour');
      const badSort = await get('/api/v1/leads?sort=password');
      assert.equal(badSort.json().error.details[0].field, 'sort');
      const badStage = await get('/api/v1/leads?stage=hot');
      assert.equal(badStage.json().error.details[0].field, 'stage');
    });

    it('counts the leads of a filter per lifecycle stage', async () => {
      const tag = `${dialect}-stats`;
      const stages = ['mql', 'mql', 'sql', 'customer', 'mql'];
      for (const [i, stage] of stages.entries()) {
        await post('/api/v1/leads', {
          email: `s${i}@${tag}.example`,
          country: i < 3 ? 'NL' : 'BE',
          lifecycleStage: stage,
        });
      }
      const all = (await get(`/api/v1/leads/stats?q=${tag}`)).json();
      assert.equal(all.total, 5);
      assert.deepEqual(Object.keys(all.byStage), [
        'subscriber',
        'lead',
        'mql',
        'sal',
        'sql',
        'opportunity',
        'customer',
        'disqualified',
        'recycled',
      ]);
      assert.equal(all.byStage.mql, 3);
      assert.equal(all.byStage.sql, 1);
      assert.equal(all.byStage.customer, 1);
      assert.equal(all.byStage.lead, 0);
      const nl = (await get(`/api/v1/leads/stats?q=${tag}&country=nl`)).json();
      assert.equal(nl.total, 3);
      assert.equal(nl.byStage.mql, 2);
      assert.equal(nl.byStage.customer, 0);
      const count = (await get(`/api/v1/leads/count?q=${tag}&country=nl`)).json();
      assert.equal(count.count, nl.total);
      const bad = await get('/api/v1/leads/stats?stage=hot');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].field, 'stage');
      const anonymous = await t.request({ method: 'GET', url: '/api/v1/leads/stats' });
      assert.equal(anonymous.statusCode, 401);
    });

    it('edits with PATCH: sets, clears with null, refuses a taken email and an unknown owner', async () => {
      const id = (
        await post('/api/v1/leads', { email: 'edit@me.example', city: 'Oslo', phone: '+47 1' })
      ).json().id;
      const r = await patch(`/api/v1/leads/${id}`, {
        city: null,
        jobTitle: 'Buyer',
        ownerId: marketer.userId,
      });
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().city, null);
      assert.equal(r.json().jobTitle, 'Buyer');
      assert.equal(r.json().ownerId, marketer.userId);
      await post('/api/v1/leads', { email: 'taken@me.example' });
      const clash = await patch(`/api/v1/leads/${id}`, { email: 'taken@me.example' });
      assert.equal(clash.statusCode, 409);
      assert.equal(clash.json().error.code, 'LEAD_IDENTITY_CONFLICT');
      const owner = await patch(`/api/v1/leads/${id}`, { ownerId: 'usr_nobody' });
      assert.equal(owner.statusCode, 400);
      assert.equal(owner.json().error.details[0].field, 'ownerId');
      const moved = await patch(`/api/v1/leads/${id}`, { email: 'New.Address@me.example' });
      assert.equal(moved.json().email, 'new.address@me.example');
      const missing = await patch('/api/v1/leads/lead_missing', { city: 'X' });
      assert.equal(missing.statusCode, 404);
    });

    it('keeps markup as text and rejects oversize and unknown input with the field named', async () => {
      const markup = '<img src=x onerror=alert(1)>';
      const r = await post('/api/v1/leads', { email: 'markup@xss.example', firstName: markup });
      assert.equal(r.json().firstName, markup);
      const long = await post('/api/v1/leads', { email: 'long@x.example', lastName: 'x'.repeat(100_000) });
      assert.equal(long.statusCode, 400);
      assert.equal(long.json().error.details[0].field, 'lastName');
      const unknown = await post('/api/v1/leads', { email: 'u@x.example', favourite: 1 });
      assert.equal(unknown.json().error.details[0].field, 'favourite');
      const types = await post('/api/v1/leads', { email: 42 });
      assert.equal(types.statusCode, 400);
    });

    it('merges two leads and un-merges them back, touchpoints and identities included', async () => {
      const a = (
        await post('/api/v1/leads', { email: 'one@dup.example', firstName: 'Jo', city: 'Rome' })
      ).json();
      const b = (
        await post('/api/v1/leads', {
          email: 'jo.private@gmail.com',
          lastName: 'Doe',
          city: 'Milan',
          externalIds: [{ system: 'crm', id: 'DUP-1' }],
        })
      ).json();
      const merged = await post(`/api/v1/leads/${a.id}/merge`, { mergedId: b.id });
      assert.equal(merged.statusCode, 200);
      const lead = merged.json().lead;
      assert.equal(lead.lastName, 'Doe', 'blanks filled from the merged lead');
      assert.equal(lead.city, 'Rome', 'the survivor keeps its values');
      assert.deepEqual(lead.externalIds, [{ system: 'crm', id: 'DUP-1' }]);
      const gone = await get(`/api/v1/leads/${b.id}`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().error.code, 'LEAD_MERGED');
      // The merged lead's email now finds the survivor.
      const again = await post('/api/v1/leads', { email: 'jo.private@gmail.com', phone: '+39 555' });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().id, a.id);
      const types = (await get(`/api/v1/leads/${a.id}/touchpoints`))
        .json()
        .data.map((x: { type: string }) => x.type);
      assert.ok(types.includes('merged'));
      assert.equal(
        types.filter((x: string) => x === 'created').length,
        2,
        'both leads’ history is on the survivor',
      );
      // Edit the survivor after the merge; un-merging keeps that edit.
      t.clock.advance(1000);
      await patch(`/api/v1/leads/${a.id}`, { lastName: 'Doe-Smith' });
      const history = (await get(`/api/v1/leads/${a.id}/merges`)).json().data;
      assert.equal(history.length, 1);
      assert.equal(history[0].mergedLead.email, 'jo.private@gmail.com');
      const undo = await post(`/api/v1/lead-merges/${history[0].id}/undo`, {});
      assert.equal(undo.statusCode, 200);
      assert.equal(undo.json().restored.id, b.id);
      assert.equal(undo.json().restored.city, 'Milan');
      assert.deepEqual(undo.json().restored.externalIds, [{ system: 'crm', id: 'DUP-1' }]);
      assert.equal(undo.json().survivor.lastName, 'Doe-Smith', 'an edit made after the merge stays');
      assert.deepEqual(undo.json().survivor.externalIds, []);
      const bTypes = (await get(`/api/v1/leads/${b.id}/touchpoints`))
        .json()
        .data.map((x: { type: string }) => x.type);
      assert.deepEqual(bTypes, ['unmerged', 'created']);
      const twice = await post(`/api/v1/lead-merges/${history[0].id}/undo`, {});
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().error.code, 'MERGE_NOT_UNDOABLE');
      const self = await post(`/api/v1/leads/${a.id}/merge`, { mergedId: a.id });
      assert.equal(self.statusCode, 400);
    });

    it('exports everything about a person, erases them, and blocks silent re-import until consent', async () => {
      const id = (
        await post('/api/v1/leads', {
          email: 'forget@me.example',
          firstName: 'Forget',
          consent: { emailMarketing: { status: 'granted', textVersion: 'v1' } },
        })
      ).json().id;
      await post('/api/v1/leads', { email: 'forget@me.example', city: 'Gent' });
      const sar = await get(`/api/v1/leads/${id}/export`, admin);
      assert.equal(sar.statusCode, 200);
      const data = sar.json();
      assert.equal(data.lead.email, 'forget@me.example');
      assert.equal(data.touchpoints.length, 2);
      assert.equal(data.consentHistory[0].textVersion, 'v1');
      assert.equal(
        (await get(`/api/v1/leads/${id}/export`)).statusCode,
        403,
        'a leads key cannot export people',
      );

      const erased = await t.request({ method: 'POST', url: `/api/v1/leads/${id}/erase`, headers: admin });
      assert.equal(erased.statusCode, 204);
      assert.equal((await get(`/api/v1/leads/${id}`)).statusCode, 404);
      const row = await t.tdb.db
        .selectFrom('leads')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.email, null);
      assert.equal(row.first_name, null);
      assert.ok(row.erased_at);
      assert.equal(row.lifecycle_stage, 'lead', 'anonymous facts are kept');
      const tps = await t.tdb.db
        .selectFrom('touchpoints')
        .select(['type', 'properties'])
        .where('lead_id', '=', id)
        .execute();
      assert.equal(tps.length, 2, 'touchpoint counts survive for aggregates');
      assert.ok(tps.every((x) => !JSON.stringify(x.properties).includes('forget')));

      const back = await post('/api/v1/leads', { email: 'Forget@me.example', firstName: 'Again' });
      assert.equal(back.statusCode, 422);
      assert.equal(back.json().error.code, 'ERASED_EMAIL_BLOCKED');
      const consented = await post('/api/v1/leads', {
        email: 'forget@me.example',
        consent: { emailMarketing: { status: 'granted', textVersion: 'v2', source: 'form' } },
      });
      assert.equal(consented.statusCode, 201);
      assert.equal(consented.json().consent.emailMarketing.textVersion, 'v2');
      const audit = (await t.runtime.api.audit.list({ action: 'lead.' })).data.map((e) => e.action);
      assert.ok(audit.includes('lead.erased') && audit.includes('lead.exported'));
    });

    it('erasing a lead erases those merged into it, not someone whose merge was undone', async () => {
      const keep = (await post('/api/v1/leads', { email: 'twin-a@erase.example', firstName: 'Ann' })).json()
        .id;
      const was = (await post('/api/v1/leads', { email: 'twin-b@erase.example', firstName: 'Bea' })).json()
        .id;
      const still = (await post('/api/v1/leads', { email: 'twin-c@erase.example', firstName: 'Cid' })).json()
        .id;
      const m = (await post(`/api/v1/leads/${keep}/merge`, { mergedId: was })).json();
      assert.equal((await post(`/api/v1/lead-merges/${m.merge.id}/undo`, {})).statusCode, 200);
      assert.ok((await post(`/api/v1/leads/${keep}/merge`, { mergedId: still })).statusCode < 300);
      const erased = await t.request({ method: 'POST', url: `/api/v1/leads/${keep}/erase`, headers: admin });
      assert.equal(erased.statusCode, 204);
      const rows = await t.tdb.db
        .selectFrom('leads')
        .select(['id', 'email', 'erased_at'])
        .where('id', 'in', [keep, was, still])
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.equal(byId.get(keep)!.email, null);
      assert.equal(byId.get(still)!.email, null, 'merged into the erased lead: erased with it');
      assert.equal(byId.get(was)!.email, 'twin-b@erase.example', 'its own record again: untouched');
      assert.equal(byId.get(was)!.erased_at, null);
      assert.equal((await get(`/api/v1/leads/${was}`)).json().firstName, 'Bea');
    });

    it('validates every custom field type on every write', async () => {
      for (const [key, type, options] of [
        ['signed_up', 'date', undefined],
        ['beta', 'boolean', undefined],
        ['seats', 'number', undefined],
        ['interests', 'multiselect', ['SEO', 'Ads', 'Email']],
        ['notes_field', 'text', undefined],
      ] as const) {
        const r = await post(
          '/api/v1/custom-fields',
          { key, label: key, type, ...(options ? { options } : {}) },
          admin,
        );
        assert.equal(r.statusCode, 201, r.body);
      }
      const ok = await post('/api/v1/leads', {
        email: 'cf@types.example',
        customFields: {
          signed_up: '2026-02-28',
          beta: true,
          seats: 12,
          interests: ['ads', 'SEO'],
          notes_field: 'hello',
        },
      });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.deepEqual(ok.json().customFields, {
        signed_up: '2026-02-28',
        beta: true,
        seats: 12,
        interests: ['Ads', 'SEO'],
        notes_field: 'hello',
      });
      for (const [field, value] of [
        ['signed_up', '2026-02-30'],
        ['beta', 'perhaps'],
        ['seats', 'many'],
        ['interests', ['Print']],
        ['unknown_key', 'x'],
      ] as const) {
        const r = await post('/api/v1/leads', {
          email: 'cf@types.example',
          customFields: { [field]: value },
        });
        assert.equal(r.statusCode, 400, `${field}=${JSON.stringify(value)}`);
        assert.equal(r.json().error.details[0].field, `customFields.${field}`);
      }
      const clash = await post(
        '/api/v1/custom-fields',
        { key: 'country', label: 'Country', type: 'text' },
        admin,
      );
      assert.equal(clash.statusCode, 409);
      const noOptions = await post(
        '/api/v1/custom-fields',
        { key: 'tier', label: 'Tier', type: 'select' },
        admin,
      );
      assert.equal(noOptions.statusCode, 400);
      assert.equal(
        (await post('/api/v1/custom-fields', { key: 'x', label: 'X', type: 'text' }, writer)).statusCode,
        403,
      );
    });

    it('records historical creation dates and stages from imports of past leads', async () => {
      const r = await post('/api/v1/leads', {
        email: 'past@history.example',
        lifecycleStage: 'customer',
        createdAt: '2024-03-01T10:00:00.000Z',
      });
      assert.equal(r.statusCode, 201);
      assert.equal(r.json().createdAt, '2024-03-01T10:00:00.000Z');
      assert.equal(r.json().lifecycleStage, 'customer');
      const tp = (await get(`/api/v1/leads/${r.json().id}/touchpoints`)).json().data[0];
      assert.equal(tp.occurredAt, '2024-03-01T10:00:00.000Z');
    });

    it('deletes leads singly and in bulk, and lets only the right people do it', async () => {
      const ids = [];
      for (let i = 0; i < 3; i++)
        ids.push((await post('/api/v1/leads', { email: `del${i}@x.example` })).json().id);
      const rep = await t.signIn('sales_rep');
      assert.equal(
        (await t.request({ method: 'DELETE', url: `/api/v1/leads/${ids[0]}`, headers: rep.headers }))
          .statusCode,
        403,
      );
      assert.equal(
        (await t.request({ method: 'DELETE', url: `/api/v1/leads/${ids[0]}`, headers: writer })).statusCode,
        204,
      );
      const bulk = await post('/api/v1/leads/bulk-delete', { ids: [ids[1], ids[2], 'lead_missing'] });
      assert.deepEqual(bulk.json(), { deleted: 2 });
      assert.equal((await get(`/api/v1/leads/${ids[1]}`)).statusCode, 404);
    });
  });
}
