/**
 * Queries built and compiled once, then run with new values (Kysely's "split building, compiling
 * and executing" recipe). For statements on the capture hot path, where building and compiling a
 * query costs about as much as SQLite takes to run it. Kysely stays the only way SQL is written.
 */
import type { Compilable, CompiledQuery, Insertable, QueryResult } from 'kysely';
import { runCompiled, type Tx } from './db.ts';
import type { DB } from './schema.ts';

/** Stands for the i-th value (its j-th element, for a list) while the query is compiled. */
const placeholder = (i: number, j?: number) => `\u0000prepared:${i}${j === undefined ? '' : `:${j}`}\u0000`;

type Slot = { value: number; element?: number } | { constant: unknown };

/**
 * The length a list is compiled for: the next power of two, so a few statements serve every
 * length (the driver caches prepared statements per SQL text). The places past the list's end
 * repeat its last element, which changes nothing where a list may stand: an `in (…)` list.
 * Lists longer than `paddedUpTo` are not padded (padding one of 20,000 would pass SQLite's 32,766
 * parameters): the bulk paths' power-of-two chunks are compiled once like the rest, other lengths
 * afresh each time.
 */
export function paddedLength(n: number): number {
  return n <= 1 || n > paddedUpTo ? n : 2 ** Math.ceil(Math.log2(n));
}
const paddedUpTo = 1024;

/**
 * `build(tx, ...values)` builds the query from placeholders standing for the values. The compiled
 * statement is kept per dialect; each run maps its parameters back to the values given, so a value
 * may appear anywhere (and more than once), next to constants written in the builder.
 *
 * A value given as an array stands for an `in (…)` list, and only that: the query is compiled once
 * per dialect and padded list length (see paddedLength). An empty list compiles as the query
 * builder compiles it.
 */
export function prepared<V extends unknown[], R>(
  arity: V['length'],
  build: (tx: Tx, ...values: V) => Compilable<R>,
): (tx: Tx, ...values: V) => Promise<QueryResult<R>> {
  type Entry = { compiled: CompiledQuery<R>; slots: Slot[] };
  const byShape = new Map<unknown, Map<string, Entry>>();
  return async (tx, ...values) => {
    const adapter = tx.getExecutor().adapter.constructor;
    let shapes = byShape.get(adapter);
    if (!shapes) {
      shapes = new Map();
      byShape.set(adapter, shapes);
    }
    let shape = '';
    let keep = true;
    for (let i = 0; i < arity; i++) {
      const v = values[i];
      if (!Array.isArray(v)) continue;
      shape += `${i}:${paddedLength(v.length)},`;
      if (v.length > paddedUpTo && (v.length & (v.length - 1)) !== 0) keep = false;
    }
    let entry = keep ? shapes.get(shape) : undefined;
    if (!entry) {
      const where = new Map<unknown, Slot>();
      const holders = Array.from({ length: arity }, (_, i) => {
        const v = values[i];
        if (!Array.isArray(v)) {
          where.set(placeholder(i), { value: i });
          return placeholder(i);
        }
        return Array.from({ length: paddedLength(v.length) }, (_, j) => {
          where.set(placeholder(i, j), { value: i, element: j });
          return placeholder(i, j);
        });
      }) as V;
      const compiled = build(tx, ...holders).compile();
      const slots = compiled.parameters.map((p): Slot => where.get(p) ?? { constant: p });
      entry = { compiled, slots };
      if (keep) shapes.set(shape, entry);
    }
    const parameters = entry.slots.map((s) => {
      if (!('value' in s)) return s.constant;
      const v = values[s.value];
      if (s.element === undefined) return v;
      const list = v as unknown[];
      return list[Math.min(s.element, list.length - 1)];
    });
    return runCompiled<R>(tx, { ...entry.compiled, parameters });
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
