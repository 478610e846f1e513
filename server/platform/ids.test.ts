import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { newId, newToken } from './ids.ts';

describe('ids', () => {
  it('have a prefix, a fixed length and sort by creation time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 47 }), { minLength: 2, maxLength: 50 }),
        (times) => {
          const sorted = [...times].sort((a, b) => a - b);
          const ids = sorted.map((t) => newId('lead', t + 2 ** 47)); // later than any earlier call in this process
          for (const id of ids) assert.match(id, /^lead_[0-9a-hjkmnp-tv-z]{26}$/);
          assert.deepEqual([...ids].sort(), ids);
          assert.equal(new Set(ids).size, ids.length);
        },
      ),
    );
  });

  it('keep increasing within one millisecond and when the clock steps back', () => {
    const base = 2 ** 48;
    const ids = [newId('x', base), newId('x', base), newId('x', base - 5000), newId('x', base + 1)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 4);
  });

  it('makes URL-safe tokens of the requested strength', () => {
    const t = newToken(32);
    assert.match(t, /^[\w-]{43}$/);
    assert.notEqual(newToken(32), t);
  });
});
