/**
 * What held a benchmark server's event loop during a window the benchmark marks: SIGUSR2 starts a
 * window, the next SIGUSR2 ends it and prints one line on stdout,
 * `stalls {"mainThreadCpuMs":…,"processCpuMs":…,"loopP99Ms":…,"loopMaxMs":…,"gcCount":…,"gcMs":…,"gcMaxMs":…}`: how late a timer due
 * every 10 ms ran (the event loop's delay), V8's collection pauses, and the holds of all writes
 * while the WAL is rewound (`walHolds`, `walHoldMedianMs`, `walHoldMaxMs`). A tail latency then either
 * shows here (the server's event loop was held: by its own work, a collection, or the machine not
 * running the process) or not (the requests waited elsewhere: the load generator, the network stack).
 */
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { type WalHold, walHoldChannel } from '../../server/platform/db/checkpointer.ts';

const resolutionMs = 10;

export function watchStalls(): void {
  const loop = monitorEventLoopDelay({ resolution: resolutionMs });
  let gcs: number[] = [];
  let holds: number[] = [];
  let open = false;
  let mainCpu = process.threadCpuUsage();
  let allCpu = process.cpuUsage();
  new PerformanceObserver((list) => {
    if (open) for (const e of list.getEntries()) gcs.push(e.duration);
  }).observe({ entryTypes: ['gc'] });
  subscribe(walHoldChannel.name, (m) => {
    if (open) holds.push((m as WalHold).ms);
  });
  process.on('SIGUSR2', () => {
    if (!open) {
      open = true;
      gcs = [];
      holds = [];
      mainCpu = process.threadCpuUsage();
      allCpu = process.cpuUsage();
      loop.reset();
      loop.enable();
      return;
    }
    open = false;
    loop.disable();
    // The histogram holds the intervals between the timer's turns: the delay is what exceeds 10 ms.
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - resolutionMs) * 10) / 10);
    const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);
    const figures = {
      mainThreadCpuMs: cpuMs(process.threadCpuUsage(mainCpu)),
      processCpuMs: cpuMs(process.cpuUsage(allCpu)),
      loopP99Ms: ms(loop.percentile(99)),
      loopMaxMs: ms(loop.max),
      gcCount: gcs.length,
      gcMs: Math.round(gcs.reduce((a, b) => a + b, 0)),
      gcMaxMs: Math.round(Math.max(0, ...gcs) * 10) / 10,
      walHolds: holds.length,
      walHoldMedianMs: Math.round((holds.sort((a, b) => a - b)[Math.floor(holds.length / 2)] ?? 0) * 10) / 10,
      walHoldMaxMs: Math.round(Math.max(0, ...holds) * 10) / 10,
    };
    process.stdout.write(`stalls ${JSON.stringify(figures)}\n`);
  });
}
