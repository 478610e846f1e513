/**
 * Signed tokens of the public form endpoints, HMAC-SHA256 with the instance's signing key:
 * - render tokens, issued with every drawing of a form: which form, when (the minimum fill time
 *   counts from then), which consent text versions it showed, and a nonce that makes it single-use;
 * - confirmation tokens of double opt-in links: which submission, until when.
 * Each kind signs under its own label, so one can never pass for the other.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Secrets } from '../../platform/secrets.ts';

export type RenderToken = {
  formId: string;
  issuedAt: number;
  nonce: string;
  /** Consent key → version number shown. */
  consents: Record<string, number>;
};

export type ConfirmToken = { submissionId: string; expiresAt: number };

/** How long a drawn form may wait before it is sent. */
export const renderTokenTtlMs = 24 * 3600_000;
/** How long a double opt-in link works. */
export const confirmTokenTtlMs = 7 * 24 * 3600_000;

export function createFormTokens(secrets: Secrets) {
  const sign = (label: string, payload: string) =>
    createHmac('sha256', secrets.signingKey).update(`${label}.${payload}`).digest('base64url');

  function seal(label: string, body: unknown): string {
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${label}.${payload}.${sign(label, payload)}`;
  }

  function open(label: string, token: string): unknown {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== label) return null;
    const [, payload, sig] = parts as [string, string, string];
    const expected = Buffer.from(sign(label, payload));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
  }

  return {
    issueRender(formId: string, now: number, consents: Record<string, number>): string {
      return seal('r1', { f: formId, t: now, n: randomBytes(12).toString('base64url'), c: consents });
    },
    /** The token's content when its signature holds; null for anything forged or malformed. */
    readRender(token: string): RenderToken | null {
      const v = open('r1', token) as { f?: unknown; t?: unknown; n?: unknown; c?: unknown } | null;
      if (!v || typeof v.f !== 'string' || typeof v.t !== 'number' || typeof v.n !== 'string') return null;
      const consents: Record<string, number> = {};
      if (v.c && typeof v.c === 'object') {
        for (const [k, n] of Object.entries(v.c as Record<string, unknown>))
          if (typeof n === 'number') consents[k] = n;
      }
      return { formId: v.f, issuedAt: v.t, nonce: v.n, consents };
    },
    issueConfirm(submissionId: string, expiresAt: number): string {
      return seal('c1', { s: submissionId, e: expiresAt });
    },
    readConfirm(token: string): ConfirmToken | null {
      const v = open('c1', token) as { s?: unknown; e?: unknown } | null;
      if (!v || typeof v.s !== 'string' || typeof v.e !== 'number') return null;
      return { submissionId: v.s, expiresAt: v.e };
    },
  };
}

export type FormTokens = ReturnType<typeof createFormTokens>;
