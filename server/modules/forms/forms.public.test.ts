/**
 * The public doors of forms: the hosted page without JavaScript (GET and form-encoded POST), the
 * JSON definition and submission endpoints with CORS, and every protection: honeypot, minimum fill
 * time, replayed tokens, forged origins, bot agents, oversize fields, disposable emails, rate limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import {
  createForm,
  draw,
  hiddenInputs,
  leadByEmail,
  nextIp,
  postHosted,
  rowCounts,
  submitJson,
  touchpointsOf,
} from './forms.fixtures.ts';

const site = 'https://www.customer-site.example';

for (const dialect of testDialects) {
  describe(`forms public endpoints (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    let reader: Record<string, string>;
    let form: { id: string; slug: string; consents: { key: string; version: string }[] };
    before(async () => {
      t = await createTestApp(dialect, { config: { formsRateLimit: 5 } });
      marketer = (await t.signIn('marketing')).headers;
      reader = (await t.apiKey(['admin'])).headers;
      const cf = await t.request({
        method: 'POST',
        url: '/api/v1/custom-fields',
        headers: reader,
        payload: {
          key: 'topics',
          label: 'Topics',
          type: 'multiselect',
          options: ['CRM', 'Forms', 'Scoring'],
        },
      });
      assert.equal(cf.statusCode, 201);
      form = await createForm(t, marketer, {
        name: 'Book a demo <b>now</b>',
        slug: 'demo',
        status: 'published',
        fields: [
          { key: 'email', label: 'Work email', required: true, helpText: 'We reply within a day' },
          { key: 'firstName', label: 'First name', required: true },
          { key: 'companySize', label: 'Employees', required: false },
          { key: 'topics', label: 'Topics', required: false },
        ],
        hiddenFields: [
          { key: 'industry', source: 'fixed', value: 'Software' },
          { key: 'city', source: 'utm_campaign' },
        ],
        consents: [
          {
            key: 'news',
            purpose: 'emailMarketing',
            text: 'Send me product news. See our [privacy policy](https://example.com/privacy).',
            required: false,
          },
          { key: 'terms', purpose: 'tracking', text: 'I accept <the terms>', required: true },
        ],
        allowedOrigins: [site],
        handRaise: true,
        submitLabel: 'Book my demo',
      });
    });
    after(async () => t.close());

    /** A token old enough to pass the minimum fill time. */
    async function token(slug = form.slug, origin?: string): Promise<string> {
      const { token } = await draw(t, slug, origin);
      t.clock.advance(4000);
      return token;
    }

    it('serves the hosted page as plain HTML: labels, help, consent texts escaped, its own CSP, framable by allowed origins', async () => {
      const res = await t.request({ method: 'GET', url: '/f/demo?utm_source=news&utm_campaign=spring' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      const html = res.body;
      assert.match(html, /<form class="ll-form" method="post" action="\/f\/demo"/);
      assert.ok(html.includes('<title>Book a demo &lt;b&gt;now&lt;/b&gt;</title>'));
      assert.ok(!html.includes('<b>now</b>'));
      assert.match(
        html,
        /<label class="ll-label" for="ll-f-email">Work email<span class="ll-req" aria-hidden="true">\*<\/span><\/label>/,
      );
      assert.match(
        html,
        /<input class="ll-input" type="email" id="ll-f-email" name="email" required maxlength="254" autocomplete="email" aria-describedby="ll-f-email-help">/,
      );
      assert.ok(html.includes('<span class="ll-help" id="ll-f-email-help">We reply within a day</span>'));
      assert.ok(html.includes('<legend class="ll-label">Topics</legend>'));
      assert.ok(html.includes('I accept &lt;the terms&gt;'));
      assert.ok(
        html.includes(
          '<a href="https://example.com/privacy" target="_blank" rel="noopener noreferrer">privacy policy</a>',
        ),
      );
      assert.ok(html.includes('name="_website"'), 'the honeypot');
      assert.ok(!/<script/i.test(html), 'the page needs no script');
      const hidden = hiddenInputs(html);
      assert.ok(hidden._token);
      assert.equal(hidden._page_url, 'http://localhost:3000/f/demo?utm_source=news&utm_campaign=spring');
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, new RegExp(`frame-ancestors 'self' ${site.replace(/\./g, '\\.')}`));
      assert.equal(res.headers['x-frame-options'], undefined);
      assert.equal(res.headers['cache-control'], 'no-store');
      // With no-referrer, a browser posts the form with `Origin: null` and the origin check refuses it.
      assert.equal(res.headers['referrer-policy'], 'same-origin');
    });

    it('takes a form-encoded POST without JavaScript: 303 to the thank-you page, one lead with a form_submitted touchpoint', async () => {
      const page = await t.request({
        method: 'GET',
        url: '/f/demo?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=abc',
      });
      const hidden = hiddenInputs(page.body);
      t.clock.advance(5000);
      const res = await postHosted(t, 'demo', {
        ...hidden,
        email: ' Grace@Hopper.example ',
        firstName: 'Grace',
        companySize: '250',
        topics: ['CRM', 'Forms'],
        _consent_news: 'yes',
        _consent_terms: 'yes',
        _website: '',
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, '/f/demo/thanks');
      const thanks = await t.request({ method: 'GET', url: '/f/demo/thanks' });
      assert.equal(thanks.statusCode, 200);
      assert.ok(thanks.body.includes('Thank you! We received your details.'));

      const lead = await leadByEmail(t, reader, 'grace@hopper.example');
      assert.ok(lead);
      assert.equal(lead.firstName, 'Grace');
      assert.equal(lead.companySize, 250);
      assert.equal(lead.industry, 'Software', 'a fixed hidden value');
      assert.equal(lead.city, 'spring', 'a hidden field filled from utm_campaign');
      assert.deepEqual(lead.customFields, { topics: ['CRM', 'Forms'] });
      assert.equal(lead.source, 'form');
      // The demo form is a hand-raise: the default qualification policy makes its lead an MQL.
      assert.equal(lead.lifecycleStage, 'mql');
      assert.equal(lead.consent.emailMarketing.status, 'granted');
      assert.equal(lead.consent.emailMarketing.textVersion, `${form.id}/news/v1`);
      assert.equal(lead.consent.emailMarketing.source, 'form:demo');
      assert.equal(lead.consent.tracking.textVersion, `${form.id}/terms/v1`);
      const tps = await touchpointsOf(t, reader, lead.id);
      const submitted = tps.filter((tp) => tp.type === 'form_submitted');
      assert.equal(submitted.length, 1);
      const { changes, ...props } = submitted[0]!.properties;
      assert.ok(changes, 'the resolver adds what changed');
      const subs = (
        await t.request({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions`, headers: reader })
      ).json().data;
      const sub = subs.find((s: { email: string }) => s.email === 'grace@hopper.example');
      assert.equal(sub.via, 'hosted');
      assert.deepEqual(props, {
        form: { id: form.id, slug: 'demo', name: 'Book a demo <b>now</b>' },
        submissionId: sub.id,
        page: {
          url: 'http://localhost:3000/f/demo?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=abc',
          path: '/f/demo',
        },
        utm: { source: 'news', medium: 'email', campaign: 'spring' },
        clickIds: { gclid: 'abc' },
        handRaise: true,
      });
    });

    it('re-renders the page with the values (escaped) and each error beside its field, 400', async () => {
      const page = await t.request({ method: 'GET', url: '/f/demo' });
      const hidden = hiddenInputs(page.body);
      t.clock.advance(5000);
      const before = await rowCounts(t);
      const res = await postHosted(t, 'demo', {
        ...hidden,
        email: 'not-an-email',
        firstName: '<script>alert("x")</script>',
        companySize: 'lots',
      });
      assert.equal(res.statusCode, 400);
      const html = res.body;
      assert.ok(!html.includes('<script>alert'), 'script in values is escaped');
      assert.ok(html.includes('value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"'));
      assert.match(
        html,
        /id="ll-f-email"[^>]*aria-describedby="ll-f-email-help ll-f-email-error" aria-invalid="true"/,
      );
      assert.ok(
        html.includes(
          '<span class="ll-error" id="ll-f-email-error">Please enter a valid email address</span>',
        ),
      );
      assert.ok(
        html.includes('<span class="ll-error" id="ll-f-companySize-error">Must be a whole number</span>'),
      );
      assert.ok(html.includes('<span class="ll-error" id="ll-c-terms-error">Please tick this box</span>'));
      assert.match(
        html,
        /<div class="ll-summary" role="alert" id="ll-summary" tabindex="-1"><p>Please fix these 3 problems:/,
      );
      assert.ok(html.includes('<a href="#ll-f-email">Work email: Please enter a valid email address</a>'));
      // The same token stays in the page: fixing the answers and sending again works.
      assert.equal(hiddenInputs(html)._token, hidden._token);
      assert.deepEqual(await rowCounts(t), before);
      const fixed = await postHosted(t, 'demo', {
        ...hiddenInputs(html),
        email: 'fixed@example.com',
        firstName: '<script>alert("x")</script>',
        _consent_terms: 'yes',
      });
      assert.equal(fixed.statusCode, 303);
      const lead = await leadByEmail(t, reader, 'fixed@example.com');
      assert.equal(lead.firstName, '<script>alert("x")</script>', 'stored as text, as typed');
    });

    it('answers 404 pages for unpublished forms and refuses a POST from a site not allowed', async () => {
      const missing = await t.request({ method: 'GET', url: '/f/no-such-form' });
      assert.equal(missing.statusCode, 404);
      assert.match(String(missing.headers['content-type']), /^text\/html/);
      assert.ok(missing.body.includes('Form not found'));
      const page = await t.request({ method: 'GET', url: '/f/demo' });
      t.clock.advance(5000);
      const forged = await postHosted(
        t,
        'demo',
        { ...hiddenInputs(page.body), email: 'x@example.com', firstName: 'X', _consent_terms: 'yes' },
        { origin: 'https://evil.example' },
      );
      assert.equal(forged.statusCode, 403);
      assert.ok(forged.body.includes('https://evil.example'));
      const allowed = await postHosted(
        t,
        'demo',
        { ...hiddenInputs(page.body), email: 'allowed@example.com', firstName: 'A', _consent_terms: 'yes' },
        { origin: site },
      );
      assert.equal(allowed.statusCode, 303);
      const replay = await postHosted(t, 'demo', {
        ...hiddenInputs(page.body),
        email: 'again@example.com',
        firstName: 'A',
        _consent_terms: 'yes',
      });
      assert.equal(replay.statusCode, 409);
      assert.ok(replay.body.includes('already sent'));
    });

    it('gives the definition with CORS for allowed origins only, and answers preflights', async () => {
      const def = await t.request({
        method: 'GET',
        url: '/api/v1/public/forms/demo',
        headers: { origin: site },
      });
      assert.equal(def.statusCode, 200);
      assert.equal(def.headers['access-control-allow-origin'], site);
      assert.equal(def.headers.vary, 'Origin');
      assert.equal(def.headers['cache-control'], 'no-store');
      const body = def.json();
      assert.equal(body.submitUrl, 'http://localhost:3000/api/v1/public/forms/demo/submissions');
      assert.deepEqual(body.consents[0].parts, [
        { text: 'Send me product news. See our ' },
        { text: 'privacy policy', href: 'https://example.com/privacy' },
        { text: '.' },
      ]);
      assert.deepEqual(
        body.fields.map(
          (f: { name: string; type: string; control: string }) => `${f.name}:${f.type}:${f.control}`,
        ),
        [
          'email:email:input',
          'firstName:text:input',
          'companySize:number:input',
          'topics:multiselect:checkboxes',
        ],
      );
      const forged = await t.request({
        method: 'GET',
        url: '/api/v1/public/forms/demo',
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(forged.statusCode, 403);
      assert.equal(forged.json().error.code, 'FORM_ORIGIN_FORBIDDEN');
      assert.match(forged.json().error.message, /https:\/\/evil\.example/);
      assert.equal(forged.headers['access-control-allow-origin'], undefined);

      const pre = await t.request({
        method: 'OPTIONS',
        url: '/api/v1/public/forms/demo/submissions',
        headers: {
          origin: site,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      assert.equal(pre.statusCode, 204);
      assert.equal(pre.headers['access-control-allow-origin'], site);
      assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
      assert.match(String(pre.headers['access-control-allow-headers']), /content-type/);
      const prefForged = await t.request({
        method: 'OPTIONS',
        url: '/api/v1/public/forms/demo/submissions',
        headers: { origin: 'null', 'access-control-request-method': 'POST' },
      });
      assert.equal(prefForged.statusCode, 403);
      assert.match(prefForged.json().error.message, /The site null may not use/);
    });

    it('accepts a JSON submission from an allowed site: one lead, the touchpoint with page, UTM and visitor', async () => {
      const tk = await token('demo', site);
      const res = await submitJson(
        t,
        'demo',
        {
          token: tk,
          fields: { email: 'ada@analytical.example', firstName: 'Ada', topics: ['Scoring'] },
          consents: { news: true, terms: true },
          page: {
            url: 'https://www.customer-site.example/pricing?utm_source=linkedin&utm_medium=paid&fbclid=zz',
            title: 'Pricing',
            referrer: 'https://www.linkedin.com/',
          },
          visitorId: 'v_ada_0001',
        },
        { origin: site },
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['access-control-allow-origin'], site);
      const body = res.json();
      assert.match(body.id, /^sub_/);
      assert.deepEqual(
        { ...body, id: undefined },
        {
          id: undefined,
          status: 'accepted',
          message: 'Thank you! We received your details.',
          redirectUrl: null,
          confirmationRequired: false,
        },
      );
      const lead = await leadByEmail(t, reader, 'ada@analytical.example');
      assert.equal(lead.consent.emailMarketing.textVersion, `${form.id}/news/v1`);
      const [tp] = (await touchpointsOf(t, reader, lead.id)).filter((x) => x.type === 'form_submitted');
      const { changes: _c, ...props } = tp!.properties;
      assert.deepEqual(props, {
        form: { id: form.id, slug: 'demo', name: 'Book a demo <b>now</b>' },
        submissionId: body.id,
        page: {
          url: 'https://www.customer-site.example/pricing?utm_source=linkedin&utm_medium=paid&fbclid=zz',
          path: '/pricing',
          title: 'Pricing',
          referrer: 'https://www.linkedin.com/',
        },
        utm: { source: 'linkedin', medium: 'paid' },
        clickIds: { fbclid: 'zz' },
        handRaise: true,
        visitorId: 'v_ada_0001',
      });
      // The same person again: the same lead, a second touchpoint.
      const again = await submitJson(t, 'demo', {
        token: await token(),
        fields: { email: 'ADA@analytical.example', firstName: 'Ada' },
        consents: { terms: true },
      });
      assert.equal(again.statusCode, 201);
      assert.equal(
        (await touchpointsOf(t, reader, lead.id)).filter((x) => x.type === 'form_submitted').length,
        2,
      );
    });

    it('records the consent text version the form showed, even after the text changed', async () => {
      const shown = await token();
      const patched = await t.request({
        method: 'PATCH',
        url: `/api/v1/forms/${form.id}`,
        headers: marketer,
        payload: {
          consents: [
            { key: 'news', purpose: 'emailMarketing', text: 'Send me news (new wording).', required: false },
            { key: 'terms', purpose: 'tracking', text: 'I accept <the terms>', required: true },
          ],
        },
      });
      assert.equal(patched.json().consents[0].version, `${form.id}/news/v2`);
      t.clock.advance(3000);
      const res = await submitJson(t, 'demo', {
        token: shown,
        fields: { email: 'versions@example.com', firstName: 'V' },
        consents: { news: true, terms: true },
      });
      assert.equal(res.statusCode, 201, res.body);
      const lead = await leadByEmail(t, reader, 'versions@example.com');
      assert.equal(lead.consent.emailMarketing.textVersion, `${form.id}/news/v1`);
      const fresh = await submitJson(t, 'demo', {
        token: await token(),
        fields: { email: 'versions2@example.com', firstName: 'V' },
        consents: { news: true, terms: true },
      });
      assert.equal(fresh.statusCode, 201);
      assert.equal(
        (await leadByEmail(t, reader, 'versions2@example.com')).consent.emailMarketing.textVersion,
        `${form.id}/news/v2`,
      );
    });

    it('drops honeypot, too-fast and crawler submissions silently: the same answer, kept as spam, no lead', async () => {
      const before = await rowCounts(t);
      const honey = await submitJson(t, 'demo', {
        token: await token(),
        fields: { email: 'honey@spam.example', firstName: 'H' },
        consents: { terms: true },
        honeypot: 'http://cheap-pills.example',
      });
      const { token: quick } = await draw(t, 'demo');
      t.clock.advance(500);
      const fast = await submitJson(t, 'demo', {
        token: quick,
        fields: { email: 'fast@spam.example', firstName: 'F' },
        consents: { terms: true },
      });
      const crawler = await submitJson(
        t,
        'demo',
        {
          token: await token(),
          fields: { email: 'crawler@spam.example', firstName: 'C' },
          consents: { terms: true },
        },
        { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      );
      for (const res of [honey, fast, crawler]) {
        assert.equal(res.statusCode, 201);
        assert.deepEqual(Object.keys(res.json()).sort(), [
          'confirmationRequired',
          'id',
          'message',
          'redirectUrl',
          'status',
        ]);
        assert.equal(res.json().message, 'Thank you! We received your details.');
      }
      const after = await rowCounts(t);
      assert.equal(after.submissions, before.submissions + 3);
      assert.equal(after.leads, before.leads);
      assert.equal(after.touchpoints, before.touchpoints);
      const spam = (
        await t.request({
          method: 'GET',
          url: `/api/v1/forms/${form.id}/submissions?status=spam`,
          headers: reader,
        })
      ).json().data;
      assert.deepEqual(
        spam.slice(0, 3).map((s: { spamReason: string; leadId: null }) => [s.spamReason, s.leadId]),
        [
          ['bot', null],
          ['too_fast', null],
          ['honeypot', null],
        ],
      );
    });

    it('refuses a replayed token with 409, forged or missing tokens with 400, and stores nothing for them', async () => {
      const tk = await token();
      const first = await submitJson(t, 'demo', {
        token: tk,
        fields: { email: 'once@example.com', firstName: 'O' },
        consents: { terms: true },
      });
      assert.equal(first.statusCode, 201);
      const before = await rowCounts(t);
      const replay = await submitJson(t, 'demo', {
        token: tk,
        fields: { email: 'twice@example.com', firstName: 'T' },
        consents: { terms: true },
      });
      assert.equal(replay.statusCode, 409);
      assert.equal(replay.json().error.code, 'SUBMISSION_REPLAYED');
      const forged = await submitJson(t, 'demo', {
        token: `${tk.slice(0, -3)}AAA`,
        fields: { email: 'forged@example.com', firstName: 'F' },
        consents: { terms: true },
      });
      assert.equal(forged.statusCode, 400);
      assert.equal(forged.json().error.code, 'FORM_TOKEN_INVALID');
      const none = await submitJson(t, 'demo', {
        fields: { email: 'none@example.com', firstName: 'N' },
        consents: { terms: true },
      });
      assert.equal(none.statusCode, 400);
      assert.deepEqual(none.json().error.details, [
        { field: 'token', rule: 'required', message: 'is required by this form' },
      ]);
      const other = await createForm(t, marketer, { name: 'Other form', status: 'published' });
      const wrongForm = await submitJson(t, 'demo', {
        token: await token(other.slug),
        fields: { email: 'wrong@example.com', firstName: 'W' },
        consents: { terms: true },
      });
      assert.equal(wrongForm.statusCode, 400);
      const { token: old } = await draw(t, 'demo');
      t.clock.advance(25 * 3600_000);
      const expired = await submitJson(t, 'demo', {
        token: old,
        fields: { email: 'late@example.com', firstName: 'L' },
        consents: { terms: true },
      });
      assert.equal(expired.statusCode, 400);
      assert.match(expired.json().error.message, /expired/);
      assert.deepEqual(await rowCounts(t), before);
    });

    it('accepts token-less API posts only on forms that allow them', async () => {
      const open = await createForm(t, marketer, {
        name: 'API form',
        status: 'published',
        allowTokenless: true,
      });
      const res = await submitJson(t, open.slug, { fields: { email: 'server@api.example' } });
      assert.equal(res.statusCode, 201, res.body);
      const subs = (
        await t.request({ method: 'GET', url: `/api/v1/forms/${open.id}/submissions`, headers: reader })
      ).json().data;
      assert.equal(subs[0].via, 'api');
      // No token: no fill time to measure and nothing to replay; honeypots and bots still count.
      const bot = await submitJson(t, open.slug, { fields: { email: 'b@api.example' }, honeypot: 'x' });
      assert.equal(bot.statusCode, 201);
      assert.equal(
        (
          await t.request({
            method: 'GET',
            url: `/api/v1/forms/${open.id}/submissions?status=spam`,
            headers: reader,
          })
        ).json().data.length,
        1,
      );
    });

    it('names each field and rule that bad input breaks, 400, storing nothing', async () => {
      const before = await rowCounts(t);
      const cases: [unknown, string[]][] = [
        [{ fields: { firstName: 'No email' }, consents: { terms: true } }, ['fields.email:required']],
        [
          { fields: { email: 'a@b.example', firstName: 'x'.repeat(201) }, consents: { terms: true } },
          ['fields.firstName:maxLength'],
        ],
        [
          { fields: { email: 'a@b.example', firstName: 'A', shoeSize: '44' }, consents: { terms: true } },
          ['fields.shoeSize:known'],
        ],
        [
          {
            fields: { email: 'a@b.example', firstName: 'A', topics: ['Telepathy'] },
            consents: { terms: true },
          },
          ['fields.topics:enum'],
        ],
        [{ fields: { email: 'a@b.example', firstName: 'A' } }, ['consents.terms:required']],
        [
          { fields: { email: 'a@b.example', firstName: 'A' }, consents: { terms: true, extra: true } },
          ['consents.extra:known'],
        ],
        [{ fields: { email: 'a@b.example', firstName: { $gt: '' } } }, ['fields.firstName:type']],
        [{ fields: { email: 'a@b.example', firstName: 'A'.repeat(10_001) } }, ['fields.firstName:maxLength']],
        [{ fields: {}, unknown: 1 }, ['unknown:additionalProperties']],
        [
          {
            fields: { email: 'a@b.example', firstName: 'A\u0000' },
            consents: { terms: true },
            page: { title: 'x\u0000' },
          },
          ['fields.firstName:characters', 'page.title:characters'],
        ],
      ];
      for (const [body, want] of cases) {
        const res = await submitJson(t, 'demo', { token: await token(), ...(body as object) });
        assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} → ${res.body}`);
        const got = res
          .json()
          .error.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`);
        for (const w of want) assert.ok(got.includes(w), `${w} in ${got.join(', ')}`);
      }
      const huge = await submitJson(t, 'demo', {
        token: await token(),
        fields: { email: 'x'.repeat(70_000) },
      });
      assert.equal(huge.statusCode, 413);
      const notJson = await submitJson(t, 'demo', '{"fields": ');
      assert.equal(notJson.statusCode, 400);
      assert.equal(notJson.json().error.code, 'INVALID_JSON');
      assert.deepEqual(await rowCounts(t), before);
    });

    it('flags disposable addresses, or refuses them with 422 naming the email when the form says so', async () => {
      const flagged = await submitJson(t, 'demo', {
        token: await token(),
        fields: { email: 'temp@mailinator.com', firstName: 'T' },
        consents: { terms: true },
      });
      assert.equal(flagged.statusCode, 201);
      const subs = (
        await t.request({
          method: 'GET',
          url: `/api/v1/forms/${form.id}/submissions?limit=1`,
          headers: reader,
        })
      ).json().data;
      assert.equal(subs[0].email, 'temp@mailinator.com');
      assert.equal(subs[0].disposable, true);
      const strict = await createForm(t, marketer, {
        name: 'Strict',
        status: 'published',
        disposableEmails: 'reject',
      });
      const before = await rowCounts(t);
      const refused = await submitJson(t, strict.slug, {
        token: await token(strict.slug),
        fields: { email: 'x@sub.yopmail.com' },
      });
      assert.equal(refused.statusCode, 422);
      assert.equal(refused.json().error.code, 'DISPOSABLE_EMAIL_REJECTED');
      assert.deepEqual(
        refused.json().error.details.map((d: { field: string }) => d.field),
        ['fields.email'],
      );
      assert.deepEqual(await rowCounts(t), before);
    });

    it('gives new leads the form’s stage, moves subscribers forward and never moves a lead back', async () => {
      const newsletter = await createForm(t, marketer, {
        name: 'Newsletter',
        status: 'published',
        leadStage: 'subscriber',
      });
      const gated = await createForm(t, marketer, {
        name: 'Whitepaper',
        status: 'published',
        leadStage: 'lead',
      });
      const send = async (slug: string, email: string) =>
        assert.equal(
          (await submitJson(t, slug, { token: await token(slug), fields: { email } })).statusCode,
          201,
        );
      await send(newsletter.slug, 'reader@stages.example');
      assert.equal((await leadByEmail(t, reader, 'reader@stages.example')).lifecycleStage, 'subscriber');
      await send(gated.slug, 'reader@stages.example');
      assert.equal((await leadByEmail(t, reader, 'reader@stages.example')).lifecycleStage, 'lead');
      await send(newsletter.slug, 'reader@stages.example');
      assert.equal((await leadByEmail(t, reader, 'reader@stages.example')).lifecycleStage, 'lead');
      const mql = await leadByEmail(t, reader, 'reader@stages.example');
      await t.request({
        method: 'PATCH',
        url: `/api/v1/leads/${mql.id}`,
        headers: reader,
        payload: { lifecycleStage: 'mql' },
      });
      await send(gated.slug, 'reader@stages.example');
      assert.equal((await leadByEmail(t, reader, 'reader@stages.example')).lifecycleStage, 'mql');
    });

    it('emails the people to notify, in the same transaction (the outbox)', async () => {
      const ann = await t.signIn('sales_rep', 'ann@leadloop.test');
      const notified = await createForm(t, marketer, {
        name: 'Contact sales',
        status: 'published',
        notify: [ann.userId!],
        handRaise: true,
      });
      const res = await submitJson(t, notified.slug, {
        token: await token(notified.slug),
        fields: { email: 'buyer@bigco.example', firstName: 'Bea', lastName: '<Buyer>' },
      });
      assert.equal(res.statusCode, 201);
      const outbox = (
        await t.request({ method: 'GET', url: '/api/v1/mail/outbox?to=ann@leadloop.test', headers: reader })
      ).json().data;
      assert.equal(outbox.length, 1);
      assert.equal(outbox[0].subject, 'New submission: Contact sales from buyer@bigco.example');
      assert.equal(outbox[0].category, 'form_notification');
      assert.equal(outbox[0].html, null, 'plain text only');
      assert.match(outbox[0].text, /Last name: <Buyer>/);
      assert.match(outbox[0].text, /hand-raise/);
      const lead = await leadByEmail(t, reader, 'buyer@bigco.example');
      assert.match(outbox[0].text, new RegExp(`/leads/${lead.id}`));
      assert.deepEqual(outbox[0].related, { type: 'lead', id: lead.id });
    });

    it('limits submissions per IP address: 429 with Retry-After and RateLimit headers, JSON and HTML', async () => {
      const ip = nextIp();
      const statuses: number[] = [];
      let last = null as Awaited<ReturnType<typeof submitJson>> | null;
      for (let i = 0; i < 7; i++) {
        last = await submitJson(
          t,
          'demo',
          {
            token: await token(),
            fields: { email: `flood${i}@example.com`, firstName: 'F' },
            consents: { terms: true },
          },
          { ip, origin: site },
        );
        statuses.push(last.statusCode);
      }
      assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429]);
      assert.equal(last!.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(last!.headers['retry-after']) > 0);
      assert.equal(last!.headers['ratelimit-limit'], '5');
      assert.equal(last!.headers['ratelimit-remaining'], '0');
      assert.equal(last!.headers['access-control-allow-origin'], site, 'the embed can read the 429');
      const hostedIp = nextIp();
      let page = null as Awaited<ReturnType<typeof postHosted>> | null;
      for (let i = 0; i < 6; i++) page = await postHosted(t, 'demo', { email: 'x' }, { ip: hostedIp });
      assert.equal(page!.statusCode, 429);
      assert.match(String(page!.headers['content-type']), /^text\/html/);
      assert.ok(page!.body.includes('Too many attempts'));
      assert.ok(Number(page!.headers['retry-after']) > 0);
    });

    it('serves embed.js for any site: JavaScript, cross-origin loadable, building the form without HTML parsing', async () => {
      const res = await t.request({ method: 'GET', url: '/embed.js' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/javascript/);
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
      assert.ok(!res.body.includes('__LEADLOOP_CSS__'));
      assert.ok(res.body.includes('.ll-form'));
      assert.ok(!/innerHTML|insertAdjacentHTML|outerHTML|document\.write/.test(res.body));
    });
  });
}
