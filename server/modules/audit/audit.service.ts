import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { AuditLogTable } from '../../platform/db/schema.ts';
import type { Principal } from '../../platform/http/access.ts';
import { decodeCursor, encodeCursor, type Page, pageOf } from '../../platform/http/pagination.ts';
import { newId } from '../../platform/ids.ts';
import type { createAuditRepo } from './audit.repo.ts';

export type Actor =
  | { type: 'user'; id: string; label: string }
  | { type: 'api_key'; id: string; label: string }
  | { type: 'system'; label: string }
  | { type: 'anonymous'; label?: string };

export type AuditEntry = {
  actor: Actor;
  action: string;
  target?: { type: string; id: string };
  ip?: string | null;
  details?: Record<string, unknown>;
};

export type AuditView = {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  target: { type: string; id: string } | null;
  ip: string | null;
  details: Record<string, unknown>;
};

/** The actor behind a request. */
export function actorOf(principal: Principal | null): Actor {
  if (!principal) return { type: 'anonymous' };
  return principal.kind === 'user'
    ? { type: 'user', id: principal.userId, label: principal.email }
    : { type: 'api_key', id: principal.keyId, label: principal.name };
}

type Deps = { database: Database; repo: ReturnType<typeof createAuditRepo>; clock: Clock };

export function createAuditService({ database, repo, clock }: Deps) {
  /** Records a security-relevant action inside the caller's transaction. */
  async function record(tx: Tx, entry: AuditEntry): Promise<void> {
    const now = clock.now();
    await repo.insert(tx, {
      id: newId('aud', now),
      at: now,
      actor_type: entry.actor.type,
      actor_id: 'id' in entry.actor ? entry.actor.id : null,
      actor_label: entry.actor.label ?? null,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      ip: entry.ip ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }

  async function list(filter: {
    action?: string;
    actorId?: string;
    targetId?: string;
    cursor?: string;
    limit?: number;
  }): Promise<Page<AuditView>> {
    const limit = filter.limit ?? 50;
    const before = filter.cursor ? String(decodeCursor(filter.cursor, 1)[0]) : undefined;
    const rows = await repo.list(database.db, { ...filter, before, limit: limit + 1 });
    return pageOf(rows, limit, toView, (r) => encodeCursor([r.id]));
  }

  return { record, list };
}

function toView(r: AuditLogTable): AuditView {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
    action: r.action,
    target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id } : null,
    ip: r.ip,
    details: r.details ? JSON.parse(r.details) : {},
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
