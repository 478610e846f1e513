/**
 * Generated input against the public submit endpoint: whatever arrives (any fields and values,
 * scripts, oversize text, wrong types, forged, replayed or missing tokens, foreign origins, bots,
 * honeypots, broken JSON), the answer is never a 5xx; a 4xx names the field it is about (or is about
 * the body as a whole: not JSON, too large, not a type we take); a refused submission stores
 * nothing, and an accepted one stores exactly one submission.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { createForm, draw, nextIp, rowCounts } from './forms.fixtures.ts';

const site = 'https://www.fuzz-site.example';
const person =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
/** Answers about the body as a whole, which has no field to name. */
const bodyLevel = new Set(['INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE']);

const nasty = fc.constantFrom(
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE leads; --",
  '\u0000\u0001\u202e',
  '=HYPERLINK("http://x")',
  '{{7*7}}',
  '',
  ' ',
);
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: fc.string({ minLength: 190, maxLength: 260 }) },
  { weight: 1, arbitrary: fc.nat({ max: 12_000 }).map((n) => 'x'.repeat(n)) },
);
const emails = fc.oneof(
  { weight: 4, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.constantFrom('temp@mailinator.com', 'A@B.EXAMPLE', 'no-at-sign', '@x.y') },
  { weight: 2, arbitrary: text },
);
const values = fc.oneof(
  { weight: 5, arbitrary: text },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  {
    weight: 1,
    arbitrary: fc.array(fc.oneof(text, fc.constantFrom('CRM', 'Forms', 'Scoring')), { maxLength: 4 }),
  },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);
const fieldNames = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('firstName', 'lastName', 'companySize', 'topics', 'website', 'phone'),
  },
  { weight: 1, arbitrary: fc.constantFrom('shoeSize', '__proto__', 'constructor', 'email ', 'EMAIL') },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
);
const fields = fc
  .tuple(fc.option(emails, { nil: undefined, freq: 5 }), fc.dictionary(fieldNames, values, { maxKeys: 6 }))
  .map(([email, rest]) => (email === undefined ? rest : { ...rest, email }));
const consents = fc.oneof(
  fc.constant(undefined),
  fc.record({ terms: fc.boolean(), news: fc.boolean() }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 45 }), fc.oneof(fc.boolean(), values), { maxKeys: 3 }),
);
const pages = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      url: fc.oneof(fc.webUrl({ withQueryParameters: true }), text),
      title: text,
      referrer: fc.oneof(fc.webUrl(), fc.constant('')),
    },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 1 }),
);
const utms = fc.oneof(
  fc.constant(undefined),
  fc.record({ source: text, medium: text, campaign: text, term: text }, { requiredKeys: [] }),
  fc.anything({ maxDepth: 1 }),
);
type TokenKind = 'fresh' | 'fast' | 'replayed' | 'forged' | 'other-form' | 'none' | 'garbage';
const submissions = fc.record(
  {
    token: fc.constantFrom<TokenKind>(
      'fresh',
      'fresh',
      'fresh',
      'fast',
      'replayed',
      'forged',
      'other-form',
      'none',
      'garbage',
    ),
    fields,
    consents,
    page: pages,
    utm: utms,
    visitorId: fc.oneof(fc.constant(undefined), fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), text),
    honeypot: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: text }),
    extra: fc.option(fc.dictionary(fc.constantFrom('unknown', 'admin', 'status'), values, { maxKeys: 2 }), {
      nil: undefined,
      freq: 6,
    }),
  },
  { requiredKeys: ['token', 'fields'] },
);
/** Submissions a person could send (script and markup in names included), so both answers are common. */
const plausible = fc.record(
  {
    token: fc.constantFrom<TokenKind>('fresh', 'fresh', 'fresh', 'fresh', 'fast', 'replayed'),
    fields: fc.record(
      {
        email: fc.emailAddress(),
        firstName: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), nasty),
        lastName: fc.oneof(fc.string({ maxLength: 30 }), nasty),
        companySize: fc.oneof(fc.nat({ max: 100_000 }), fc.nat({ max: 100_000 }).map(String)),
        topics: fc.subarray(['CRM', 'Forms', 'Scoring']),
      },
      { requiredKeys: ['email', 'firstName'] },
    ),
    consents: fc.record({ terms: fc.constant(true), news: fc.boolean() }),
    page: pages,
    utm: utms,
    visitorId: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), { nil: undefined }),
    honeypot: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: text }),
    extra: fc.constant(undefined),
  },
  { requiredKeys: ['token', 'fields', 'consents'] },
);
const requests = fc.record({
  body: fc.oneof(
    { weight: 8, arbitrary: submissions.map((s) => ({ kind: 'submission' as const, s })) },
    { weight: 8, arbitrary: plausible.map((s) => ({ kind: 'submission' as const, s })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.string({ maxLength: 100 }), fc.constantFrom('{"fields": ', 'null', '[]', '"x"', '{}'))
        .map((raw) => ({ kind: 'raw' as const, raw })),
    },
  ),
  contentType: fc.oneof(
    { weight: 10, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=latin1'),
    },
  ),
  origin: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constant(site) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'https://evil.example',
        'null',
        `${site}.evil.example`,
        'http://www.fuzz-site.example',
      ),
    },
  ),
  userAgent: fc.oneof(
    { weight: 8, arbitrary: fc.constant(person) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
        'curl/8.5.0',
        'python-requests/2.32',
        '',
      ),
    },
  ),
});

for (const dialect of testDialects) {
  describe(`forms public submit fuzz (${dialect})`, () => {
    let t: TestApp;
    let form: { id: string; slug: string };
    let other: { id: string; slug: string };
    const used: string[] = [];
    before(async () => {
      t = await createTestApp(dialect, { config: { formsRateLimit: 1_000_000 } });
      const marketer = (await t.signIn('marketing')).headers;
      const admin = (await t.apiKey(['admin'])).headers;
      const cf = await t.request({
        method: 'POST',
        url: '/api/v1/custom-fields',
        headers: admin,
        payload: {
          key: 'topics',
          label: 'Topics',
          type: 'multiselect',
          options: ['CRM', 'Forms', 'Scoring'],
        },
      });
      assert.equal(cf.statusCode, 201, cf.body);
      form = await createForm(t, marketer, {
        name: 'Fuzzed form',
        slug: 'fuzzed',
        status: 'published',
        fields: [
          { key: 'email', label: 'Email', required: true },
          { key: 'firstName', label: 'First name', required: true },
          { key: 'lastName', label: 'Last name', required: false },
          { key: 'companySize', label: 'Employees', required: false },
          { key: 'topics', label: 'Topics', required: false },
          { key: 'website', label: 'Website', required: false },
        ],
        hiddenFields: [{ key: 'city', source: 'utm_campaign' }],
        consents: [
          { key: 'terms', purpose: 'tracking', text: 'I accept the terms', required: true },
          { key: 'news', purpose: 'emailMarketing', text: 'Send me news', required: false },
        ],
        allowedOrigins: [site],
        minFillSeconds: 3,
      });
      other = await createForm(t, marketer, { name: 'Another form', slug: 'another', status: 'published' });
    });
    after(async () => t.close());

    async function tokenFor(kind: TokenKind): Promise<string | undefined> {
      switch (kind) {
        case 'none':
          return undefined;
        case 'garbage':
          return 'not-a-token';
        case 'replayed':
          return used[used.length - 1] ?? 'not-a-token';
        case 'other-form': {
          const { token } = await draw(t, other.slug);
          t.clock.advance(4000);
          return token;
        }
        case 'forged': {
          const { token } = await draw(t, form.slug);
          t.clock.advance(4000);
          return `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
        }
        case 'fast':
          return (await draw(t, form.slug)).token;
        case 'fresh': {
          const { token } = await draw(t, form.slug);
          t.clock.advance(4000);
          return token;
        }
      }
    }

    it('never answers 5xx; a 4xx names its field; a refused submission stores nothing', async () => {
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(requests, async (req) => {
          let payload: string;
          let token: string | undefined;
          if (req.body.kind === 'raw') payload = req.body.raw;
          else {
            const { extra, token: kind, ...rest } = req.body.s;
            token = await tokenFor(kind);
            payload = JSON.stringify({
              ...rest,
              ...(extra ?? {}),
              ...(token !== undefined ? { token } : {}),
            });
          }
          const before = await rowCounts(t);
          const res = await t.request({
            method: 'POST',
            url: `/api/v1/public/forms/${form.slug}/submissions`,
            headers: {
              'content-type': req.contentType,
              'user-agent': req.userAgent,
              ...(req.origin !== undefined ? { origin: req.origin } : {}),
            },
            payload,
            remoteAddress: nextIp(),
          });
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
          const after = await rowCounts(t);
          if (res.statusCode === 201) {
            assert.equal(after.submissions, before.submissions + 1, 'an accepted submission is stored once');
            assert.ok(after.leads - before.leads <= 1, 'at most one new lead');
            if (token) used.push(token);
            return;
          }
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
          const error = res.json().error as { code: string; details?: { field: string; rule: string }[] };
          assert.ok(error?.code, res.body);
          if (!bodyLevel.has(error.code)) {
            assert.ok((error.details ?? []).length > 0, `a 4xx names a field: ${res.body}`);
            for (const d of error.details!) assert.ok(d.field && d.rule, res.body);
          }
          assert.deepEqual(after, before, `a refused submission stores nothing: ${res.body.slice(0, 300)}`);
        }),
        { numRuns: dialect === 'sqlite' ? 300 : 150 },
      );
      // The generators reach both sides of the endpoint.
      assert.ok((seen.get(201) ?? 0) > 10, `accepted: ${JSON.stringify([...seen])}`);
      assert.ok((seen.get(400) ?? 0) > 10, `refused: ${JSON.stringify([...seen])}`);
    });
  });
}
