/**
 * CPU time per form submission, in process: the submissions of forms.bench.ts through Fastify's
 * inject (no sockets, no load generator), 30 at a time (the group commit then commits groups of
 * that size, as at ~2,000 submissions/s over HTTP), on SQLite. The figure is the main thread's CPU
 * time per submission (the WAL checkpoint thread left out), the median of 5 rounds of 6,000 after
 * 6,000 to warm up. It is the one to compare changes to the submission path with: on a quiet
 * machine its median moved by 3 % between runs (0.426–0.440 ms) while the HTTP benchmark's server
 * CPU per submission moved between 0.44 and 0.83 ms. A busy machine raises it too (0.75 ms with a
 * test suite running beside it): compare runs made one after the other.
 * Baseline in the same run: the bare endpoint with the same validation, measured the same way.
 * Then the split of that cost into a part per group commit and a part per submission (batchCost).
 */
import { body, headers } from './form-submissions.ts';
import { report } from './lib.ts';
import { bareFormsApp, bareSubmitUrl, leadloopFormsApp, leadloopSubmitUrl } from './servers/forms-apps.ts';
import { scratchDir } from './servers/scratch.ts';

const wave = 30;
const perRound = 6000;
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
let sent = 0;

type Injector = { inject(o: object): Promise<{ statusCode: number; body: string }> };

async function round(
  app: Injector,
  url: string,
  concurrent = wave,
  submissions = perRound,
): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.threadCpuUsage();
  const started = performance.now();
  for (let k = 0; k < submissions / concurrent; k++) {
    const answers = await Promise.all(
      Array.from({ length: concurrent }, () =>
        app.inject({
          method: 'POST',
          url,
          headers: { ...headers, 'content-type': 'application/json' },
          payload: body(sent++),
        }),
      ),
    );
    for (const a of answers) if (a.statusCode !== 201) throw new Error(`${a.statusCode} ${a.body}`);
  }
  const used = process.threadCpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
}

async function measure(name: string, app: Injector, url: string) {
  await round(app, url);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const m = await round(app, url);
    cpu.push(m.cpuMs / perRound);
    wall.push(m.wallMs / perRound);
  }
  const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(3);
  const figures = {
    cpuMsPerSubmission: median(cpu),
    cpuMsMin: +Math.min(...cpu).toFixed(3),
    cpuMsMax: +Math.max(...cpu).toFixed(3),
    wallMsPerSubmission: median(wall),
    rounds,
    perRound,
    concurrent: wave,
  };
  report(name, figures);
  process.stderr.write(
    `${name.padEnd(36)} CPU ${figures.cpuMsPerSubmission} ms per submission (rounds ${figures.cpuMsMin}–${figures.cpuMsMax}), wall ${figures.wallMsPerSubmission} ms\n`,
  );
  return figures;
}

const bare = bareFormsApp();
await bare.ready();
const base = await measure('baseline: validation only', bare, bareSubmitUrl);
await bare.close();

const leadloop = await leadloopFormsApp(scratchDir('bench-form-cpu-'));
const subject = await measure('leadloop: form submission', leadloop.app, leadloopSubmitUrl);
await batchCost(leadloop.app, leadloopSubmitUrl);
await leadloop.close();

/**
 * What a group commit costs whatever its size, and what each submission adds: the CPU per
 * submission at 8 and at 64 at a time (the group commit then commits batches of about that size),
 * rounds alternating so both see the same machine, the smallest of each; cost = perBatch / size +
 * perSubmission. Near its capacity the server's batches grow until the per-batch cost fits in the
 * time the submissions leave (see docs/scaling.md), so both parts count.
 */
async function batchCost(app: Injector, url: string) {
  const sizes = [8, 64] as const;
  const best = new Map<number, number>();
  for (let r = 0; r < 4; r++)
    for (const size of sizes) {
      const m = await round(app, url, size, 2048);
      best.set(size, Math.min(best.get(size) ?? Infinity, m.cpuMs / 2048));
    }
  const [small, large] = sizes.map((size) => best.get(size)!);
  const perBatchMs = (small! - large!) / (1 / sizes[0] - 1 / sizes[1]);
  const figures = {
    cpuMsPerSubmissionAt8: +small!.toFixed(3),
    cpuMsPerSubmissionAt64: +large!.toFixed(3),
    perBatchMs: +perBatchMs.toFixed(2),
    perSubmissionMs: +(large! - perBatchMs / sizes[1]).toFixed(3),
  };
  report('leadloop: form submission, cost per batch and per submission', figures);
  process.stderr.write(
    `${'leadloop: batch cost'.padEnd(36)} ${figures.perBatchMs} ms per group commit + ${figures.perSubmissionMs} ms per submission (${figures.cpuMsPerSubmissionAt8} ms each at 8 at a time, ${figures.cpuMsPerSubmissionAt64} at 64)\n`,
  );
  return figures;
}

report('form cpu ratios', {
  cpuVsValidation: +(subject.cpuMsPerSubmission / base.cpuMsPerSubmission).toFixed(1),
  // The rate one core could take at this cost, HTTP and sockets not counted.
  oneCoreCeilingPerSecond: Math.round(1000 / subject.cpuMsPerSubmission),
});
process.exit(0);
