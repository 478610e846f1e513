/**
 * Multi-row INSERT statements written directly rather than through the query builder, for the bulk
 * paths (the resolver's batches, imports, history rows): building and compiling a 1,000-row ×
 * 20-column insert node by node costs more CPU than the database spends running it.
 */
import { CompiledQuery } from 'kysely';
import { runCompiled, type Tx } from './db.ts';

/**
 * Rows per multi-row statement: under both dialects' parameter limits, and in power-of-two sizes
 * only, so a few distinct SQL texts serve every batch. Prepared statements are cached per text,
 * and a better-sqlite3 statement's native memory goes only when V8 gets round to collecting it:
 * statements of every possible size grew a 1M-row import by megabytes per batch.
 */
export function chunks<T>(rows: T[], columns: number): T[][] {
  const max = 2 ** Math.floor(Math.log2(Math.max(1, Math.floor(30_000 / columns))));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; ) {
    let size = max;
    while (size > rows.length - i) size >>= 1;
    out.push(rows.slice(i, i + size));
    i += size;
  }
  return out;
}

/**
 * The SQL text is cached per table, column list and row count (the power-of-two chunks above keep
 * those few), so the driver's prepared-statement cache finds it again.
 */
const insertTexts = new Map<string, string>();
function insertText(
  postgres: boolean,
  table: string,
  columns: string[],
  rows: number,
  suffix: string,
): string {
  const key = `${postgres ? 'p' : 's'}\u0000${table}\u0000${columns.join(',')}\u0000${rows}\u0000${suffix}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    // Column names come from our own row objects, never from input; refuse anything else anyway.
    for (const c of columns) if (!/^[a-z_][a-z0-9_]*$/.test(c)) throw new Error(`Not a column name: ${c}`);
    const tuples: string[] = [];
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const marks: string[] = [];
      for (let c = 0; c < columns.length; c++) marks.push(postgres ? `$${++n}` : '?');
      tuples.push(`(${marks.join(', ')})`);
    }
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}${suffix}`;
    if (insertTexts.size >= 512) insertTexts.clear();
    insertTexts.set(key, text);
  }
  return text;
}

/** The union of the rows' keys, in first-seen order (rows are plain objects; for-in allocates no key list). */
export function columnsOf(rows: readonly object[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const k in row) seen.add(k);
  return [...seen];
}

/**
 * Inserts rows with one statement per power-of-two chunk. Columns are the union of the rows' keys;
 * a key a row lacks is inserted as null, so tables with defaults need every row to name them.
 * `suffix` follows the values (`on conflict …`, `returning …`); returned rows are concatenated.
 */
export async function insertRows<R extends object>(
  tx: Tx,
  postgres: boolean,
  table: string,
  rows: readonly R[],
  suffix = '',
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const columns = columnsOf(rows);
  const out: Record<string, unknown>[] = [];
  for (const part of chunks(rows as R[], columns.length)) {
    const params: unknown[] = new Array(part.length * columns.length);
    let i = 0;
    for (const row of part) {
      const values = row as Record<string, unknown>;
      for (const c of columns) params[i++] = values[c] ?? null;
    }
    const r = await runCompiled<Record<string, unknown>>(
      tx,
      CompiledQuery.raw(insertText(postgres, table, columns, part.length, suffix), params),
    );
    if (r.rows.length > 0) out.push(...r.rows);
  }
  return out;
}
