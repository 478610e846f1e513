/**
 * A small seeded pseudo-random generator for the demo data: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, 32-bit), seeded through splitmix32. Never Math.random: the same seed must give
 * the same data on every machine and Node.js version, so only 32-bit integer arithmetic is used to
 * draw numbers; floating point only turns them into distributions.
 */

/** splitmix32: scrambles a 32-bit state into a well-mixed 32-bit output (used to seed and to hash). */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 32-bit hash of a seed and a stream label, so that each stream (companies, lead i…) is independent. */
export function streamSeed(seed: number, ...parts: (string | number)[]): number {
  let h = splitmix32(seed >>> 0);
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) h = splitmix32((h ^ text.charCodeAt(i)) >>> 0);
    h = splitmix32((h ^ 0x2f) >>> 0);
  }
  return h;
}

export type Rng = ReturnType<typeof createRng>;

/** A generator of numbers in [0, 1) and the few distributions the demo model draws from. */
export function createRng(seed: number) {
  let a = splitmix32(seed >>> 0);
  let b = splitmix32(a);
  let c = splitmix32(b);
  let d = 1;

  function nextUint32(): number {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  }
  for (let i = 0; i < 12; i++) nextUint32(); // warm up: the first outputs of sfc32 are weakly mixed

  const next = () => nextUint32() / 4294967296;
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const chance = (p: number) => next() < p;
  function pick<T>(items: readonly T[]): T {
    return items[Math.floor(next() * items.length)]!;
  }
  /** Picks from `[value, weight]` pairs in proportion to the weights. */
  function weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of pairs) total += w;
    let r = next() * total;
    for (const [value, w] of pairs) {
      r -= w;
      if (r < 0) return value;
    }
    return pairs[pairs.length - 1]![0];
  }
  /** A standard normal deviate (Box–Muller). */
  function normal(mean = 0, sd = 1): number {
    const u = 1 - next(); // (0, 1]: log(0) never happens
    const v = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** An exponential deviate with the given mean. */
  const exponential = (mean: number) => -mean * Math.log(1 - next());
  /** A Poisson count (Knuth's method; the demo only needs small means). */
  function poisson(mean: number): number {
    const limit = Math.exp(-Math.min(mean, 30));
    let k = 0;
    let p = next();
    while (p > limit) {
      k++;
      p *= next();
    }
    return k;
  }
  /** A uniform number in [min, max). */
  const between = (min: number, max: number) => min + next() * (max - min);

  return { next, int, chance, pick, weighted, normal, exponential, poisson, between };
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
