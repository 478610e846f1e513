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
 */
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

export type Checkpointer = {
  /** Stops the thread (its connection closes); resolves once it has. */
  stop(): Promise<void>;
};

type Data = { file: string; intervalMs: number };

/** How often the thread checkpoints; a checkpoint with nothing to copy costs next to nothing. */
export const checkpointIntervalMs = 200;

/**
 * Starts the thread. `onExit` runs if it ends before `stop` (it failed): the caller then goes back
 * to checkpointing on its own connection.
 */
export function startCheckpointer(
  file: string,
  o: { intervalMs?: number; onExit?: () => void } = {},
): Checkpointer {
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { file, intervalMs: o.intervalMs ?? checkpointIntervalMs } satisfies Data,
    // It runs one prepared statement: a small heap keeps the thread's memory small too.
    resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
  });
  // The thread never keeps the process alive, and a failure of it is not the application's.
  worker.unref();
  worker.on('error', () => {});
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      if (!stopping) o.onExit?.();
      resolve();
    }),
  );
  return {
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

function runThread({ file, intervalMs }: Data) {
  const db = new SqliteDatabase(file, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
  db.pragma('synchronous = NORMAL');
  const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
  const timer = setInterval(() => {
    try {
      checkpoint.get();
    } catch {
      // Busy (another checkpoint runs) or the file went away: try again next time.
    }
  }, intervalMs);
  parentPort!.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

if (!isMainThread && (workerData as Data | undefined)?.file) runThread(workerData as Data);
