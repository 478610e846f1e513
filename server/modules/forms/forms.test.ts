/** The form builder's API: validation, slugs, consent text versions, access, lists with counts. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { createForm, draw, submitJson } from './forms.fixtures.ts';

for (const dialect of testDialects) {
  describe(`forms builder API (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    let rep: Record<string, string>;
    let admin: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = (await t.signIn('marketing')).headers;
      rep = (await t.signIn('sales_rep')).headers;
      admin = (await t.apiKey(['admin'])).headers;
      const cf = await t.request({
        method: 'POST',
        url: '/api/v1/custom-fields',
        headers: admin,
        payload: { key: 'interest', label: 'Interest', type: 'select', options: ['CRM', 'Forms', 'Scoring'] },
      });
      assert.equal(cf.statusCode, 201);
    });
    after(async () => t.close());

    const post = (payload: unknown, headers = marketer) =>
      t.request({ method: 'POST', url: '/api/v1/forms', headers, payload: payload as object });
    const patch = (id: string, payload: unknown, headers = marketer) =>
      t.request({ method: 'PATCH', url: `/api/v1/forms/${id}`, headers, payload: payload as object });

    it('creates a draft with sensible defaults and a slug made from the name', async () => {
      const res = await post({ name: 'Newsletter — Spring édition!' });
      assert.equal(res.statusCode, 201);
      const form = res.json();
      assert.match(form.id, /^form_/);
      assert.equal(form.slug, 'newsletter-spring-edition');
      assert.equal(form.status, 'draft');
      assert.deepEqual(
        form.fields.map((f: { key: string }) => f.key),
        ['email', 'firstName', 'lastName', 'companyName'],
      );
      assert.equal(form.fields[0].required, true);
      assert.equal(form.submitLabel, 'Submit');
      assert.equal(form.minFillSeconds, 3);
      assert.equal(form.allowTokenless, false);
      assert.equal(form.disposableEmails, 'flag');
      assert.equal(form.leadStage, 'lead');
      assert.equal(form.submissionCount, 0);
      // The same name again gets a numbered slug; a slug asked for and taken is a conflict.
      assert.equal(
        (await post({ name: 'Newsletter — Spring édition!' })).json().slug,
        'newsletter-spring-edition-2',
      );
      const taken = await post({ name: 'Other', slug: 'newsletter-spring-edition' });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().error.code, 'FORM_SLUG_TAKEN');
    });

    it('names each field and rule a definition breaks', async () => {
      const res = await post({
        name: 'Broken',
        slug: 'confirm',
        status: 'published',
        fields: [
          { key: 'firstName', label: 'First name', required: true },
          { key: 'nonsense', label: 'Nope', required: false },
          { key: 'firstName', label: 'Again', required: false },
          { key: 'interest', label: 'Interest', required: false, options: ['CRM', 'Telepathy'] },
          { key: 'companySize', label: 'Size', required: false, control: 'textarea' },
        ],
        hiddenFields: [{ key: 'industry', source: 'fixed' }],
        consents: [
          { key: 'a', purpose: 'emailMarketing', text: 'News', required: false },
          { key: 'b', purpose: 'emailMarketing', text: 'More news', required: false },
        ],
        notify: ['usr_nobody'],
      });
      assert.equal(res.statusCode, 400);
      const body = res.json().error;
      assert.equal(body.code, 'VALIDATION_FAILED');
      const got = body.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`);
      for (const want of [
        'slug:reserved',
        'fields.1.key:known',
        'fields.2.key:unique',
        'fields.3.options:enum',
        'fields.4.control:type',
        'hiddenFields.0.value:required',
        'consents.1.purpose:unique',
        'notify.0:exists',
        'fields:email',
      ]) {
        assert.ok(got.includes(want), `${want} in ${got.join(', ')}`);
      }
      // Schema rules are named too: an origin must be an origin, a redirect a web address.
      const schema = await post({
        name: 'X',
        allowedOrigins: ['example.com'],
        redirectUrl: 'javascript:alert(1)',
      });
      assert.equal(schema.statusCode, 400);
      const fields = schema.json().error.details.map((d: { field: string }) => d.field);
      assert.ok(fields.includes('allowedOrigins.0'));
      assert.ok(fields.includes('redirectUrl'));
      // Double opt-in confirms email-marketing consent: the form needs that box.
      const doi = await post({ name: 'DOI', doubleOptIn: true });
      assert.equal(doi.statusCode, 400);
      assert.equal(doi.json().error.details[0].field, 'doubleOptIn');
    });

    it('versions consent texts: a new version only when the wording changes', async () => {
      const form = (
        await post({
          name: 'Consent versions',
          consents: [
            { key: 'news', purpose: 'emailMarketing', text: 'Send me news.', required: false },
            { key: 'cookies', purpose: 'tracking', text: 'Track my visits.', required: false },
          ],
        })
      ).json();
      assert.equal(form.consents[0].version, `${form.id}/news/v1`);
      const same = (await patch(form.id, { name: 'Consent versions (renamed)' })).json();
      assert.equal(same.consents[0].version, `${form.id}/news/v1`);
      const changed = (
        await patch(form.id, {
          consents: [
            { key: 'news', purpose: 'emailMarketing', text: 'Send me news and offers.', required: true },
            { key: 'cookies', purpose: 'tracking', text: 'Track my visits.', required: false },
          ],
        })
      ).json();
      assert.equal(changed.consents[0].version, `${form.id}/news/v2`);
      assert.equal(changed.consents[0].required, true);
      assert.equal(changed.consents[1].version, `${form.id}/cookies/v1`);
      const history = (
        await t.request({ method: 'GET', url: `/api/v1/forms/${form.id}/consent-versions`, headers: rep })
      ).json().data;
      assert.deepEqual(
        history.map((h: { version: string; text: string }) => [h.version, h.text]),
        [
          [`${form.id}/cookies/v1`, 'Track my visits.'],
          [`${form.id}/news/v1`, 'Send me news.'],
          [`${form.id}/news/v2`, 'Send me news and offers.'],
        ],
      );
    });

    it('publishes only a form with a required email, then serves it; drafts and archived forms are not public', async () => {
      const form = (
        await post({ name: 'Gated', fields: [{ key: 'firstName', label: 'First name', required: true }] })
      ).json();
      assert.equal((await t.request({ method: 'GET', url: `/f/${form.slug}` })).statusCode, 404);
      const refused = await patch(form.id, { status: 'published' });
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().error.details[0].rule, 'email');
      const published = await patch(form.id, {
        status: 'published',
        fields: [
          { key: 'email', label: 'Email', required: true },
          { key: 'interest', label: 'Interest', required: false, control: 'radio' },
        ],
      });
      assert.equal(published.statusCode, 200);
      assert.ok(published.json().publishedAt);
      const def = await draw(t, form.slug);
      assert.deepEqual(
        def.fields.map((f) => f.name),
        ['email', 'interest'],
      );
      assert.equal((await patch(form.id, { status: 'archived' })).statusCode, 200);
      assert.equal((await t.request({ method: 'GET', url: `/f/${form.slug}` })).statusCode, 404);
      assert.equal(
        (await t.request({ method: 'GET', url: `/api/v1/public/forms/${form.slug}` })).json().error.code,
        'FORM_NOT_FOUND',
      );
    });

    it('lets marketing and admins write, sales read, and API keys with the capture scope do both', async () => {
      const form = await createForm(t, marketer, { name: 'Access' });
      assert.equal((await post({ name: 'By a rep' }, rep)).statusCode, 403);
      assert.equal((await patch(form.id, { name: 'By a rep' }, rep)).statusCode, 403);
      assert.equal(
        (await t.request({ method: 'GET', url: `/api/v1/forms/${form.id}`, headers: rep })).statusCode,
        200,
      );
      const capture = (await t.apiKey(['capture'])).headers;
      assert.equal((await post({ name: 'By a key' }, capture)).statusCode, 201);
      const reader = (await t.apiKey(['leads:read'])).headers;
      assert.equal((await post({ name: 'By a reader' }, reader)).statusCode, 403);
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/v1/forms', headers: reader })).statusCode,
        200,
      );
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/forms' })).statusCode, 401);
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/v1/forms/form_nope', headers: rep })).statusCode,
        404,
      );
    });

    it('lists forms with their submission counts and last submission, and searches them', async () => {
      const form = await createForm(t, marketer, { name: 'Counted webinar', status: 'published' });
      for (const email of ['one@counted.example', 'two@counted.example']) {
        const { token } = await draw(t, form.slug);
        t.clock.advance(5000);
        const res = await submitJson(t, form.slug, { token, fields: { email } });
        assert.equal(res.statusCode, 201, res.body);
      }
      const { token } = await draw(t, form.slug);
      t.clock.advance(5000);
      await submitJson(t, form.slug, {
        token,
        fields: { email: 'bot@counted.example' },
        honeypot: 'http://spam',
      });
      const list = (
        await t.request({ method: 'GET', url: '/api/v1/forms?q=counted&limit=5', headers: rep })
      ).json();
      assert.equal(list.data.length, 1);
      assert.equal(list.data[0].id, form.id);
      assert.equal(list.data[0].submissionCount, 2);
      assert.equal(list.data[0].spamCount, 1);
      assert.equal(list.data[0].lastSubmissionAt, new Date(t.clock.now() - 5000).toISOString());
      // Submissions name everyone who filled the form in, whoever owns them: marketing's, not sales'.
      const repSubs = await t.request({
        method: 'GET',
        url: `/api/v1/forms/${form.id}/submissions`,
        headers: rep,
      });
      assert.equal(repSubs.statusCode, 403);
      const subs = (
        await t.request({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions`, headers: marketer })
      ).json().data;
      assert.deepEqual(
        subs.map((s: { email: string | null; spam: boolean }) => [s.email, s.spam]),
        [
          [null, true],
          ['two@counted.example', false],
          ['one@counted.example', false],
        ],
      );
      assert.ok(subs[1].leadId);
      const spamOnly = (
        await t.request({
          method: 'GET',
          url: `/api/v1/forms/${form.id}/submissions?status=spam`,
          headers: marketer,
        })
      ).json().data;
      assert.equal(spamOnly.length, 1);
      assert.equal(spamOnly[0].spamReason, 'honeypot');
      assert.equal(spamOnly[0].leadId, null);
      const paged = (await t.request({ method: 'GET', url: '/api/v1/forms?limit=2', headers: rep })).json();
      assert.equal(paged.data.length, 2);
      assert.ok(paged.nextCursor);
    });
  });
}
