/**
 * Compiles a (validated) filter to a where-clause on `leads`, for SQLite and PostgreSQL. Column
 * names come from the catalog; every value is a bound parameter. Behaviour conditions become
 * `leads.id [not] in (select lead_id from touchpoints … group by lead_id having count(*) …)`,
 * which the (type, occurred_at) index serves; the meaning of each operator is in semantics.ts.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Filter, FilterOp, FilterValue, PropertyCondition } from '../../../contracts/filters.ts';
import type { Dialect } from '../../platform/db/db.ts';
import type { Catalog, FieldSpec } from './catalog.ts';
import { ceilDay, countHolds, dayMs, floorDay, fold, globToLike } from './semantics.ts';
import { parseDate, positiveOf } from './validate.ts';

type Expr = RawBuilder<unknown>;
type Bool = RawBuilder<SqlBool>;
type Value = FilterValue | FilterValue[] | undefined;

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/** A JSON value at a path of a JSON column, guarded by its JSON type (null when of another type). */
type JsonAccess = {
  text: Expr;
  number: Expr;
  /** 1 for true, 0 for false, null otherwise. */
  boolean: Expr;
  isArray: Bool;
  isPresent: Bool;
  /** Whether a string element of the array equals (folded) one of `values`. */
  arrayHas(values: string[]): Bool;
  arrayLength: Expr;
};

export function createCompiler(dialect: Dialect, catalog: Catalog) {
  const pg = dialect === 'postgres';

  const foldSql = (x: Expr): Expr =>
    pg ? sql`translate(${x}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')` : sql`lower(${x})`;
  const num = (v: unknown): Expr => (pg ? sql`cast(${v} as double precision)` : sql`${v}`);
  const list = (values: Expr[]): Expr => sql`(${sql.join(values)})`;

  function json(column: Expr, segs: string[]): JsonAccess {
    if (pg) {
      const path = `{${segs.join(',')}}`;
      const at = sql`(${column} #> ${path}::text[])`;
      const atText = sql`(${column} #>> ${path}::text[])`;
      const type = sql`jsonb_typeof(${at})`;
      return {
        text: sql`(case when ${type} = 'string' then ${atText} end)`,
        number: sql`(case when ${type} = 'number' then cast(${atText} as double precision) end)`,
        boolean: sql`(case when ${type} = 'boolean' then (case when ${atText} = 'true' then 1 else 0 end) end)`,
        isArray: sql<SqlBool>`coalesce(${type} = 'array', false)`,
        isPresent: sql<SqlBool>`coalesce(${type} <> 'null', false)`,
        arrayHas: (values) =>
          sql<SqlBool>`exists (select 1 from jsonb_array_elements(case when ${type} = 'array' then ${at} else '[]'::jsonb end) as je(v) where jsonb_typeof(je.v) = 'string' and ${foldSql(sql`(je.v #>> '{}')`)} in ${list(values.map((v) => sql`${v}`))})`,
        arrayLength: sql`(case when ${type} = 'array' then jsonb_array_length(${at}) end)`,
      };
    }
    const path = `$${segs.map((s) => `."${s}"`).join('')}`;
    const type = sql`json_type(${column}, ${path})`;
    return {
      text: sql`(case when ${type} = 'text' then json_extract(${column}, ${path}) end)`,
      number: sql`(case when ${type} in ('integer', 'real') then json_extract(${column}, ${path}) end)`,
      boolean: sql`(case ${type} when 'true' then 1 when 'false' then 0 end)`,
      isArray: sql<SqlBool>`coalesce(${type} = 'array', 0)`,
      isPresent: sql<SqlBool>`coalesce(${type} <> 'null', 0)`,
      arrayHas: (values) =>
        sql<SqlBool>`(${type} = 'array' and exists (select 1 from json_each(${column}, ${path}) as je where je.type = 'text' and lower(je.value) in ${list(values.map((v) => sql`${v}`))}))`,
      arrayLength: sql`(case when ${type} = 'array' then json_array_length(${column}, ${path}) end)`,
    };
  }

  /** Positive text operators on a text expression (null when unset). */
  function textOp(x: Expr, op: FilterOp, value: Value): Bool {
    const fx = foldSql(x);
    const guard = (cond: Expr) => sql<SqlBool>`(${x} is not null and ${cond})`;
    switch (op) {
      case 'eq':
        return guard(sql`${fx} = ${fold(String(value))}`);
      case 'in':
        return guard(sql`${fx} in ${list((value as FilterValue[]).map((v) => sql`${fold(String(v))}`))}`);
      case 'contains':
        return guard(
          pg ? sql`strpos(${fx}, ${fold(String(value))}) > 0` : sql`instr(${fx}, ${fold(String(value))}) > 0`,
        );
      case 'startsWith': {
        const v = fold(String(value));
        return guard(sql`substr(${fx}, 1, ${[...v].length}) = ${v}`);
      }
      case 'matches':
        return guard(sql`${fx} like ${globToLike(String(value))} escape '\\'`);
      case 'isSet':
        return guard(sql`${x} <> ''`);
      default:
        return FALSE;
    }
  }

  function numberOp(x: Expr, op: FilterOp, value: Value): Bool {
    const guard = (cond: Expr) => sql<SqlBool>`(${x} is not null and ${cond})`;
    switch (op) {
      case 'eq':
        return guard(sql`${x} = ${num(value)}`);
      case 'in':
        return guard(sql`${x} in ${list((value as number[]).map(num))}`);
      case 'gt':
        return guard(sql`${x} > ${num(value)}`);
      case 'gte':
        return guard(sql`${x} >= ${num(value)}`);
      case 'lt':
        return guard(sql`${x} < ${num(value)}`);
      case 'lte':
        return guard(sql`${x} <= ${num(value)}`);
      case 'between': {
        const [lo, hi] = value as [number, number];
        return guard(sql`${x} >= ${num(lo)} and ${x} <= ${num(hi)}`);
      }
      case 'isSet':
        return sql<SqlBool>`(${x} is not null)`;
      default:
        return FALSE;
    }
  }

  /** Dates held as epoch ms. */
  function msOp(x: Expr, op: FilterOp, value: Value, now: number): Bool {
    const guard = (cond: Expr) => sql<SqlBool>`(${x} is not null and ${cond})`;
    switch (op) {
      case 'before':
        return guard(sql`${x} < ${parseDate(value)}`);
      case 'after':
        return guard(sql`${x} > ${parseDate(value)}`);
      case 'between': {
        const [lo, hi] = value as [string, string];
        return guard(sql`${x} >= ${parseDate(lo)} and ${x} <= ${parseDate(hi)}`);
      }
      case 'withinLastDays':
        return guard(sql`${x} >= ${now - (value as number) * dayMs}`);
      case 'isSet':
        return sql<SqlBool>`(${x} is not null)`;
      default:
        return FALSE;
    }
  }

  /** Dates held as YYYY-MM-DD text (midnight UTC): compared as text against day thresholds. */
  function dayOp(x: Expr, op: FilterOp, value: Value, now: number): Bool {
    const guard = (cond: Expr) => sql<SqlBool>`(${x} is not null and ${cond})`;
    switch (op) {
      case 'before':
        return guard(sql`${x} < ${ceilDay(parseDate(value))}`);
      case 'after':
        return guard(sql`${x} > ${floorDay(parseDate(value))}`);
      case 'between': {
        const [lo, hi] = value as [string, string];
        return guard(sql`${x} >= ${ceilDay(parseDate(lo))} and ${x} <= ${floorDay(parseDate(hi))}`);
      }
      case 'withinLastDays':
        return guard(sql`${x} >= ${ceilDay(now - (value as number) * dayMs)}`);
      case 'isSet':
        return guard(sql`${x} <> ''`);
      default:
        return FALSE;
    }
  }

  /** The positive form of a field condition (its negation is applied by the caller). */
  function specOp(spec: FieldSpec, op: FilterOp, value: Value, now: number, table: string): Bool {
    const s = spec.source;
    if (s.type === 'custom') {
      const j = json(sql.ref('leads.custom_fields'), [s.key]);
      switch (spec.kind) {
        case 'text':
        case 'enum':
          return textOp(j.text, op, value);
        case 'number':
          return numberOp(j.number, op, value);
        case 'date':
          return dayOp(j.text, op, value, now);
        case 'boolean':
          return op === 'isSet'
            ? sql<SqlBool>`(${j.boolean} is not null)`
            : sql<SqlBool>`(${j.boolean} is not null and ${j.boolean} = ${value ? 1 : 0})`;
        case 'list':
          if (op === 'isSet') return sql<SqlBool>`(${j.arrayLength} is not null and ${j.arrayLength} > 0)`;
          return j.arrayHas(
            (op === 'contains' ? [value as FilterValue] : (value as FilterValue[])).map((v) =>
              fold(String(v)),
            ),
          );
      }
    }
    const x = sql.ref(`${table}.${s.column}`) as Expr;
    switch (spec.kind) {
      case 'text':
      case 'enum':
        return textOp(x, op, value);
      case 'number':
        return numberOp(x, op, value);
      case 'date':
        return msOp(x, op, value, now);
      default:
        return FALSE;
    }
  }

  function property(c: PropertyCondition): Bool {
    const { op, negate } = positiveOf(c.op);
    const j = json(sql.ref('t.properties'), c.path.split('.'));
    let r: Bool;
    if (op === 'isSet') r = j.isPresent;
    else {
      const sample = Array.isArray(c.value) ? c.value[0] : c.value;
      const numeric =
        ['gt', 'gte', 'lt', 'lte', 'between'].includes(op) ||
        (!['contains', 'startsWith', 'matches'].includes(op) && typeof sample === 'number');
      if (numeric) r = numberOp(j.number, op, c.value);
      else if (typeof sample === 'boolean' && !['contains', 'startsWith', 'matches'].includes(op)) {
        const vals = (Array.isArray(c.value) ? c.value : [c.value]).map((v) => sql`${v ? 1 : 0}`);
        r = sql<SqlBool>`(${j.boolean} is not null and ${j.boolean} in ${list(vals)})`;
      } else r = textOp(j.text, op, c.value);
    }
    return negate ? sql<SqlBool>`not ${r}` : r;
  }

  function behavior(b: Extract<Filter, { behavior: unknown }>['behavior'], now: number): Bool {
    const where: Bool[] = [sql<SqlBool>`t.type = ${b.type}`];
    if (b.withinDays !== undefined) where.push(sql<SqlBool>`t.occurred_at >= ${now - b.withinDays * dayMs}`);
    for (const w of b.where ?? []) where.push(property(w));
    const cond = sql.join(where, sql` and `);
    if (!b.count || (b.count.op === 'gte' && b.count.value <= 1)) {
      if (b.count && b.count.value === 0) return TRUE;
      return sql<SqlBool>`leads.id in (select t.lead_id from touchpoints as t where ${cond})`;
    }
    const n = b.count.value;
    const cmp = b.count.op === 'gte' ? sql`>=` : b.count.op === 'lte' ? sql`<=` : sql`=`;
    // A condition that holds for leads with no such touchpoint at all ("at most 2", "exactly 0")
    // is the complement of the leads whose count breaks it.
    if (countHolds(b.count, 0))
      return sql<SqlBool>`leads.id not in (select t.lead_id from touchpoints as t where ${cond} group by t.lead_id having not (count(*) ${cmp} ${n}))`;
    return sql<SqlBool>`leads.id in (select t.lead_id from touchpoints as t where ${cond} group by t.lead_id having count(*) ${cmp} ${n})`;
  }

  /** The where-clause of a filter over `leads`, at `now` (epoch ms, for the time windows). */
  function compile(filter: Filter, now: number): Bool {
    const walk = (f: Filter): Bool => {
      if ('all' in f)
        return f.all.length === 0 ? TRUE : sql<SqlBool>`(${sql.join(f.all.map(walk), sql` and `)})`;
      if ('any' in f)
        return f.any.length === 0 ? FALSE : sql<SqlBool>`(${sql.join(f.any.map(walk), sql` or `)})`;
      if ('not' in f) return sql<SqlBool>`(not ${walk(f.not)})`;
      if ('behavior' in f) return behavior(f.behavior, now);
      if ('company' in f) {
        const spec = catalog.company.get(f.company.field);
        if (!spec) throw new Error(`unknown company field ${f.company.field}`);
        const { op, negate } = positiveOf(f.company.op);
        const inner = specOp(spec, op, f.company.value, now, 'fc');
        const r = sql<SqlBool>`exists (select 1 from companies as fc where fc.id = leads.company_id and ${inner})`;
        return negate ? sql<SqlBool>`(not ${r})` : r;
      }
      const spec = catalog.lead.get(f.field);
      if (!spec) throw new Error(`unknown field ${f.field}`);
      const { op, negate } = positiveOf(f.op);
      const r = specOp(spec, op, f.value, now, 'leads');
      return negate ? sql<SqlBool>`(not ${r})` : r;
    };
    return walk(filter);
  }

  return { compile };
}
