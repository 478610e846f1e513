import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
const randomMax = (1n << 80n) - 1n;

let lastTime = -1;
let lastRandom = 0n;

function encode(value: bigint, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = alphabet[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}

/**
 * A sortable opaque id: `<prefix>_` + 10 chars of millisecond time + 16 chars of randomness.
 * Within a process ids are strictly increasing, even within one millisecond (the random part is
 * incremented), so lists ordered by id follow creation order and cursors stay stable.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = now;
  if (time <= lastTime) {
    time = lastTime;
    lastRandom = lastRandom >= randomMax ? 0n : lastRandom + 1n;
  } else {
    lastTime = time;
    lastRandom = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n; // leave room to count up
  }
  return `${prefix}_${encode(BigInt(time), 10)}${encode(lastRandom, 16)}`;
}

/** A random secret token, URL-safe. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
