/**
 * Tracking ingest over HTTP on SQLite: POST /api/v1/public/track with batches of 50 events as the
 * snippet sends them (text/plain, what sendBeacon sends), 100 connections. The mix: nine batches in
 * ten from anonymous visitors (stored until they identify), one in ten from known visitors (become
 * touchpoints on their leads at once); 45 page views with UTM values and 5 custom events a batch.
 * Baseline in the same run: a bare Fastify endpoint with the same validation that stores nothing.
 * Target (issue): ≥ 20,000 events/s in batches of 50.
 */
import { cpuMs, load, report, startChild } from './lib.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const eventsPerBatch = 50;
const knownVisitors = 200;
const runId = Date.now().toString(36);
const userAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const headers = { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': userAgent };
const known = (k: number) => `vknown${runId}${String(k).padStart(5, '0')}`;
const sources = ['google', 'newsletter', 'linkedin', 'partner', 'bing'];
const paths = ['/', '/pricing', '/features', '/blog/lead-scoring', '/docs/tracking', '/customers', '/demo'];

function makeBody(i: number): string {
  const visitorId =
    i % 10 === 0 ? known(i % knownVisitors) : `vanon${runId}${String(i % 200_000).padStart(6, '0')}`;
  const now = Date.now();
  const events = [];
  for (let k = 0; k < eventsPerBatch; k++) {
    const path = paths[(i + k) % paths.length]!;
    const page = {
      url: `https://www.example.com${path}?utm_source=${sources[k % 5]}&utm_medium=cpc&utm_campaign=fall-${i % 7}`,
      path,
      title: `Example — ${path}`,
      referrer: k === 0 ? 'https://www.google.com/' : 'https://www.example.com/',
    };
    if (k % 10 === 9) {
      events.push({
        type: 'event',
        at: now - (eventsPerBatch - k) * 1000,
        name: 'cta_clicked',
        props: { k },
        page,
      });
    } else {
      events.push({
        type: 'page',
        at: now - (eventsPerBatch - k) * 1000,
        page,
        utm: { source: sources[k % 5], medium: 'cpc', campaign: `fall-${i % 7}` },
        ...(k === 0 ? { landing: true } : {}),
      });
    }
  }
  return JSON.stringify({ visitorId, sentAt: now, events });
}

// Bodies are made before the run, so the load generator (in this process, on the same cores)
// spends its time sending rather than building 50-event batches.
const pool = Array.from({ length: 4000 }, (_, i) => makeBody(i));
const body = (i: number) => pool[i % pool.length]!;

async function measure(name: string, script: string, path: string, setup?: (url: string) => Promise<void>) {
  const server = await startChild(script);
  const url = `http://127.0.0.1:${server.port}${path}`;
  await setup?.(url);
  await load({ url, method: 'POST', headers, body, seconds: 3 }); // warm-up
  const cpuBefore = cpuMs(server.child.pid);
  const r = await load({ url, method: 'POST', headers, body, seconds });
  const cpuAfter = cpuMs(server.child.pid);
  await server.stop();
  const events = r.rps * eventsPerBatch;
  const serverCpuMsPerBatch =
    cpuBefore !== null && cpuAfter !== null ? +((cpuAfter - cpuBefore) / r.requests).toFixed(3) : null;
  report(name, {
    ...r,
    eventsPerSecond: events,
    eventsPerBatch,
    serverCpuMsPerBatch,
    seconds,
    connections: 100,
  });
  process.stderr.write(
    `${name.padEnd(34)} ${String(events).padStart(8)} events/s (${r.rps} batches/s)  p50 ${r.p50} ms  p99 ${r.p99} ms  server CPU ${serverCpuMsPerBatch} ms/batch  non-2xx ${r.non2xx}  errors ${r.errors}\n`,
  );
  return { ...r, events, serverCpuMsPerBatch };
}

/** Known visitors: each identifies once, so its events become touchpoints on its lead. */
async function identifyKnown(url: string) {
  for (let k = 0; k < knownVisitors; k += 1) {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        visitorId: known(k),
        events: [{ type: 'identify', traits: { email: `known.${runId}.${k}@company${k % 50}.example` } }],
      }),
    });
    if (res.status !== 202) throw new Error(`identify failed: ${res.status} ${await res.text()}`);
  }
}

const bare = await measure('baseline: validation only', 'servers/track-baseline.ts', '/track');
const leadloop = await measure(
  'leadloop: POST /api/v1/public/track',
  'servers/leadloop-tracking.ts',
  '/api/v1/public/track',
  identifyKnown,
);
report('tracking ratios', {
  leadloopVsValidation: +(leadloop.events / bare.events).toFixed(3),
  cpuPerBatchVsValidation:
    leadloop.serverCpuMsPerBatch && bare.serverCpuMsPerBatch
      ? +(leadloop.serverCpuMsPerBatch / bare.serverCpuMsPerBatch).toFixed(1)
      : null,
  // What one core could sustain at the measured CPU cost per batch (no neighbours, no load generator).
  oneCoreCeilingEventsPerSecond: leadloop.serverCpuMsPerBatch
    ? Math.round((1000 / leadloop.serverCpuMsPerBatch) * eventsPerBatch)
    : null,
  target: '>= 20000 events/s in batches of 50',
  met: leadloop.events >= 20_000 && leadloop.non2xx === 0 && leadloop.errors === 0,
});
