/** Shared helpers for benchmarks: child servers, load generation, percentiles, reporting. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import { heapFlags } from '../server/platform/heap.ts';

export const benchDir = import.meta.dirname;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Starts a bench server script in a child process and waits for it to print `listening <port>`.
 * Every child runs with Leadloop's heap settings (server/platform/heap.ts), as `leadloop start`
 * does: a baseline then differs from Leadloop only in its code.
 */
export async function startChild(
  script: string,
  env: Record<string, string> = {},
): Promise<{ port: number; readonly output: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...heapFlags, path.join(benchDir, script)], {
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
    /** Everything the child printed so far. */
    get output() {
      return out;
    },
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

/** Seconds of a sustained rate offered before its measured seconds (see loadAtRate). */
export const leadInSeconds = Number(process.env.BENCH_LEAD_IN_SECONDS ?? 3);

/** The lead-in's figures, for a report line. */
export function leadInText(l: { seconds: number; p50: number; p99: number; max: number } | null): string {
  return l ? `  (first ${l.seconds} s, not counted: p50 ${l.p50} ms  p99 ${l.p99} ms  max ${l.max} ms)` : '';
}

/**
 * Offers a steady load: request i is due at start + i / rate, whatever the answers before it did
 * (open loop), over `connections` keep-alive connections (one request in flight on each; a request
 * due while all are busy waits for the first free one). Latency is measured from when a request
 * was due, not from when it could be sent, so a server that falls behind shows it in full.
 * `leadInSeconds` of the same load come first and are reported apart (`leadIn`): a sustained rate's
 * figures are the steady state, not the server's recovery from whatever ran before (a saturated
 * run leaves a long write-ahead log and a full heap behind).
 *
 * autocannon's `overallRate` is not this: each connection sends as fast as it gets answers until it
 * has sent its share of the second, then pauses until the next second. The server sees the
 * second's load in a burst at saturation, and the latencies of the burst are then "corrected" for
 * coordinated omission with an expected interval of 1 ms (1 / per-connection rate, in seconds,
 * rounded up), which adds a synthetic sample for every millisecond of each answer. Measured on a
 * bare endpoint at 500 requests/s: p99 99 ms.
 */
export async function loadAtRate(opts: {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: (i: number) => string;
  rate: number;
  seconds: number;
  leadInSeconds?: number;
  connections?: number;
}): Promise<
  LoadResult & {
    offered: number;
    p999: number;
    max: number;
    leadIn: { seconds: number; requests: number; p50: number; p99: number; max: number } | null;
  }
> {
  const url = new URL(opts.url);
  const method = opts.method ?? 'GET';
  const extra = Object.entries({ 'content-type': 'application/json', ...opts.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n${extra}`;
  const request = (): Buffer => {
    const body = opts.body ? opts.body(counter++) : '';
    return Buffer.from(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  const leadInSeconds = opts.leadInSeconds ?? 0;
  const total = Math.round(opts.rate * (leadInSeconds + opts.seconds));
  const gap = 1000 / opts.rate;
  const latencies: number[] = [];
  const leadInLatencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let lastDone = 0;

  type Conn = { socket: net.Socket; due: number; data: Buffer; want: number; status: number };
  const idle: Conn[] = [];
  const all: Conn[] = [];
  let closing = false;
  const waiting: number[] = []; // due times of requests waiting for a connection
  let waitingAt = 0;
  let scheduled = 0;
  let settled = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const complete = (c: Conn, ok: boolean) => {
    const now = performance.now();
    if (ok) {
      (c.due < counted ? leadInLatencies : latencies).push(now - c.due);
      if (c.status < 200 || c.status > 299) non2xx++;
    } else errors++;
    lastDone = now;
    settled++;
    c.data = Buffer.alloc(0);
    c.want = -1;
    c.due = -1;
    if (settled === total) finish();
    else pump();
  };
  /** Reads an answer: status line, content-length, then that many bytes of body. */
  const onData = (c: Conn, chunk: Buffer) => {
    c.data = c.data.length === 0 ? chunk : Buffer.concat([c.data, chunk]);
    if (c.want < 0) {
      const end = c.data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = c.data.subarray(0, end).toString('latin1');
      c.status = Number(text.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (!length) throw new Error('loadAtRate reads answers with a content-length only');
      c.want = end + 4 + Number(length[1]);
    }
    if (c.data.length >= c.want) {
      idle.push(c);
      complete(c, true);
    }
  };
  const connect = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      const c: Conn = { socket, due: -1, data: Buffer.alloc(0), want: -1, status: 0 };
      all.push(c);
      socket.once('connect', () => resolve(c));
      socket.once('error', reject);
      socket.on('data', (chunk) => onData(c, chunk));
      socket.on('close', () => {
        if (closing) return;
        if (c.due >= 0) complete(c, false);
        const at = idle.indexOf(c);
        if (at >= 0) idle.splice(at, 1);
        // A lost connection is replaced, so the offered load stays what it was.
        if (settled < total)
          connect().then(
            (fresh) => {
              idle.push(fresh);
              pump();
            },
            () => {},
          );
      });
    });
  idle.push(...(await Promise.all(Array.from({ length: opts.connections ?? 100 }, connect))));

  const start = performance.now() + 20;
  const counted = start + leadInSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  function pump() {
    const now = performance.now();
    while (scheduled < total && start + scheduled * gap <= now) waiting.push(start + scheduled++ * gap);
    while (waitingAt < waiting.length && idle.length > 0) {
      const c = idle.pop()!;
      c.due = waiting[waitingAt++]!;
      c.socket.write(request());
    }
    if (waitingAt > 10_000) {
      waiting.splice(0, waitingAt);
      waitingAt = 0;
    }
    if (scheduled < total && !timer)
      timer = setTimeout(
        () => {
          timer = undefined;
          pump();
        },
        Math.max(0, start + scheduled * gap - performance.now()),
      );
  }
  pump();
  // Answers still missing long after the last request was due count as errors.
  const deadline = setTimeout(() => finish(), (opts.seconds + 30) * 1000);
  await finished;
  clearTimeout(deadline);
  clearTimeout(timer);
  errors += total - settled;
  closing = true;
  for (const c of all) c.socket.destroy();
  latencies.sort((a, b) => a - b);
  leadInLatencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    offered: opts.rate,
    requests: latencies.length,
    rps: Math.round(latencies.length / ((lastDone - counted) / 1000)),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    p999: round(percentile(latencies, 99.9)),
    max: round(latencies.at(-1) ?? Number.NaN),
    errors,
    non2xx,
    leadIn:
      leadInSeconds > 0
        ? {
            seconds: leadInSeconds,
            requests: leadInLatencies.length,
            p50: round(percentile(leadInLatencies, 50)),
            p99: round(percentile(leadInLatencies, 99)),
            max: round(leadInLatencies.at(-1) ?? Number.NaN),
          }
        : null,
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
