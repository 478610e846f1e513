/** The HubSpot Forms v3-compatible endpoint: a site switches from HubSpot by changing the URL. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { createForm, leadByEmail, nextIp, rowCounts, touchpointsOf } from './forms.fixtures.ts';

const guid = '3a9b2f0e-5c1d-4e8f-9a7b-6c5d4e3f2a1b';

for (const dialect of testDialects) {
  describe(`forms HubSpot-compatible endpoint (${dialect})`, () => {
    let t: TestApp;
    let admin: Record<string, string>;
    let marketer: Record<string, string>;
    let form: { id: string; slug: string };
    before(async () => {
      t = await createTestApp(dialect);
      admin = (await t.apiKey(['admin'])).headers;
      marketer = (await t.signIn('marketing')).headers;
      await t.request({
        method: 'POST',
        url: '/api/v1/custom-fields',
        headers: admin,
        payload: {
          key: 'use_case',
          label: 'Use case',
          type: 'multiselect',
          options: ['Inbound', 'Outbound', 'ABM'],
        },
      });
      form = await createForm(t, marketer, {
        name: 'Contact us',
        status: 'published',
        allowTokenless: true,
        hubspotFormGuid: guid,
        fields: [
          { key: 'email', label: 'Email', required: true },
          { key: 'firstName', label: 'First name', required: true },
          { key: 'lastName', label: 'Last name', required: false },
          { key: 'companyName', label: 'Company', required: false },
          { key: 'jobTitle', label: 'Job title', required: false },
          { key: 'use_case', label: 'Use case', required: false },
        ],
        consents: [
          { key: 'news', purpose: 'emailMarketing', text: 'I agree to receive news.', required: false },
        ],
        thankYouMessage: 'Thanks, we will be in touch.',
      });
    });
    after(async () => t.close());

    const submit = (formGuid: string, body: unknown, headers: Record<string, string> = {}) =>
      t.request({
        method: 'POST',
        url: `/api/v1/public/hubspot/submissions/v3/integration/submit/1234567/${formGuid}`,
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body),
        remoteAddress: nextIp(),
      });

    it('takes a HubSpot body: property names, context, consent; answers { inlineMessage }', async () => {
      const res = await submit(guid, {
        fields: [
          { objectTypeId: '0-1', name: 'email', value: 'Linus@Kernel.example' },
          { objectTypeId: '0-1', name: 'firstname', value: 'Linus' },
          { objectTypeId: '0-1', name: 'lastname', value: 'T.' },
          { objectTypeId: '0-1', name: 'company', value: 'Kernel' },
          { objectTypeId: '0-1', name: 'jobtitle', value: 'Maintainer' },
          { objectTypeId: '0-1', name: 'use_case', value: 'Inbound;ABM' },
        ],
        context: {
          pageUri: 'https://www.kernel.example/contact?utm_source=hn&utm_medium=referral',
          pageName: 'Contact',
          hutk: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        },
        legalConsentOptions: {
          consent: {
            consentToProcess: true,
            text: 'I agree to allow Kernel to store and process my personal data.',
            communications: [{ value: true, subscriptionTypeId: 999, text: 'I agree to receive news.' }],
          },
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { inlineMessage: 'Thanks, we will be in touch.' });
      const lead = await leadByEmail(t, admin, 'linus@kernel.example');
      assert.equal(lead.firstName, 'Linus');
      assert.equal(lead.companyName, 'Kernel');
      assert.equal(lead.jobTitle, 'Maintainer');
      assert.deepEqual(lead.customFields, { use_case: ['Inbound', 'ABM'] });
      assert.equal(lead.consent.emailMarketing.status, 'granted');
      assert.equal(lead.consent.emailMarketing.textVersion, `${form.id}/news/v1`, 'the form’s own wording');
      const [tp] = (await touchpointsOf(t, admin, lead.id)).filter((x) => x.type === 'form_submitted');
      assert.equal(tp!.properties.visitorId, 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
      assert.deepEqual(tp!.properties.utm, { source: 'hn', medium: 'referral' });
      assert.deepEqual(tp!.properties.page, {
        url: 'https://www.kernel.example/contact?utm_source=hn&utm_medium=referral',
        path: '/contact',
        title: 'Contact',
      });
      const subs = (
        await t.request({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions`, headers: admin })
      ).json().data;
      assert.equal(subs[0].via, 'hubspot');
    });

    it('finds the form by its id too, records another wording by its fingerprint, and answers { redirectUri }', async () => {
      await t.request({
        method: 'PATCH',
        url: `/api/v1/forms/${form.id}`,
        headers: marketer,
        payload: { redirectUrl: 'https://www.kernel.example/thanks' },
      });
      const res = await submit(form.id, {
        fields: [
          { name: 'email', value: 'greg@kernel.example' },
          { name: 'firstname', value: 'Greg' },
        ],
        legalConsentOptions: {
          consent: {
            communications: [{ value: true, subscriptionTypeId: 1, text: 'Yes, email me (site wording).' }],
          },
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { redirectUri: 'https://www.kernel.example/thanks' });
      const lead = await leadByEmail(t, admin, 'greg@kernel.example');
      assert.match(lead.consent.emailMarketing.textVersion, /^hubspot:[0-9a-f]{16}$/);
    });

    it('answers errors the way HubSpot does, with Leadloop’s error beside them, storing nothing', async () => {
      const before = await rowCounts(t);
      const res = await submit(guid, {
        fields: [
          { name: 'email', value: 'not an email' },
          { name: 'favourite_colour', value: 'blue' },
        ],
      });
      assert.equal(res.statusCode, 400);
      const body = res.json();
      assert.equal(body.status, 'error');
      assert.equal(body.message, 'The request is not valid');
      assert.ok(body.correlationId);
      const types = body.errors.map((e: { errorType: string }) => e.errorType).sort();
      assert.deepEqual(types, ['FIELD_NOT_IN_FORM_DEFINITION', 'INVALID_EMAIL', 'REQUIRED_FIELD']);
      assert.ok(
        body.errors.some((e: { message: string }) => e.message.startsWith("Error in 'fields.firstname'.")),
        JSON.stringify(body.errors),
      );
      assert.equal(body.error.code, 'VALIDATION_FAILED');
      const unknown = await submit('00000000-0000-0000-0000-000000000000', { fields: [] });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().status, 'error');
      assert.equal(unknown.json().error.code, 'FORM_NOT_FOUND');
      const badShape = await submit(guid, { fields: 'email=x' });
      assert.equal(badShape.statusCode, 400);
      assert.equal(badShape.json().status, 'error');
      assert.deepEqual(await rowCounts(t), before);
    });

    it('needs a form that allows posts without a render token', async () => {
      const closed = await createForm(t, marketer, {
        name: 'Closed',
        status: 'published',
        hubspotFormGuid: 'closed-guid',
      });
      const res = await submit('closed-guid', { fields: [{ name: 'email', value: 'x@y.example' }] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'FORM_TOKEN_INVALID');
      assert.ok(closed.id);
      const taken = await t.request({
        method: 'PATCH',
        url: `/api/v1/forms/${closed.id}`,
        headers: marketer,
        payload: { hubspotFormGuid: guid },
      });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().error.code, 'FORM_HUBSPOT_GUID_TAKEN');
    });

    it('limits CORS to the allowed origins here too', async () => {
      const res = await submit(
        guid,
        { fields: [{ name: 'email', value: 'x@y.example' }] },
        { origin: 'https://evil.example' },
      );
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'FORM_ORIGIN_FORBIDDEN');
    });
  });
}
