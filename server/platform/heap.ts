/**
 * The V8 heap settings Leadloop runs with. They are on the command line of every way it starts:
 * the first line of bin/leadloop.js (`leadloop …`, `npx leadloop …`), package.json's `start` and
 * `leadloop` scripts and `npm run dev` (heap.test.ts checks that they agree); the benchmarks start
 * every process with this list. V8 takes `--heap-growing-percent` from the command line only, not from
 * `NODE_OPTIONS`, which is why they are spelled out in each place.
 *
 * Node 24's defaults size the heap from the machine's memory: under a steady stream of work the
 * young generation grows to 128 MB, and the old generation is let fill to several times what
 * survived its last major collection. A 1,000,000-row import peaked at 530–610 MB that way with
 * 34–47 MB of it live. With a young generation of 3 × 16 MB and an old generation collected once it
 * has grown by half of what survived, the same import peaked at 350–356 MB (docs/imports.md). The
 * price is CPU, as collections come more often: the import took 11 % longer (116.4 s against
 * 104.9 s in one run), and docs/scaling.md has the capture benchmarks under these settings.
 * Nothing is capped: a process that needs more heap still gets it.
 */
export const heapFlags: readonly string[] = ['--max-semi-space-size=16', '--heap-growing-percent=50'];
