import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  buildEncoder,
  type CustomFieldInfo,
  encode,
  factorLabel,
  type LeadForFeatures,
  rawFeatures,
  StatsCollector,
  seniorityOf,
  sizeBand,
  sourceLabeller,
} from './features.ts';

const fields: CustomFieldInfo[] = [
  { key: 'seats', label: 'Seats', type: 'number', options: [] },
  { key: 'plan', label: 'Plan', type: 'select', options: ['Starter', 'Growth'] },
  { key: 'newsletter', label: 'Newsletter', type: 'boolean', options: [] },
  { key: 'notes', label: 'Notes', type: 'text', options: [] },
];
const settings = { exclude: new Set<string>(), customFields: fields };
const none = { counts: new Map<string, number>(), lastAt: null };

function lead(overrides: Partial<LeadForFeatures> = {}): LeadForFeatures {
  return {
    email: 'a@acme.example',
    job_title: 'Head of Marketing',
    country: 'de',
    industry: 'Software',
    company_size: 250,
    first_touch_channel: 'referral',
    custom_fields: {},
    created_at: 0,
    ...overrides,
  };
}

describe('raw features', () => {
  it('derives bands, seniority and the kind of email', () => {
    assert.equal(sizeBand(10), '1–10');
    assert.equal(sizeBand(199), '51–199');
    assert.equal(sizeBand(5001), 'over 5,000');
    assert.equal(sizeBand(null), null);
    assert.equal(seniorityOf('VP Sales'), 'vp');
    assert.equal(seniorityOf('Chief Revenue Officer'), 'c-level');
    assert.equal(seniorityOf('Marketing Intern'), 'intern');
    assert.equal(seniorityOf('Analyst'), 'individual');
    assert.equal(seniorityOf(null), null);
    const raw = rawFeatures(lead({ email: 'x@gmail.com' }), none, settings);
    assert.equal(raw.get('std:email'), 'free-mail');
    assert.equal(raw.get('std:country'), 'DE');
    assert.equal(raw.get('std:industry'), 'software');
    assert.equal(raw.get('std:seniority'), 'head');
    assert.equal(rawFeatures(lead({ email: null }), none, settings).get('std:email'), 'none');
  });

  it('types custom fields, ignores text, and leaves out excluded features', () => {
    const raw = rawFeatures(
      lead({ custom_fields: { seats: 12, plan: 'Growth', newsletter: true, notes: 'hi' } }),
      { counts: new Map([['page_viewed:pricing', 3]]), lastAt: 5 * 86_400_000 },
      settings,
    );
    assert.equal(raw.get('cf:seats'), 12);
    assert.equal(raw.get('cf:plan'), 'Growth');
    assert.equal(raw.get('cf:newsletter'), 'true');
    assert.equal(raw.has('cf:notes'), false);
    assert.equal(raw.get('eng:page_viewed:pricing'), Math.log1p(3));
    assert.equal(raw.get('eng:span_days'), 5);
    const without = rawFeatures(lead({ custom_fields: { seats: 12 } }), none, {
      exclude: new Set(['seats', 'engagement', 'country']),
      customFields: fields,
    });
    assert.equal(without.has('cf:seats'), false);
    assert.equal(without.has('std:country'), false);
    assert.equal(
      [...without.keys()].some((k) => k.startsWith('eng:')),
      false,
    );
  });
});

describe('encoder', () => {
  function train(leads: LeadForFeatures[]) {
    const stats = new StatsCollector(new Set(['cf:seats']));
    for (const l of leads) stats.add(rawFeatures(l, none, settings));
    return buildEncoder(stats, { minLevelCount: 2, maxLevels: 40, labelOf: sourceLabeller(fields) });
  }
  const leads = [
    lead({ industry: 'software', custom_fields: { seats: 10 } }),
    lead({ industry: 'software', custom_fields: { seats: 20 } }),
    lead({ industry: 'finance', custom_fields: {} }),
    lead({ industry: 'finance', custom_fields: { seats: 30 } }),
    lead({ industry: 'retail', custom_fields: {} }),
    lead({ industry: 'media' }),
  ];

  it('one-hot encodes frequent levels, pools rare ones as other, standardises numbers', () => {
    const enc = train(leads);
    const industry = enc.groups.find((g) => g.source === 'std:industry');
    assert.ok(industry && industry.kind === 'category');
    assert.deepEqual(Object.keys(industry.levels).sort(), ['(other)', 'finance', 'software']);
    const seats = enc.groups.find((g) => g.source === 'cf:seats');
    assert.ok(seats && seats.kind === 'number');
    assert.equal(seats.mean, 20);
    assert.ok(Math.abs(seats.sd - Math.sqrt(200 / 3)) < 1e-12);
    assert.ok(seats.missingColumn >= 0);
    // Columns are dense and labelled.
    assert.deepEqual(
      enc.columns.map((_, i) => i),
      [
        ...new Set(
          enc.groups.flatMap((g) =>
            g.kind === 'number' ? [g.column, g.missingColumn].filter((c) => c >= 0) : Object.values(g.levels),
          ),
        ),
      ].sort((a, b) => a - b),
    );
    assert.ok(enc.columns.some((c) => c.label === 'Industry: software'));
    // Constant sources (everyone in DE, same channel…) carry nothing and get no column.
    assert.equal(
      enc.groups.some((g) => g.source === 'std:country'),
      false,
    );
  });

  it('encodes unseen levels as other, missing numbers as the indicator, never throws', () => {
    const enc = train(leads);
    const e = encode(
      enc,
      rawFeatures(lead({ industry: 'aerospace', custom_fields: { seats: 'x' } }), none, settings),
    );
    const labels = e.cols.map((c) => enc.columns[c]!.label);
    assert.ok(labels.includes('Industry: other'));
    assert.ok(labels.includes('Seats: not set'));
    // Levels are user text: names of Object.prototype's members are levels like any other.
    for (const industry of ['__proto__', 'constructor', 'toString']) {
      const odd = encode(enc, rawFeatures(lead({ industry }), none, settings));
      assert.ok(odd.cols.map((c) => enc.columns[c]!.label).includes('Industry: other'), industry);
    }
    fc.assert(
      fc.property(
        fc.record({
          industry: fc.option(fc.string({ maxLength: 12 })),
          country: fc.option(fc.string({ maxLength: 3 })),
          company_size: fc.option(fc.integer({ min: 0, max: 1_000_000 })),
          seats: fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string())),
        }),
        (r) => {
          const out = encode(
            enc,
            rawFeatures(
              lead({
                industry: r.industry,
                country: r.country,
                company_size: r.company_size,
                custom_fields: { seats: r.seats },
              }),
              none,
              settings,
            ),
          );
          // Sorted, unique, in range, finite.
          return (
            out.cols.every((c, i) => c >= 0 && c < enc.columns.length && (i === 0 || c > out.cols[i - 1]!)) &&
            out.vals.every((v) => Number.isFinite(v))
          );
        },
      ),
    );
  });

  it('labels factors with the lead’s own values', () => {
    const stats = new StatsCollector(new Set());
    for (const n of [0, 1, 2, 5, 9])
      stats.add(rawFeatures(lead(), { counts: new Map([['page_viewed:pricing', n]]), lastAt: 0 }, settings));
    const enc = buildEncoder(stats, { minLevelCount: 2, maxLevels: 40, labelOf: sourceLabeller(fields) });
    const g = enc.groups.find((x) => x.source === 'eng:page_viewed:pricing');
    assert.ok(g && g.kind === 'number');
    const raw = rawFeatures(lead(), { counts: new Map([['page_viewed:pricing', 4]]), lastAt: 0 }, settings);
    assert.equal(factorLabel(enc, g.column, raw), 'Pricing page views: 4');
    assert.equal(factorLabel(enc, g.column, rawFeatures(lead(), none, settings)), 'Pricing page views: 0');
  });
});
