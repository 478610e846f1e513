/**
 * Queries built and compiled once, then run with new values (Kysely's "split building, compiling
 * and executing" recipe). For statements on the capture hot path, where building and compiling a
 * query costs about as much as SQLite takes to run it. Kysely stays the only way SQL is written.
 */
import type { Compilable, CompiledQuery, Insertable, QueryResult } from 'kysely';
import type { Tx } from './db.ts';
import type { DB } from './schema.ts';

/** Stands for the i-th value while the query is compiled. */
const placeholder = (i: number) => `\u0000prepared:${i}\u0000`;

type Slot = { value: number } | { constant: unknown };

/**
 * `build(tx, ...values)` builds the query from placeholders standing for the values. The compiled
 * statement is kept per dialect; each run maps its parameters back to the values given, so a value
 * may appear anywhere (and more than once), next to constants written in the builder.
 */
export function prepared<V extends unknown[], R>(
  arity: V['length'],
  build: (tx: Tx, ...values: V) => Compilable<R>,
): (tx: Tx, ...values: V) => Promise<QueryResult<R>> {
  const byAdapter = new Map<unknown, { compiled: CompiledQuery<R>; slots: Slot[] }>();
  return async (tx, ...values) => {
    const key = tx.getExecutor().adapter.constructor;
    let entry = byAdapter.get(key);
    if (!entry) {
      const holders = Array.from({ length: arity }, (_, i) => placeholder(i)) as V;
      const compiled = build(tx, ...holders).compile();
      const slots = compiled.parameters.map((p): Slot => {
        const i = typeof p === 'string' ? holders.indexOf(p) : -1;
        return i >= 0 ? { value: i } : { constant: p };
      });
      entry = { compiled, slots };
      byAdapter.set(key, entry);
    }
    const parameters = entry.slots.map((s) => ('value' in s ? values[s.value] : s.constant));
    return tx.executeQuery<R>({ ...entry.compiled, parameters });
  };
}

/**
 * An insert of one row into `table`, compiled once: every column listed is written (a missing value
 * as null), so list every column the table's rows carry.
 */
export function preparedInsert<T extends keyof DB & string>(
  table: T,
  columns: readonly (keyof DB[T] & string)[],
): (tx: Tx, row: Insertable<DB[T]>) => Promise<QueryResult<unknown>> {
  const insert = prepared(columns.length, (tx, ...values: unknown[]) =>
    tx.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, values[i]])) as never),
  );
  return (tx, row) => insert(tx, ...columns.map((c) => (row as Record<string, unknown>)[c] ?? null));
}
