import { randomBytes, randomFillSync } from 'node:crypto';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
const two40 = 2 ** 40;
const two20 = 2 ** 20;

const codes = Buffer.from(alphabet, 'latin1');

/**
 * An id is written byte by byte into this buffer and read out once as a string: one flat string per
 * id, where joining characters made some thirty intermediate strings.
 */
const out = Buffer.alloc(128);

/** Eight base32 characters of a 40-bit number at `at` (two 20-bit halves, so bit operations stay exact). */
function encode40(value: number, at: number): void {
  const hi = Math.floor(value / two20);
  const lo = value - hi * two20;
  out[at] = codes[(hi >>> 15) & 31]!;
  out[at + 1] = codes[(hi >>> 10) & 31]!;
  out[at + 2] = codes[(hi >>> 5) & 31]!;
  out[at + 3] = codes[hi & 31]!;
  out[at + 4] = codes[(lo >>> 15) & 31]!;
  out[at + 5] = codes[(lo >>> 10) & 31]!;
  out[at + 6] = codes[(lo >>> 5) & 31]!;
  out[at + 7] = codes[lo & 31]!;
}

/** Ten base32 characters of a 50-bit time in milliseconds at `at`. */
function encodeTime(value: number, at: number): void {
  const hi = Math.floor(value / two40); // the top 10 bits
  out[at] = codes[(hi >>> 5) & 31]!;
  out[at + 1] = codes[hi & 31]!;
  encode40(value - hi * two40, at + 2);
}

// Random bytes come from a pool refilled in blocks, instead of one small request per id.
const pool = Buffer.allocUnsafe(10 * 256);
let poolOffset = pool.length;

function defaultRandom10(): Buffer {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 10);
  poolOffset += 10;
  return bytes;
}

/**
 * An id generator with its own state; `random10` gives ten random bytes per new millisecond.
 * The 80-bit random part is kept as two 40-bit numbers (exact in doubles) instead of a BigInt.
 */
export function createIdGenerator(random10: () => Uint8Array = defaultRandom10) {
  let lastTime = -1;
  let randomHi = 0; // upper 40 bits of the random part
  let randomLo = 0; // lower 40 bits

  return function next(prefix: string, now = Date.now()): string {
    let time = now;
    if (time <= lastTime) {
      time = lastTime;
      // Count up by one; wraps to zero after the largest 80-bit value.
      randomLo += 1;
      if (randomLo === two40) {
        randomLo = 0;
        randomHi = randomHi + 1 === two40 ? 0 : randomHi + 1;
      }
    } else {
      lastTime = time;
      const b = random10();
      // The 80 random bits shifted right by one: leaves room to count up within a millisecond.
      const hi = b[0]! * 2 ** 32 + (((b[1]! << 24) | (b[2]! << 16) | (b[3]! << 8) | b[4]!) >>> 0);
      const lo = b[5]! * 2 ** 32 + (((b[6]! << 24) | (b[7]! << 16) | (b[8]! << 8) | b[9]!) >>> 0);
      randomHi = Math.floor(hi / 2);
      randomLo = Math.floor(lo / 2) + (hi % 2) * 2 ** 39;
    }
    // Prefixes are short ASCII words of our own ('lead', 'tp').
    const at = prefix.length;
    if (at > 64) throw new Error(`Id prefix too long: ${prefix}`);
    for (let i = 0; i < at; i++) out[i] = prefix.charCodeAt(i);
    out[at] = 95; // _
    encodeTime(time, at + 1);
    encode40(randomHi, at + 11);
    encode40(randomLo, at + 19);
    return out.toString('latin1', 0, at + 27);
  };
}

/**
 * A sortable opaque id: `<prefix>_` + 10 chars of millisecond time + 16 chars of randomness.
 * Within a process ids are strictly increasing, even within one millisecond (the random part is
 * incremented), so lists ordered by id follow creation order and cursors stay stable.
 */
export const newId: (prefix: string, now?: number) => string = createIdGenerator();

/** A random secret token, URL-safe. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
