/**
 * Group commit: calls that arrive while a flush is running (or in the same tick) are gathered and
 * handed to `flush` together, so many concurrent single writes cost one transaction instead of
 * one each. Each caller still gets its own result; if a flush throws, every caller in it sees the
 * error. Items keep their arrival order.
 *
 * `maxBatch` bounds one transaction, hardly how long the event loop is held: the items beyond it
 * are flushed in further transactions straight after (on SQLite, whose calls are synchronous, before
 * the server reads new requests). A low bound only pays each transaction's fixed cost again when a backlog
 * builds: measured on form submissions in process, a batch costs ~2.7 ms whatever its size plus
 * ~0.3 ms per submission, so 256 submissions in four batches of 64 cost 8 ms more CPU than in one,
 * just when the server is behind. `groupCommitMax` is the bound the capture paths use.
 */
export const groupCommitMax = 256;

export function createCoalescer<I, R>(flush: (items: I[]) => Promise<R[]>, options: { maxBatch: number }) {
  type Pending = { item: I; resolve: (r: R) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  let running = false;
  let scheduled = false;

  async function drain(): Promise<void> {
    scheduled = false;
    if (running) return;
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, options.maxBatch);
        queue = queue.slice(batch.length);
        try {
          const results = await flush(batch.map((p) => p.item));
          for (const [i, p] of batch.entries()) p.resolve(results[i] as R);
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      running = false;
    }
  }

  return function submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running && !scheduled) {
        scheduled = true;
        setImmediate(() => void drain());
      }
    });
  };
}
