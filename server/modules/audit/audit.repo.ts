import type { Tx } from '../../platform/db/db.ts';
import type { AuditLogTable } from '../../platform/db/schema.ts';

export type AuditFilter = {
  action?: string;
  actorId?: string;
  targetId?: string;
  before?: string;
  limit: number;
};

export function createAuditRepo() {
  async function insert(tx: Tx, row: AuditLogTable): Promise<void> {
    await tx.insertInto('audit_log').values(row).execute();
  }

  async function list(tx: Tx, f: AuditFilter): Promise<AuditLogTable[]> {
    let q = tx.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(f.limit);
    if (f.action)
      q = f.action.endsWith('.')
        ? q.where('action', 'like', `${f.action}%`)
        : q.where('action', '=', f.action);
    if (f.actorId) q = q.where('actor_id', '=', f.actorId);
    if (f.targetId) q = q.where('target_id', '=', f.targetId);
    if (f.before) q = q.where('id', '<', f.before);
    return q.execute();
  }

  return { insert, list };
}
