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

  it('with a linger, gathers calls made in separate turns of the event loop into one batch', async () => {
    const batches: number[][] = [];
    const submit = createCoalescer<number, number>(
      async (items) => {
        batches.push(items);
        return items.map((n) => n + 100);
      },
      { maxBatch: 256, lingerMs: 50 },
    );
    const answers: Promise<number>[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push(submit(i));
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await Promise.all(answers), [100, 101, 102, 103, 104]);
    assert.deepEqual(batches, [[0, 1, 2, 3, 4]]);

    // Without one, each turn's call goes on its own.
    const alone: number[][] = [];
    const eager = createCoalescer<number, number>(
      async (items) => {
        alone.push(items);
        return items;
      },
      { maxBatch: 256 },
    );
    const done: Promise<number>[] = [];
    for (let i = 0; i < 3; i++) {
      done.push(eager(i));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(done);
    assert.deepEqual(alone, [[0], [1], [2]]);
  });

  it('does not wait out the linger once enough items are waiting', async () => {
    const batches: number[] = [];
    const submit = createCoalescer<number, number>(
      async (items) => {
        batches.push(items.length);
        return items;
      },
      { maxBatch: 256, lingerMs: 60_000 },
    );
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => submit(i)));
    assert.equal(answers.length, 32);
    assert.deepEqual(batches, [32]);
    assert.ok(performance.now() - started < 10_000, 'answered without waiting a minute');
  });
});
