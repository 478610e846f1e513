/**
 * The web builder's working copy against the API: a form opened in the builder and saved without
 * edits is exactly the form it was (no consent text re-versioned, nothing reset), the builder does
 * not call such a form changed, and an edit made in the builder is what the server stores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Form, FormCreate } from '../../../contracts/forms.ts';
import { hiddenSources } from '../../../contracts/forms.ts';
import { draftOf, isDirty, payloadOf } from '../../../web/src/features/forms/draft.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const textKeys = ['firstName', 'lastName', 'phone', 'jobTitle', 'companyName', 'country', 'city', 'industry'];
const interestOptions = ['CRM', 'Forms', 'Scoring'];

const text = (max: number) =>
  fc.string({ minLength: 1, maxLength: max, unit: 'grapheme' }).filter((s) => s.trim() !== '');
const optionalText = (max: number) =>
  fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), text(max));

/** A visible field on one of the keys: any label and help, choices and control that fit its kind. */
function fieldFor(key: string) {
  if (key === 'interest')
    return fc.record({
      key: fc.constant(key),
      label: text(40),
      required: fc.boolean(),
      helpText: optionalText(80),
      options: fc.option(fc.subarray(interestOptions, { minLength: 1 }), { nil: undefined }),
      control: fc.option(fc.constant('radio' as const), { nil: undefined }),
    });
  if (key === 'companySize')
    return fc.record({
      key: fc.constant(key),
      label: text(40),
      required: fc.boolean(),
      placeholder: optionalText(40),
    });
  return fc
    .record({
      key: fc.constant(key),
      label: text(40),
      required: fc.boolean(),
      helpText: optionalText(80),
      placeholder: optionalText(40),
      options: fc.option(fc.uniqueArray(text(20), { minLength: 1, maxLength: 4 }), { nil: undefined }),
    })
    .chain((f) =>
      fc
        // A phone number is typed, never a multi-line box; choices make any text field a list.
        .constantFrom(
          ...(f.options
            ? (['auto', 'radio'] as const)
            : key === 'phone'
              ? (['auto'] as const)
              : (['auto', 'textarea'] as const)),
        )
        .map((control) => ({ ...f, control })),
    );
}

const definition: fc.Arbitrary<Omit<FormCreate, 'name'>> = fc
  .record({
    keys: fc.shuffledSubarray([...textKeys, 'companySize', 'interest']),
    emailAt: fc.nat(),
    hiddenKeys: fc.shuffledSubarray(['website', 'industry', 'city'], { maxLength: 2 }),
    consents: fc.shuffledSubarray(['emailMarketing', 'tracking'] as const),
    consentTexts: fc.tuple(text(120), text(120)),
    consentRequired: fc.tuple(fc.boolean(), fc.boolean()),
    submitLabel: text(30),
    thankYouMessage: text(200),
    redirectUrl: fc.option(fc.constantFrom('https://example.com/thanks', 'http://site.example/a?b=c'), {
      nil: null,
    }),
    allowedOrigins: fc.uniqueArray(fc.constantFrom('https://www.example.com', 'http://localhost:8080'), {
      maxLength: 2,
    }),
    handRaise: fc.boolean(),
    leadStage: fc.constantFrom('subscriber' as const, 'lead' as const),
    disposableEmails: fc.constantFrom('flag' as const, 'reject' as const),
    allowTokenless: fc.boolean(),
    minFillSeconds: fc.integer({ min: 0, max: 600 }),
  })
  .chain((d) => {
    const visible = d.keys.filter((k) => !d.hiddenKeys.includes(k));
    return fc
      .record({
        fields: fc.tuple(...visible.map(fieldFor)),
        hidden: fc.tuple(
          ...d.hiddenKeys.map((key) =>
            fc
              .constantFrom(...hiddenSources)
              .map((source) =>
                source === 'fixed'
                  ? { key, source, value: key === 'website' ? 'https://example.com' : 'Retail' }
                  : { key, source },
              ),
          ),
        ),
        email: fc.record({
          key: fc.constant('email'),
          label: text(40),
          required: fc.constant(true),
          placeholder: optionalText(40),
        }),
      })
      .map(({ fields, hidden, email }) => {
        const all: FormCreate['fields'] = [...fields];
        all.splice(d.emailAt % (all.length + 1), 0, email);
        return {
          fields: all,
          hiddenFields: hidden,
          consents: d.consents.map((purpose, i) => ({
            key: purpose === 'emailMarketing' ? 'marketing' : 'tracking',
            purpose,
            text: d.consentTexts[i]!,
            required: d.consentRequired[i]!,
          })),
          submitLabel: d.submitLabel,
          thankYouMessage: d.thankYouMessage,
          redirectUrl: d.redirectUrl,
          allowedOrigins: d.allowedOrigins,
          doubleOptIn: d.consents.includes('emailMarketing'),
          handRaise: d.handRaise,
          leadStage: d.leadStage,
          disposableEmails: d.disposableEmails,
          allowTokenless: d.allowTokenless,
          minFillSeconds: d.minFillSeconds,
        };
      });
  });

/**
 * A form without what changes on every write. A null or empty help text or placeholder is none at
 * all, and the `auto` control is no control: the builder leaves those out.
 */
const settled = ({ updatedAt: _u, ...rest }: Form) => ({
  ...rest,
  fields: rest.fields.map((f) =>
    Object.fromEntries(
      Object.entries(f).filter(
        ([k, v]) =>
          !(
            ((k === 'helpText' || k === 'placeholder') && (v === null || v === '')) ||
            (k === 'control' && v === 'auto')
          ),
      ),
    ),
  ),
});

for (const dialect of testDialects) {
  describe(`forms builder draft (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = (await t.signIn('marketing')).headers;
      const admin = (await t.apiKey(['admin'])).headers;
      const cf = await t.request({
        method: 'POST',
        url: '/api/v1/custom-fields',
        headers: admin,
        payload: { key: 'interest', label: 'Interest', type: 'select', options: interestOptions },
      });
      assert.equal(cf.statusCode, 201);
    });
    after(async () => t.close());

    const history = async (id: string) =>
      (
        await t.request({ method: 'GET', url: `/api/v1/forms/${id}/consent-versions`, headers: marketer })
      ).json().data as unknown[];

    it('saving a form opened in the builder without edits changes nothing', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(definition, fc.boolean(), async (def, publish) => {
          n++;
          const created = await t.request({
            method: 'POST',
            url: '/api/v1/forms',
            headers: marketer,
            payload: { name: `Draft ${n}`, status: publish ? 'published' : 'draft', ...def },
          });
          assert.equal(created.statusCode, 201, created.body);
          const form = created.json() as Form;
          const draft = draftOf(form);
          assert.equal(isDirty(draft, form), false, 'a form just opened has no unsaved changes');
          const versionsBefore = await history(form.id);
          const saved = await t.request({
            method: 'PATCH',
            url: `/api/v1/forms/${form.id}`,
            headers: marketer,
            payload: payloadOf(draft),
          });
          assert.equal(saved.statusCode, 200, saved.body);
          assert.deepEqual(settled(saved.json()), settled(form));
          assert.deepEqual(await history(form.id), versionsBefore, 'no consent text re-versioned');
        }),
        { numRuns: 60, endOnFailure: true },
      );
    });

    it('stores what the builder changed, and only that; a reworded consent gets a new version', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/forms',
        headers: marketer,
        payload: {
          name: 'Webinar',
          consents: [{ key: 'marketing', purpose: 'emailMarketing', text: 'News by email', required: false }],
        },
      });
      const form = created.json() as Form;
      const draft = draftOf(form);
      draft.fields = [draft.fields[1]!, draft.fields[0]!, ...draft.fields.slice(2)];
      draft.fields[0] = { ...draft.fields[0]!, label: 'Given name', helpText: '' };
      draft.consents[0] = { ...draft.consents[0]!, text: 'News and offers by email' };
      draft.redirectUrl = '   ';
      assert.equal(isDirty(draft, form), true);
      const res = await t.request({
        method: 'PATCH',
        url: `/api/v1/forms/${form.id}`,
        headers: marketer,
        payload: payloadOf(draft),
      });
      assert.equal(res.statusCode, 200, res.body);
      const saved = res.json() as Form;
      assert.deepEqual(
        saved.fields.map((f) => [f.key, f.label]),
        [
          ['firstName', 'Given name'],
          ['email', 'Work email'],
          ['lastName', 'Last name'],
          ['companyName', 'Company'],
        ],
      );
      assert.equal(saved.fields[0]!.helpText ?? null, null, 'an emptied help text is no help text');
      assert.equal(saved.redirectUrl, null);
      assert.equal(saved.consents[0]!.version, `${form.id}/marketing/v2`);
      assert.equal(isDirty(draftOf(saved), saved), false);
      const { fields: _f, consents: _c, updatedAt: _u, ...rest } = saved;
      const { fields: _f0, consents: _c0, updatedAt: _u0, ...before } = form;
      assert.deepEqual(rest, before, 'nothing else changed');
    });
  });
}
