/** Bad filters are refused with the path of the bad node and the rule it broke. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Filter } from '../../../contracts/filters.ts';
import { AppError } from '../../platform/errors.ts';
import { buildCatalog } from './catalog.ts';
import { globToRegExp } from './semantics.ts';
import { hasTimeWindow, parseFilter, validateFilter } from './validate.ts';

const catalog = buildCatalog([
  { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro'] },
  { key: 'seats', label: 'Seats', type: 'number', options: [] },
]);

function problem(raw: unknown): { field: string; rule: string } {
  try {
    validateFilter(raw, catalog);
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.equal(error.status, 400);
    const d = error.details![0]!;
    return { field: d.field, rule: d.rule };
  }
  assert.fail('accepted a bad filter');
}

function nest(depth: number): unknown {
  let f: unknown = { field: 'country', op: 'eq', value: 'DE' };
  for (let i = 1; i < depth; i++) f = { all: [f] };
  return f;
}

describe('filter validation', () => {
  it('accepts the documented examples', () => {
    const ok: Filter[] = [
      {
        all: [
          { field: 'country', op: 'in', value: ['DE', 'AT'] },
          { field: 'companySize', op: 'gte', value: 200 },
        ],
      },
      {
        behavior: {
          type: 'page_viewed',
          where: [{ path: 'page.path', op: 'matches', value: '/pricing*' }],
          count: { op: 'gte', value: 3 },
          withinDays: 30,
        },
      },
      { not: { company: { field: 'industry', op: 'eq', value: 'Education' } } },
      { field: 'customFields.plan', op: 'in', value: ['pro', 'FREE'] },
      { field: 'lifecycleStage', op: 'eq', value: 'mql' },
      { field: 'createdAt', op: 'between', value: ['2026-01-01', '2026-02-01T00:00:00Z'] },
    ];
    for (const f of ok) assert.deepEqual(validateFilter(f, catalog), f);
  });

  it('names the path and rule of each kind of bad node', () => {
    const cases: [unknown, string, string][] = [
      [{ field: 'password', op: 'eq', value: 'x' }, 'filter.field', 'known'],
      [{ all: [{ field: 'country', op: 'gt', value: 1 }] }, 'filter.all[0].op', 'applies'],
      [{ any: [{ field: 'companySize', op: 'eq', value: 'big' }] }, 'filter.any[0].value', 'type'],
      [{ field: 'customFields.plan', op: 'eq', value: 'Gold' }, 'filter.value', 'enum'],
      [{ field: 'customFields.nope', op: 'isSet' }, 'filter.field', 'known'],
      [{ field: 'lifecycleStage', op: 'in', value: ['mql', 'vip'] }, 'filter.value[1]', 'enum'],
      [{ field: 'createdAt', op: 'before', value: 'yesterday' }, 'filter.value', 'format'],
      [{ field: 'createdAt', op: 'withinLastDays', value: 99999 }, 'filter.value', 'range'],
      [{ field: 'country', op: 'isSet', value: 'DE' }, 'filter.value', 'absent'],
      [{ field: 'country', op: 'in', value: [] }, 'filter.value', 'type'],
      [{ field: 'country', op: 'eq', value: 'x'.repeat(501) }, 'filter.value', 'maxLength'],
      [{ field: 'companySize', op: 'between', value: [5, 1] }, 'filter.value', 'order'],
      [{ company: { field: 'revenue', op: 'gt', value: 1 } }, 'filter.company.field', 'known'],
      [{ behavior: { type: 'page_viewed', withinDays: 0 } }, 'filter.behavior.withinDays', 'range'],
      [{ behavior: { type: 'Page Viewed' } }, 'filter.behavior.type', 'format'],
      [
        { behavior: { type: 'event', where: [{ path: 'a..b', op: 'eq', value: 1 }] } },
        'filter.behavior.where[0].path',
        'format',
      ],
      [{ behavior: { type: 'event', count: { op: 'gt', value: 2 } } }, 'filter.behavior.count.op', 'enum'],
      [{ field: 'country', op: 'eq', value: 'DE', sql: '1=1' }, 'filter.sql', 'unknown'],
      [{ where: 'true' }, 'filter', 'shape'],
      ['country = DE', 'filter', 'type'],
      [nest(9), 'filter.all[0].all[0].all[0].all[0].all[0].all[0].all[0].all[0]', 'maxDepth'],
      [
        { any: Array.from({ length: 101 }, () => ({ field: 'country', op: 'isSet' })) },
        'filter',
        'maxConditions',
      ],
      [
        { field: 'country', op: 'in', value: Array.from({ length: 1001 }, (_, i) => `c${i}`) },
        'filter.value',
        'maxItems',
      ],
    ];
    for (const [raw, field, rule] of cases)
      assert.deepEqual(problem(raw), { field, rule }, JSON.stringify(raw).slice(0, 120));
  });

  it('accepts the deepest and largest allowed filters', () => {
    assert.ok(validateFilter(nest(8), catalog));
    assert.ok(
      validateFilter(
        { any: Array.from({ length: 100 }, () => ({ field: 'country', op: 'isSet' })) },
        catalog,
      ),
    );
  });

  it('refuses JSON that does not parse, naming the parameter', () => {
    assert.throws(
      () => parseFilter('{"field":', catalog, 'filter'),
      (e: AppError) => e.details![0]!.rule === 'json',
    );
  });

  it('knows which filters drift with time', () => {
    assert.equal(hasTimeWindow({ all: [{ field: 'country', op: 'eq', value: 'DE' }] }), false);
    assert.equal(hasTimeWindow({ any: [{ not: { behavior: { type: 'event', withinDays: 3 } } }] }), true);
    assert.equal(hasTimeWindow({ field: 'createdAt', op: 'notWithinLastDays', value: 3 }), true);
  });

  it('turns any glob into a pattern, hyphens and regex syntax included', () => {
    // Once `demo-*` threw (an escaped hyphen is an error in a u-flag RegExp), failing the capture
    // of every event while a segment held such a condition.
    assert.equal(globToRegExp('demo-*').test('demo-request'), true);
    assert.equal(globToRegExp('a.b(c)[d]{e}|^$+/\\?').test('a.b(c)[d]{e}|^$+/\\x'), true);
    assert.equal(globToRegExp('a.b').test('axb'), false);
  });
});
