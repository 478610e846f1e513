import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { propertiesObjectOf, propertiesOfRow } from './parsed.ts';
import { fromJson } from './schema.ts';

describe('propertiesOfRow', () => {
  it('parses as fromJson does, once per row while the text stays (any JSON)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const row = { id: 'tp_1', properties: JSON.stringify(a) };
        const first = propertiesOfRow(row);
        assert.deepEqual(first, fromJson(row.properties, {}));
        assert.equal(propertiesOfRow(row), first, 'the same object the second time');
        assert.deepEqual(Object.keys(row), ['id', 'properties'], 'nothing visible added to the row');
        row.properties = JSON.stringify(b);
        assert.deepEqual(propertiesOfRow(row), fromJson(row.properties, {}), 'new text, parsed again');
      }),
    );
  });

  it('keeps fromJson’s answers for empty, missing, non-text and broken values', () => {
    assert.deepEqual(propertiesOfRow({ properties: '' }), {});
    assert.deepEqual(propertiesOfRow({ properties: null }), {});
    const object = { form: { slug: 'demo' } };
    assert.equal(propertiesOfRow({ properties: object }), object);
    assert.throws(() => propertiesOfRow({ properties: '{"form":' }), SyntaxError);
    const frozen = Object.freeze({ properties: '{"a":1}' });
    assert.deepEqual(propertiesOfRow(frozen), { a: 1 });
    assert.deepEqual(propertiesOfRow(frozen), { a: 1 });
  });

  it('another row with the same text gets its own parse', () => {
    const text = '{"a":{"b":1}}';
    const one = { properties: text };
    const two = { properties: text };
    assert.notEqual(propertiesOfRow(one), propertiesOfRow(two));
    assert.deepEqual(propertiesOfRow(one), propertiesOfRow(two));
  });
});

describe('propertiesObjectOf', () => {
  it('gives the parsed object, or {} for anything that is no JSON object', () => {
    const row = { properties: '{"form":{"slug":"demo"}}' };
    assert.deepEqual(propertiesObjectOf(row), { form: { slug: 'demo' } });
    assert.equal(propertiesObjectOf(row), propertiesOfRow(row), 'the one parse');
    for (const properties of ['[1,2]', '"text"', '3', 'null', '', null, '{"form":'])
      assert.deepEqual(propertiesObjectOf({ properties }), {}, String(properties));
  });
});
