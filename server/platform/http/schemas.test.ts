import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { iso } from './schemas.ts';

describe('iso (epoch milliseconds as ISO 8601)', () => {
  it('writes exactly what Date#toISOString writes, for any time a Date can hold', () => {
    const limit = 8.64e15;
    const times = fc.oneof(
      fc.integer({ min: 0, max: 253_402_300_799_999 }),
      fc.integer({ min: -limit, max: limit }),
      fc.double({ min: -limit, max: limit, noNaN: true }),
      fc.constantFrom(
        0,
        951_782_400_000,
        951_868_799_999,
        4_107_542_400_000,
        253_402_300_799_999,
        253_402_300_800_000,
        -1,
      ),
    );
    fc.assert(
      fc.property(times, (ms) => iso(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
    assert.equal(iso(Date.UTC(2024, 1, 29, 23, 59, 59, 7)), '2024-02-29T23:59:59.007Z');
    assert.equal(iso(null), null);
  });
});
