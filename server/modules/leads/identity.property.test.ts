/**
 * The resolver against a reference model: whatever the order, batching, spelling of emails and
 * blanks, there is one lead per distinct email and each field holds the newest non-blank value
 * (or the first one, for a "first value wins" field).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { normaliseEmail } from './normalize.ts';

type Op = { email: string; firstName?: string | null; city?: string | null; jobTitle?: string | null };

const value = fc.oneof(
  fc.constantFrom('', null, undefined),
  fc.constantFrom('Ann', 'Bob', 'Cy', 'Lyon', 'Oslo', 'CTO', 'VP'),
);
const spelling = (base: string) => fc.constantFrom(base, base.toUpperCase(), `  ${base}`, `${base} `);

for (const dialect of testDialects) {
  describe(`identity resolver properties (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
      await t.runtime.api.leads.setFieldRule('jobTitle', 'first', {
        actor: { type: 'system', label: 'test' },
        source: 'system',
      });
    });
    after(async () => t.close());

    it('one lead per email; newest non-blank wins; first value wins where set', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record(
              {
                who: fc.integer({ min: 0, max: 3 }),
                firstName: value,
                city: value,
                jobTitle: value,
                caseVariant: fc.nat(),
              },
              { requiredKeys: ['who', 'caseVariant'] },
            ),
            { minLength: 1, maxLength: 25 },
          ),
          fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 25 }),
          async (raw, batchSizes) => {
            run++;
            const emails = [0, 1, 2, 3].map((i) => `person${i}.run${run}@prop-${dialect}.example`);
            const ops: Op[] = raw.map((r) => {
              const base = emails[r.who]!;
              const variants = [base, base.toUpperCase(), `  ${base}`, `${base} `];
              const op: Op = { email: variants[r.caseVariant % 4]! };
              for (const k of ['firstName', 'city', 'jobTitle'] as const)
                if (r[k] !== undefined) op[k] = r[k];
              return op;
            });
            // Reference model.
            const model = new Map<string, Record<string, string>>();
            for (const op of ops) {
              const key = normaliseEmail(op.email);
              const m = model.get(key) ?? {};
              for (const k of ['firstName', 'city', 'jobTitle'] as const) {
                const v = op[k];
                if (v === undefined || v === null || v.trim() === '') continue;
                if (k === 'jobTitle' && m[k] !== undefined) continue;
                m[k] = v.trim();
              }
              model.set(key, m);
            }
            // The system, fed in random batches.
            let i = 0;
            let b = 0;
            while (i < ops.length) {
              const size = batchSizes[b++ % batchSizes.length]!;
              const batch = ops.slice(i, i + size);
              i += size;
              t.clock.advance(1);
              const results = await t.tdb.db.transaction().execute((tx) =>
                t.runtime.api.leads.resolveBatch(
                  tx,
                  batch.map((input) => ({ input })),
                  { source: 'api', actor: { type: 'system', label: 'prop' } },
                ),
              );
              assert.ok(results.every((r) => r.status !== 'error'));
            }
            for (const [email, expected] of model) {
              const rows = await t.tdb.db
                .selectFrom('leads')
                .selectAll()
                .where('email', '=', email)
                .execute();
              assert.equal(rows.length, 1, `one lead for ${email}`);
              const row = rows[0]!;
              assert.equal(row.first_name, expected.firstName ?? null);
              assert.equal(row.city, expected.city ?? null);
              assert.equal(row.job_title, expected.jobTitle ?? null);
            }
            const all = await t.tdb.db
              .selectFrom('leads')
              .select('id')
              .where('email', 'like', `%.run${run}@%`)
              .execute();
            assert.equal(all.length, model.size);
          },
        ),
        { numRuns: dialect === 'sqlite' ? 60 : 25 },
      );
      void spelling;
    });

    it('rejects or accepts generated input without ever failing the batch', async () => {
      const anything = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.integer(),
        fc.constant(null),
        fc.boolean(),
        fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record(
              {
                email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 40 })),
                firstName: anything,
                companySize: anything,
                website: anything,
                lifecycleStage: anything,
                customFields: fc.dictionary(fc.string({ maxLength: 8 }), anything, { maxKeys: 2 }),
              },
              { requiredKeys: [] },
            ),
            { minLength: 1, maxLength: 20 },
          ),
          async (items) => {
            const res = await t.request({
              method: 'POST',
              url: '/api/v1/leads/batch',
              payload: { items },
              headers: (await keyOnce()).headers,
            });
            assert.equal(res.statusCode, 200, res.body);
            const results = res.json().results as {
              index: number;
              status: string;
              error?: { details?: unknown[] };
            }[];
            assert.equal(results.length, items.length);
            results.forEach((r, i) => {
              assert.equal(r.index, i);
              if (r.status === 'error')
                assert.ok((r.error?.details?.length ?? 0) > 0, 'an error names a field');
            });
          },
        ),
        { numRuns: 40 },
      );
    });

    let key: Awaited<ReturnType<TestApp['apiKey']>> | undefined;
    async function keyOnce() {
      key ??= await t.apiKey(['leads:write']);
      return key;
    }
  });
}
