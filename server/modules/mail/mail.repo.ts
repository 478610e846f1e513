import type { Tx } from '../../platform/db/db.ts';
import type { MailOutboxTable } from '../../platform/db/schema.ts';

export function createMailRepo() {
  async function insert(tx: Tx, row: MailOutboxTable): Promise<void> {
    await tx.insertInto('mail_outbox').values(row).execute();
  }

  async function get(tx: Tx, id: string) {
    return tx.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function mark(tx: Tx, id: string, patch: Partial<MailOutboxTable>): Promise<void> {
    await tx.updateTable('mail_outbox').set(patch).where('id', '=', id).execute();
  }

  async function list(
    tx: Tx,
    f: { before?: string; limit: number; status?: string; to?: string; relatedId?: string },
  ) {
    let q = tx.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(f.limit);
    if (f.before) q = q.where('id', '<', f.before);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.to) q = q.where('to_address', '=', f.to);
    if (f.relatedId) q = q.where('related_id', '=', f.relatedId);
    return q.execute();
  }

  /** Mails about any of these (type, ids), with what a redaction needs. */
  async function relatedTo(tx: Tx, type: string, ids: string[]) {
    const rows: Pick<MailOutboxTable, 'id' | 'status'>[] = [];
    for (let i = 0; i < ids.length; i += 500)
      rows.push(
        ...(await tx
          .selectFrom('mail_outbox')
          .select(['id', 'status'])
          .where('related_type', '=', type)
          .where('related_id', 'in', ids.slice(i, i + 500))
          .execute()),
      );
    return rows;
  }

  return { insert, get, mark, list, relatedTo };
}
