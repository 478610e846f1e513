/**
 * Webhook signatures: `Leadloop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * The signing side is used by delivery; the verifying side is what a receiver runs (docs/webhooks.md
 * shows the same recipe), and the tests' receiver runs it too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value for a body sent at `nowMs`. */
export function signatureHeader(secret: string, nowMs: number, body: string): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a signature header against the raw body: a v1 signature must match the secret and the
 * timestamp must be within `toleranceSeconds` of `nowMs` (default 5 minutes), which stops replays.
 */
export function verifySignature(options: {
  header: string | undefined;
  body: string;
  secret: string;
  nowMs: number;
  toleranceSeconds?: number;
}): VerifyResult {
  const { header, body, secret, nowMs } = options;
  const tolerance = options.toleranceSeconds ?? 300;
  if (!header) return { ok: false, reason: 'no signature header' };
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) t = Number(value);
    else if (key === 'v1') signatures.push(value);
  }
  if (t === undefined) return { ok: false, reason: 'no timestamp' };
  if (signatures.length === 0) return { ok: false, reason: 'no v1 signature' };
  if (Math.abs(nowMs / 1000 - t) > tolerance) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  const matches = signatures.some((s) => {
    const given = Buffer.from(s, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true, timestamp: t } : { ok: false, reason: 'signature does not match' };
}
