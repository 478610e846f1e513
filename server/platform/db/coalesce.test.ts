import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCoalescer } from './coalesce.ts';

describe('coalescer (group commit)', () => {
  it('gathers concurrent calls into batches, keeps order, and answers each caller', async () => {
    const batches: number[][] = [];
    const submit = createCoalescer<number, string>(
      async (items) => {
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        return items.map((n) => `r${n}`);
      },
      { maxBatch: 4 },
    );
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(i)));
    assert.deepEqual(
      answers,
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );
    assert.deepEqual(batches.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(batches.every((b) => b.length <= 4));
    assert.ok(batches.length < 10, `batched: ${batches.map((b) => b.length)}`);
  });

  it('fails every caller of a failed flush, and recovers for the next calls', async () => {
    let fail = true;
    const submit = createCoalescer<number, number>(
      async (items) => {
        if (fail) throw new Error('database down');
        return items.map((n) => n * 2);
      },
      { maxBatch: 10 },
    );
    const failed = await Promise.allSettled([submit(1), submit(2)]);
    assert.deepEqual(
      failed.map((f) => f.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.equal(await submit(21), 42);
  });
});
