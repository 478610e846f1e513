import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createIdGenerator, newId, newToken } from './ids.ts';

/** The earlier BigInt implementation, kept here as the reference the fast one must match. */
function referenceGenerator(random10: () => Uint8Array) {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const randomMax = (1n << 80n) - 1n;
  let lastTime = -1;
  let lastRandom = 0n;
  const encode = (value: bigint, length: number) => {
    let out = '';
    let v = value;
    for (let i = 0; i < length; i++) {
      out = alphabet[Number(v & 31n)] + out;
      v >>= 5n;
    }
    return out;
  };
  return (prefix: string, now: number): string => {
    let time = now;
    if (time <= lastTime) {
      time = lastTime;
      lastRandom = lastRandom >= randomMax ? 0n : lastRandom + 1n;
    } else {
      lastTime = time;
      lastRandom = BigInt(`0x${Buffer.from(random10()).toString('hex')}`) >> 1n;
    }
    return `${prefix}_${encode(BigInt(time), 10)}${encode(lastRandom, 16)}`;
  };
}

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

  it('match the reference implementation id for id, so old and new ids order the same way', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Steps forward, equal times and steps back; random parts near the carry boundaries too.
            step: fc.integer({ min: -3, max: 3 }),
            bytes: fc.oneof(
              fc.uint8Array({ minLength: 10, maxLength: 10 }),
              fc.constant(new Uint8Array(10).fill(255)),
              fc.constant(Uint8Array.from([0, 0, 0, 0, 1, 255, 255, 255, 255, 255])),
            ),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 2 ** 50 - 100 }),
        (calls, start) => {
          const draws = calls.map((c) => c.bytes);
          let iNew = 0;
          let iOld = 0;
          const fast = createIdGenerator(() => draws[iNew++ % draws.length]!);
          const slow = referenceGenerator(() => draws[iOld++ % draws.length]!);
          let t = start;
          const fastIds: string[] = [];
          const slowIds: string[] = [];
          for (const c of calls) {
            t = Math.max(0, t + c.step);
            fastIds.push(fast('lead', t));
            slowIds.push(slow('lead', t));
          }
          assert.deepEqual(fastIds, slowIds);
          assert.deepEqual([...fastIds].sort(), fastIds);
        },
      ),
    );
  });

  it('carry from the lower to the upper half of the random part like the reference', () => {
    // Lower 40 bits all ones after the shift: the second id in the millisecond carries.
    const edge = () => Uint8Array.from([0, 0, 0, 0, 1, 255, 255, 255, 255, 255]);
    const fast = createIdGenerator(edge);
    const slow = referenceGenerator(edge);
    const ids = [0, 1, 2, 3].map(() => fast('x', 1000));
    assert.deepEqual(
      ids,
      [0, 1, 2, 3].map(() => slow('x', 1000)),
    );
    assert.equal(ids[0]!.slice(-16), '00000000zzzzzzzz');
    assert.equal(ids[1]!.slice(-16), '0000000100000000');
  });

  it('makes URL-safe tokens of the requested strength', () => {
    const t = newToken(32);
    assert.match(t, /^[\w-]{43}$/);
    assert.notEqual(newToken(32), t);
  });
});
