import { type Insertable, type SqlBool, sql, type Updateable } from 'kysely';
import type { Dialect, Tx } from '../../platform/db/db.ts';
import type { ImportErrorsTable, ImportsTable } from '../../platform/db/schema.ts';

export type ImportRow = ImportsTable;
export type CountsDelta = { created: number; updated: number; unchanged: number; failed: number };

export function createImportsRepo(dialect: Dialect) {
  async function insert(tx: Tx, row: ImportRow): Promise<void> {
    await tx.insertInto('imports').values(row).execute();
  }

  async function get(tx: Tx, id: string): Promise<ImportRow | undefined> {
    return tx.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function list(tx: Tx, o: { limit: number; before?: { at: number; id: string } }) {
    let q = tx
      .selectFrom('imports')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(o.limit);
    if (o.before) q = q.where(sql<SqlBool>`(created_at, id) < (${o.before.at}, ${o.before.id})`);
    return q.execute();
  }

  async function update(tx: Tx, id: string, patch: Updateable<ImportRow>): Promise<void> {
    await tx.updateTable('imports').set(patch).where('id', '=', id).execute();
  }

  /** Changes an import only while it has one of `statuses`; says whether it did. */
  async function transition(
    tx: Tx,
    id: string,
    statuses: string[],
    patch: Updateable<ImportRow>,
  ): Promise<boolean> {
    const r = await tx
      .updateTable('imports')
      .set(patch)
      .where('id', '=', id)
      .where('status', 'in', statuses)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Claims the next batch: succeeds only while the import runs and its checkpoint is still
   * `rowsDone`, so a second processor of the same import (a lease that expired) stops instead of
   * applying rows twice. On PostgreSQL it also locks the import row for the transaction.
   */
  async function claimBatch(tx: Tx, id: string, rowsDone: number): Promise<boolean> {
    const r = await tx
      .updateTable('imports')
      .set({ rows_done: rowsDone })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('rows_done', '=', rowsDone)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async function checkpoint(
    tx: Tx,
    id: string,
    o: { rowsDone: number; bytesDone: number; delta: CountsDelta; errors: number; now: number },
  ): Promise<void> {
    await tx
      .updateTable('imports')
      .set((eb) => ({
        rows_done: o.rowsDone,
        bytes_done: o.bytesDone,
        created: eb('created', '+', o.delta.created),
        updated: eb('updated', '+', o.delta.updated),
        unchanged: eb('unchanged', '+', o.delta.unchanged),
        failed: eb('failed', '+', o.delta.failed),
        error_count: eb('error_count', '+', o.errors),
        updated_at: o.now,
      }))
      .where('id', '=', id)
      .execute();
  }

  async function insertChunk(tx: Tx, importId: string, seq: number, data: Uint8Array): Promise<void> {
    await tx.insertInto('import_chunks').values({ import_id: importId, seq, data }).execute();
  }

  async function chunk(tx: Tx, importId: string, seq: number): Promise<Uint8Array | undefined> {
    const r = await tx
      .selectFrom('import_chunks')
      .select('data')
      .where('import_id', '=', importId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return r?.data;
  }

  async function deleteChunks(tx: Tx, importId: string): Promise<void> {
    await tx.deleteFrom('import_chunks').where('import_id', '=', importId).execute();
  }

  async function deleteImport(tx: Tx, importId: string): Promise<void> {
    await tx.deleteFrom('import_errors').where('import_id', '=', importId).execute();
    await tx.deleteFrom('import_chunks').where('import_id', '=', importId).execute();
    await tx.deleteFrom('imports').where('id', '=', importId).execute();
  }

  /** Uploads that never finished (the process died mid-upload), with their chunks. */
  async function deleteAbandonedUploads(tx: Tx, before: number): Promise<void> {
    const stale = await tx
      .selectFrom('imports')
      .select('id')
      .where('status', '=', 'uploading')
      .where('created_at', '<', before)
      .execute();
    for (const { id } of stale) await deleteImport(tx, id);
  }

  async function insertErrors(tx: Tx, rows: Insertable<ImportErrorsTable>[]): Promise<void> {
    // Power-of-two statement sizes (at most 2,048 rows of 8 columns): a few SQL texts, each prepared
    // once (see the statement cache in platform/db/db.ts).
    for (let i = 0; i < rows.length; ) {
      let size = 2048;
      while (size > rows.length - i) size >>= 1;
      await tx
        .insertInto('import_errors')
        .values(rows.slice(i, i + size))
        .execute();
      i += size;
    }
  }

  async function deleteErrors(tx: Tx, importId: string): Promise<void> {
    await tx.deleteFrom('import_errors').where('import_id', '=', importId).execute();
  }

  /** A page of an import's errors in file order, after `after` (row, seq). */
  async function errors(
    tx: Tx,
    importId: string,
    o: { limit: number; after?: { row: number; seq: number } },
  ) {
    let q = tx
      .selectFrom('import_errors')
      .selectAll()
      .where('import_id', '=', importId)
      .orderBy('row_no')
      .orderBy('seq')
      .limit(o.limit);
    if (o.after) q = q.where(sql<SqlBool>`(row_no, seq) > (${o.after.row}, ${o.after.seq})`);
    return q.execute();
  }

  /**
   * Refreshes the query planner's statistics after a bulk load. Without them SQLite takes
   * `merged_into is null` for a selective index and sorts every lead to serve one page of a list.
   */
  async function analyze(tx: Tx): Promise<void> {
    if (dialect === 'sqlite') {
      // Leads in full (a sampled analysis still takes `merged_into is null` for selective: ~2.5 s
      // for a million leads); the other tables sampled.
      await sql`pragma analysis_limit = 0`.execute(tx);
      await sql`analyze leads`.execute(tx);
      await sql`pragma analysis_limit = 1000`.execute(tx);
      for (const table of ['lead_identities', 'touchpoints', 'companies'])
        await sql`analyze ${sql.table(table)}`.execute(tx);
      await sql`pragma analysis_limit = 0`.execute(tx);
    } else {
      await sql`analyze leads, lead_identities, touchpoints, companies`.execute(tx);
    }
  }

  /** How many leads the database holds (merged and erased ones included). */
  async function leadCount(tx: Tx): Promise<number> {
    const r = await tx
      .selectFrom('leads')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  return {
    analyze,
    leadCount,
    insert,
    get,
    list,
    update,
    transition,
    claimBatch,
    checkpoint,
    insertChunk,
    chunk,
    deleteChunks,
    deleteImport,
    deleteAbandonedUploads,
    insertErrors,
    deleteErrors,
    errors,
  };
}

export type ImportsRepo = ReturnType<typeof createImportsRepo>;
