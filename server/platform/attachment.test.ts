import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attachment } from './attachment.ts';

describe('attachment', () => {
  it('gives back what was attached to that very object, and nothing for others', () => {
    const facts = attachment<{ n: number }>('facts');
    const a = { id: 'a' };
    const b = { id: 'a' };
    assert.equal(facts.get(a), undefined);
    assert.equal(facts.has(a), false);
    facts.set(a, { n: 1 });
    assert.deepEqual(facts.get(a), { n: 1 });
    assert.equal(facts.has(a), true);
    assert.equal(facts.get(b), undefined, 'an equal object is another key');
    facts.set(a, { n: 2 });
    assert.deepEqual(facts.get(a), { n: 2 }, 'set again replaces');
    const list: unknown[] = [];
    facts.set(list, { n: 3 });
    assert.deepEqual(facts.get(list), { n: 3 }, 'arrays too');
  });

  it('two attachments on one object stay apart', () => {
    const one = attachment<string>('same description');
    const two = attachment<string>('same description');
    const o = {};
    one.set(o, 'one');
    assert.equal(two.get(o), undefined);
    two.set(o, 'two');
    assert.equal(one.get(o), 'one');
  });

  it('is invisible to keys, spreads, assign and JSON, so copies carry nothing (any object)', () => {
    const mark = attachment('mark');
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (dict) => {
        const row = { ...dict };
        const before = { keys: Object.keys(row), json: JSON.stringify(row) };
        mark.set(row, true);
        assert.deepEqual(Object.keys(row), before.keys);
        assert.equal(JSON.stringify(row), before.json);
        const keysSeen: string[] = [];
        for (const k in row) keysSeen.push(k);
        assert.deepEqual(keysSeen, before.keys);
        assert.equal(mark.has({ ...row }), false);
        assert.equal(mark.has(Object.assign({}, row)), false);
        assert.equal(mark.has(row), true);
      }),
    );
  });

  it('an object inheriting from a tagged one is not tagged', () => {
    const mark = attachment('mark');
    const parent = {};
    mark.set(parent, true);
    assert.equal(mark.has(Object.create(parent)), false);
  });
});
