/**
 * `Idempotency-Key` on any POST: the first request with a key acts and its response is kept for
 * 24 hours; a retry with the same key and body gets that response again (with
 * `Idempotent-Replayed: true`) instead of acting twice. Keys are per caller.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/db.ts';
import { AppError, validationError } from '../errors.ts';
import { createIdempotencyRepo } from './idempotency.repo.ts';

export const idempotencyTtlMs = 24 * 3600_000;
const header = 'idempotency-key';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | null;
  }
}

function scopeOf(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) return `anon:${request.ip}`;
  return p.kind === 'user' ? `user:${p.userId}` : `key:${p.keyId}`;
}

export const idempotency = fp(
  async (app: FastifyInstance, opts: { database: Database; clock: Clock }) => {
    const repo = createIdempotencyRepo();
    const db = opts.database.db;
    app.decorateRequest('idempotency', null);

    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST') return;
      const key = request.headers[header];
      if (key === undefined) return;
      if (typeof key !== 'string' || key.length < 1 || key.length > 255) {
        throw validationError('Idempotency-Key', 'maxLength', 'must be 1 to 255 characters');
      }
      const scope = scopeOf(request);
      const fingerprint = createHash('sha256')
        .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
        .digest('hex');
      const now = opts.clock.now();
      if (await repo.claim(db, { scope, key, fingerprint, now, ttlMs: idempotencyTtlMs })) {
        request.idempotency = { scope, key };
        return;
      }
      const existing = await repo.find(db, scope, key);
      if (!existing || existing.expires_at < now) {
        if (existing) await repo.release(db, scope, key);
        if (await repo.claim(db, { scope, key, fingerprint, now, ttlMs: idempotencyTtlMs })) {
          request.idempotency = { scope, key };
          return;
        }
        throw new AppError(
          'IDEMPOTENCY_KEY_IN_PROGRESS',
          'A request with this Idempotency-Key is in progress.',
        );
      }
      if (existing.fingerprint !== fingerprint) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used for a different request; use a new key for a new request.',
        );
      }
      if (existing.status !== 'done' || existing.response_status === null) {
        throw new AppError(
          'IDEMPOTENCY_KEY_IN_PROGRESS',
          'A request with this Idempotency-Key is in progress.',
          {
            headers: { 'retry-after': '1' },
          },
        );
      }
      reply.header('idempotent-replayed', 'true');
      reply.header('content-type', 'application/json; charset=utf-8');
      return reply.status(existing.response_status).send(existing.response_body ?? '');
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotency;
      if (!claim) return payload;
      request.idempotency = null;
      // Server failures are not remembered: the client may retry them with the same key.
      if (reply.statusCode >= 500 || typeof payload !== 'string')
        await repo.release(db, claim.scope, claim.key);
      else await repo.complete(db, claim.scope, claim.key, reply.statusCode, payload);
      return payload;
    });

    // A request that dies before its response (client gone, crash in a hook) frees its key.
    app.addHook('onResponse', async (request) => {
      const claim = request.idempotency;
      if (claim) await repo.release(db, claim.scope, claim.key);
    });
  },
  { name: 'idempotency', dependencies: ['access-control'] },
);

export async function purgeExpiredIdempotencyKeys(database: Database, now: number): Promise<number> {
  return createIdempotencyRepo().purgeExpired(database.db, now);
}
