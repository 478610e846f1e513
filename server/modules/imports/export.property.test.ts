/**
 * Property: the CSV export, which formats lead rows column by column, writes exactly what the lead
 * resource (GET /api/v1/leads) shows, cell by cell: random standard fields (blanks, accents, commas,
 * quotes, line breaks, values a spreadsheet would run as formulas), custom fields of every type,
 * external ids of several systems; every column, with a sort (the list's order) and without one
 * (the order the leads were stored in), on every dialect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import type { Lead } from '../../../contracts/leads.ts';
import { standardFieldKeys } from '../../../contracts/leads.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

/** The reference: a lead resource's value for an export column, written as the export writes it. */
function referenceCell(lead: Lead, column: string): string {
  let v: unknown;
  if (column.startsWith('cf.')) v = lead.customFields[column.slice(3)];
  else if (column === 'externalIds') v = lead.externalIds.map((e) => `${e.system}:${e.id}`).join(';');
  else v = (lead as unknown as Record<string, unknown>)[column];
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(';') : String(v);
  return /^[=@\t\r]|^[+-][^\d\s.(]/.test(s) ? `'${s}` : s;
}

const text = fc.oneof(
  fc.constantFrom(
    'Ada',
    'Zoë',
    'São Paulo',
    'Müller, Jr.',
    'say "hi"',
    'two\nlines',
    '=SUM(A1)',
    '+49 30 1',
    '-x',
    '@home',
  ),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== '' && !s.includes('\u0000')),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const lead = fc.record({
  firstName: optional(text),
  lastName: optional(text),
  phone: optional(fc.constantFrom('+49 30 1234567', '0049-30', '-12')),
  jobTitle: optional(text),
  companyName: optional(text),
  website: optional(fc.constantFrom('https://acme.example', 'www.globex.example/about')),
  country: optional(text),
  city: optional(text),
  industry: optional(text),
  companySize: optional(fc.integer({ min: 0, max: 100_000 })),
  tier: optional(fc.constantFrom('gold', 'silver')),
  seats: optional(fc.integer({ min: -5, max: 500 })),
  trial: optional(fc.boolean()),
  renewal: optional(fc.constantFrom('2026-01-31', '2027-12-01')),
  tags: optional(fc.subarray(['a', 'b', 'c'], { minLength: 1 })),
  note: optional(text),
  crm: optional(fc.stringMatching(/^[A-Z0-9]{1,8}$/)),
  erp: optional(fc.stringMatching(/^[0-9]{1,6}$/)),
});

for (const dialect of testDialects) {
  describe(`CSV export equals the lead resource (${dialect})`, () => {
    let t: TestApp;
    let writer: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      writer = (await t.apiKey(['leads:read', 'leads:write'])).headers;
      const admin = (await t.apiKey(['admin'])).headers;
      for (const [key, type, options] of [
        ['tier', 'select', ['gold', 'silver']],
        ['seats', 'number'],
        ['trial', 'boolean'],
        ['renewal', 'date'],
        ['tags', 'multiselect', ['a', 'b', 'c']],
        ['note', 'text'],
      ] as const) {
        const r = await t.request({
          method: 'POST',
          url: '/api/v1/custom-fields',
          headers: admin,
          payload: { key, label: key, type, ...(options ? { options } : {}) },
        });
        assert.equal(r.statusCode, 201, r.body);
      }
    });
    after(async () => t.close());

    it('writes every column of every lead as the resource shows it, in order', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(lead, { minLength: 1, maxLength: 8 }),
          fc.constantFrom(undefined, 'createdAt', '-createdAt', 'lastName', '-companySize'),
          async (people, sort) => {
            run++;
            const tag = `exp${run}${dialect}`;
            const items = people.map((p, i) => {
              const { tier, seats, trial, renewal, tags, note, crm, erp, ...standard } = p;
              const customFields = Object.fromEntries(
                Object.entries({ tier, seats, trial, renewal, tags, note }).filter(
                  ([, v]) => v !== undefined,
                ),
              );
              const externalIds = [
                ...(crm ? [{ system: 'crm', id: `${crm}-${tag}-${i}` }] : []),
                ...(erp ? [{ system: 'erp', id: `${erp}-${tag}-${i}` }] : []),
              ];
              return {
                email: `p${i}.${tag}@export.example`,
                ...Object.fromEntries(Object.entries(standard).filter(([, v]) => v !== undefined)),
                customFields,
                ...(externalIds.length > 0 ? { externalIds } : {}),
              };
            });
            const created = await t.request({
              method: 'POST',
              url: '/api/v1/leads/batch',
              headers: writer,
              payload: { items },
            });
            assert.equal(created.statusCode, 200, created.body);
            const statuses = (created.json() as { results: { status: string }[] }).results.map(
              (r) => r.status,
            );
            assert.ok(
              statuses.every((s) => s === 'created'),
              JSON.stringify(created.json()),
            );
            // Some leads change later, so their updatedAt differs from their createdAt.
            t.clock.advance(61_000);
            const ids = (created.json() as { results: { id: string }[] }).results.map((r) => r.id);
            for (const id of ids.filter((_, i) => i % 2 === 1)) {
              const r = await t.request({
                method: 'PATCH',
                url: `/api/v1/leads/${id}`,
                headers: writer,
                payload: { city: `Changed ${run}` },
              });
              assert.equal(r.statusCode, 200, r.body);
            }

            const columns = [
              'id',
              ...standardFieldKeys,
              'lifecycleStage',
              'ownerId',
              'companyId',
              'externalIds',
              'source',
              'createdAt',
              'updatedAt',
              'cf.tier',
              'cf.seats',
              'cf.trial',
              'cf.renewal',
              'cf.tags',
              'cf.note',
            ];
            const query = `q=${tag}&columns=${columns.join(',')}${sort ? `&sort=${sort}` : ''}`;
            const exported = await t.request({
              method: 'GET',
              url: `/api/v1/leads/export.csv?${query}`,
              headers: writer,
            });
            assert.equal(exported.statusCode, 200, exported.body);
            const listed = await t.request({
              method: 'GET',
              url: `/api/v1/leads?q=${tag}&limit=200${sort ? `&sort=${sort}` : ''}`,
              headers: writer,
            });
            assert.equal(listed.statusCode, 200, listed.body);
            let leads = (listed.json() as { data: Lead[] }).data;
            assert.equal(leads.length, people.length);
            // Without a sort the export keeps the order the leads were stored in: their ids' order.
            if (!sort) leads = [...leads].sort((a, b) => (a.id < b.id ? -1 : 1));
            const expected = [columns, ...leads.map((l) => columns.map((c) => referenceCell(l, c)))];
            assert.deepEqual(parse(exported.body, { relax_column_count: false }), expected);
          },
        ),
        { numRuns: 30 },
      );
    });

    it('exports every lead, unfiltered and unsorted, in the order they were stored', async () => {
      const columns = ['id', 'email', 'externalIds', 'cf.tags', 'updatedAt'];
      const exported = await t.request({
        method: 'GET',
        url: `/api/v1/leads/export.csv?columns=${columns.join(',')}`,
        headers: writer,
      });
      assert.equal(exported.statusCode, 200, exported.body);
      const leads: Lead[] = [];
      for (let cursor: string | null = ''; cursor !== null; ) {
        const r = await t.request({
          method: 'GET',
          url: `/api/v1/leads?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
          headers: writer,
        });
        const page = r.json() as { data: Lead[]; nextCursor: string | null };
        leads.push(...page.data);
        cursor = page.nextCursor;
      }
      assert.ok(leads.length > 30, `${leads.length} leads`);
      assert.ok(leads.some((l) => l.externalIds.length > 1));
      leads.sort((a, b) => (a.id < b.id ? -1 : 1));
      assert.deepEqual(parse(exported.body), [
        columns,
        ...leads.map((l) => columns.map((c) => referenceCell(l, c))),
      ]);
    });
  });
}
