/** Shared helpers for benchmarks: child servers, load generation, percentiles, reporting. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';

export const benchDir = import.meta.dirname;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Starts a bench server script in a child process and waits for it to print `listening <port>`. */
export async function startChild(
  script: string,
  env: Record<string, string> = {},
): Promise<{ port: number; output: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(benchDir, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  return {
    port,
    output: out,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// One counter across every load() of a process, so bodies never repeat between warm-up and run.
let counter = 0;

export type LoadResult = {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
};

/** Runs autocannon against a loopback URL; `body(i)` makes each request's body unique. */
export async function load(opts: {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: (i: number) => string;
  connections?: number;
  seconds?: number;
  /** Offered load in requests per second across all connections (a sustained rate, not saturation). */
  rate?: number;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    connections: opts.connections ?? 100,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    duration: opts.seconds ?? 10,
    headers: { 'content-type': 'application/json', ...opts.headers },
    requests: [
      {
        setupRequest: (req) => (opts.body ? { ...req, body: opts.body(counter++) } : req),
      },
    ],
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc on Linux; null elsewhere.
 * On a shared, busy machine throughput swings with the neighbours, CPU per request much less.
 */
export function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Prints a result line for people and records it for the run report. */
export function report(name: string, figures: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify({ name, ...figures })}\n`);
}

export function writeResults(results: unknown[]): string {
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  return file;
}
