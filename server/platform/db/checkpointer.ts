/**
 * Background WAL checkpoints for a SQLite file, on a thread of their own.
 *
 * better-sqlite3 is synchronous: when a commit crosses `wal_autocheckpoint`, that commit copies the
 * WAL back into the database and syncs both files before it returns, and the whole process (every
 * request, the import's event loop) waits on the disk meanwhile (100–300 ms on a busy disk, the
 * tail of the upsert and form latencies). Here a second connection, on a worker thread, runs
 * PASSIVE checkpoints every few hundred milliseconds instead: they copy what they can without
 * taking any lock a writer or reader needs, so the main connection only appends to the WAL. The
 * main connection keeps a (much higher) autocheckpoint as a safety net, should this thread fall
 * behind or stop.
 *
 * A PASSIVE checkpoint never lets the WAL start over while writes keep coming: SQLite rewinds it
 * only when a write begins with every frame already copied, and under steady writes a new commit
 * always lands while the thread copies. The WAL then grew to the safety net, and the connection's
 * own checkpoint there stalled the process 20–50 ms (measured at 1,500 form submissions/s: every
 * half second). So once the WAL holds `restartFrames`, the thread asks the owner to hold writes
 * for a moment (`quiesce`), copies the few frames written since its last pass, and lets go; the
 * next write rewinds the WAL. The event loop keeps serving meanwhile, but no write commits: at
 * 2,000 form submissions/s a hold came every ~0.6 s and lasted 25–45 ms (the frames written
 * during the previous pass, copied and synced), the largest share of the latency tail. So the
 * thread first runs passes back to back, each with less to copy than the one before, and asks for
 * the hold once one is quick: holds then took a median 4–18 ms a run (mostly the two syncs), the
 * longest 6–37 ms, over the runs on record (docs/scaling.md). The request reaches the owner
 * between two turns of its event loop, so nearly always between transactions; one still open is
 * waited for.
 */
import { channel } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

export type Checkpointer = {
  /** Moves the rewind threshold (frames; 0 never asks for a hold). */
  setRestartFrames(frames: number): void;
  /** Holds the thread asked for and got so far. */
  holds(): number;
  /** Stops the thread (its connection closes); resolves once it has. */
  stop(): Promise<void>;
};

type Data = { file: string; intervalMs: number; restartFrames: number };

/**
 * Each hold of the owner's writes for a WAL rewind, as `{ ms }` from the hold's start to its end
 * (published only while someone subscribes: benchmarks and monitoring read how long writes waited).
 */
export const walHoldChannel = channel('leadloop:wal-hold');
export type WalHold = { ms: number };

/** How often the thread checkpoints; a checkpoint with nothing to copy costs next to nothing. */
export const checkpointIntervalMs = 200;
/**
 * WAL frames (pages, 4 KB each) past which the thread asks for a moment without writes to rewind
 * it: each hold costs a catch-up with two syncs, so not too often (at 16 MB an import's batches
 * waited 12 % longer), and well below the owner's own checkpoint (32,000 frames).
 */
export const restartFrames = 12_000;
/** Passes at most before asking for a hold, and the pass time after which one more is not worth it. */
const catchUpPasses = 3;
const quickPassMs = 3;
/** The longest the thread waits for the owner's hold before it goes on checkpointing without it. */
const quiesceWaitMs = 5000;
/** The longest the owner holds its writes for the thread (a catch-up takes ~15 ms; a stuck disk not for ever). */
const holdLimitMs = 1000;

type ThreadMessage = { kind: 'quiesce' } | { kind: 'caught-up' };
type OwnerMessage = 'quiet' | 'stop' | { kind: 'restart-frames'; frames: number };

/**
 * Starts the thread. `onExit` runs if it ends before `stop` (it failed): the caller then goes back
 * to checkpointing on its own connection.
 */
export function startCheckpointer(
  file: string,
  o: {
    intervalMs?: number;
    restartFrames?: number;
    onExit?: () => void;
    /**
     * Holds the owner's writes while `catchUp` runs (see above). Without it the thread only runs
     * PASSIVE checkpoints and the owner's autocheckpoint rewinds the WAL.
     */
    quiesce?: (catchUp: () => Promise<void>) => Promise<void>;
  } = {},
): Checkpointer {
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: {
      file,
      intervalMs: o.intervalMs ?? checkpointIntervalMs,
      restartFrames: o.quiesce ? (o.restartFrames ?? restartFrames) : 0,
    } satisfies Data,
    // It runs one prepared statement: a small heap keeps the thread's memory small too.
    resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
  });
  // The thread never keeps the process alive, and a failure of it is not the application's.
  worker.unref();
  worker.on('error', () => {});
  let caughtUp: (() => void) | null = null;
  let holds = 0;
  worker.on('message', (m: ThreadMessage) => {
    if (m.kind === 'caught-up') {
      holds++;
      caughtUp?.();
      return;
    }
    if (m.kind !== 'quiesce' || !o.quiesce) return;
    const catchUp = () => {
      const started = performance.now();
      return Promise.race([
        new Promise<void>((resolve) => {
          caughtUp = resolve;
          worker.postMessage('quiet');
        }),
        sleep(holdLimitMs, undefined, { ref: false }),
      ]).finally(() => {
        caughtUp = null;
        if (walHoldChannel.hasSubscribers)
          walHoldChannel.publish({ ms: performance.now() - started } satisfies WalHold);
      });
    };
    // A failed hold only means the WAL rewinds later (the thread asks again).
    o.quiesce(catchUp).catch(() => {});
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      caughtUp?.(); // a hold in progress ends with the thread
      if (!stopping) o.onExit?.();
      resolve();
    }),
  );
  return {
    setRestartFrames(frames) {
      if (o.quiesce) worker.postMessage({ kind: 'restart-frames', frames } satisfies OwnerMessage);
    },
    holds: () => holds,
    stop() {
      if (!stopping) {
        stopping = true;
        worker.ref(); // until it has stopped
        worker.postMessage('stop');
        // A checkpoint in progress finishes first; do not wait on a stuck disk for ever.
        setTimeout(() => void worker.terminate(), 5000).unref();
      }
      return exited;
    },
  };
}

function runThread({ file, intervalMs, restartFrames }: Data) {
  let rewindAt = restartFrames;
  const db = new SqliteDatabase(file, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
  db.pragma('synchronous = NORMAL');
  const checkpoint = db.prepare<[], { busy: number; log: number; checkpointed: number }>(
    'pragma wal_checkpoint(PASSIVE)',
  );
  /** Frames left in the WAL after a pass (-1 when the pass could not run). */
  const pass = (): number => {
    try {
      return checkpoint.get()?.log ?? -1;
    } catch {
      // Busy (another checkpoint runs) or the file went away: try again next time.
      return -1;
    }
  };
  // A request is out since askedAt (0: none); unanswered, it is given up after quiesceWaitMs.
  let askedAt = 0;
  const timer = setInterval(() => {
    if (askedAt && Date.now() - askedAt < quiesceWaitMs) return;
    askedAt = 0;
    const log = pass();
    if (rewindAt > 0 && log >= rewindAt) {
      // The hold's own pass copies and syncs what was written since the last pass began: passes
      // right away first, each shorter than the one before, leave it little to do.
      for (let i = 0; i < catchUpPasses; i++) {
        const started = performance.now();
        pass();
        if (performance.now() - started < quickPassMs) break;
      }
      askedAt = Date.now();
      parentPort!.postMessage({ kind: 'quiesce' } satisfies ThreadMessage);
    }
  }, intervalMs);
  parentPort!.on('message', (m: OwnerMessage) => {
    if (typeof m === 'object') {
      rewindAt = m.frames;
      return;
    }
    if (m === 'quiet') {
      // No write runs now: this pass copies the rest, and the owner's next write rewinds the WAL.
      pass();
      askedAt = 0;
      parentPort!.postMessage({ kind: 'caught-up' } satisfies ThreadMessage);
      return;
    }
    if (m !== 'stop') return;
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

if (!isMainThread && (workerData as Data | undefined)?.file) runThread(workerData as Data);
