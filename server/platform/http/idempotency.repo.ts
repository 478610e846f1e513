import type { Tx } from '../db/db.ts';

export function createIdempotencyRepo() {
  /** Claims a key; false when it is already taken. */
  async function claim(
    tx: Tx,
    row: { scope: string; key: string; fingerprint: string; now: number; ttlMs: number },
  ) {
    const inserted = await tx
      .insertInto('idempotency_keys')
      .values({
        scope: row.scope,
        key: row.key,
        fingerprint: row.fingerprint,
        status: 'pending',
        response_status: null,
        response_body: null,
        created_at: row.now,
        expires_at: row.now + row.ttlMs,
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async function find(tx: Tx, scope: string, key: string) {
    return tx
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  async function complete(tx: Tx, scope: string, key: string, status: number, body: string) {
    await tx
      .updateTable('idempotency_keys')
      .set({ status: 'done', response_status: status, response_body: body })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }

  async function release(tx: Tx, scope: string, key: string) {
    await tx.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
  }

  async function purgeExpired(tx: Tx, now: number): Promise<number> {
    const r = await tx.deleteFrom('idempotency_keys').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  return { claim, find, complete, release, purgeExpired };
}
