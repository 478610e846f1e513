/**
 * Compiles a (validated) filter to a where-clause on `leads`, for SQLite and PostgreSQL. Column
 * names come from the catalog; every value is a bound parameter. Behaviour conditions become
 * `leads.id [not] in (select lead_id from touchpoints … group by lead_id having count(*) …)`,
 * which the (type, occurred_at, lead_id, fact) index serves (on SQLite without reading the
 * touchpoints when their conditions are on the indexed fact); the meaning of each operator is in
 * semantics.ts.
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

/**
 * A value to compare: `x`, meaningful only where `guard` holds (a JSON value of the right type).
 * Conditions on it compile to `coalesce(case when guard then cond end, false)`: false when the
 * value is missing or of another type, and `x` is read once.
 */
type Typed = { x: Expr; guard?: Bool };

/** A JSON value at a path of a JSON column. */
type JsonAccess = {
  text: Typed;
  number: Typed;
  /** 1 for true, 0 for false. */
  boolean: Typed;
  isPresent: Bool;
  /** Whether a string element of the array equals (folded) one of `values`. */
  arrayHas(values: string[]): Bool;
  arrayLength: Typed;
};

/**
 * Per touchpoint type, the property whose text SQLite keeps in the touchpoints index (migration
 * 2026-12-06T1410_segment_counts), and that expression written exactly as the index writes it: a
 * condition on it is answered from the index, without reading the touchpoint's JSON. It is the
 * property's value when that is a JSON string, else null, so a text condition on it means what the
 * same condition on the JSON value means (false unless the value is text).
 */
const factPaths: Readonly<Record<string, string>> = {
  page_viewed: 'page.path',
  form_submitted: 'form.slug',
  event: 'name',
};
const touchpointFact = sql`(case t.type when 'page_viewed' then case when json_type(t.properties, '$."page"."path"') = 'text' then json_extract(t.properties, '$."page"."path"') end when 'form_submitted' then case when json_type(t.properties, '$."form"."slug"') = 'text' then json_extract(t.properties, '$."form"."slug"') end when 'event' then case when json_type(t.properties, '$."name"') = 'text' then json_extract(t.properties, '$."name"') end end)`;

/** Text that JSON writes as it is (printable ASCII but " and \): safe to look for in raw JSON. */
const plainJsonText = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;

export function createCompiler(dialect: Dialect, catalog: Catalog) {
  const pg = dialect === 'postgres';
  const falsy = pg ? sql`false` : sql`0`;

  const foldSql = (x: Expr): Expr =>
    pg ? sql`translate(${x}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')` : sql`lower(${x})`;
  const num = (v: unknown): Expr => (pg ? sql`cast(${v} as double precision)` : sql`${v}`);
  const list = (values: Expr[]): Expr => sql`(${sql.join(values)})`;
  const when = (t: Typed, cond: Expr): Bool =>
    t.guard
      ? sql<SqlBool>`coalesce(case when ${t.guard} then ${cond} end, ${falsy})`
      : sql<SqlBool>`coalesce(${cond}, ${falsy})`;

  function json(column: Expr, segs: string[]): JsonAccess {
    if (pg) {
      const path = `{${segs.join(',')}}`;
      const at = sql`(${column} #> ${path}::text[])`;
      const atText = sql`(${column} #>> ${path}::text[])`;
      const type = sql`jsonb_typeof(${at})`;
      return {
        text: { guard: sql<SqlBool>`${type} = 'string'`, x: atText },
        number: { guard: sql<SqlBool>`${type} = 'number'`, x: sql`cast(${atText} as double precision)` },
        boolean: {
          guard: sql<SqlBool>`${type} = 'boolean'`,
          x: sql`(case when ${atText} = 'true' then 1 else 0 end)`,
        },
        isPresent: sql<SqlBool>`coalesce(${type} <> 'null', false)`,
        arrayHas: (values) =>
          sql<SqlBool>`exists (select 1 from jsonb_array_elements(case when ${type} = 'array' then ${at} else '[]'::jsonb end) as je(v) where jsonb_typeof(je.v) = 'string' and ${foldSql(sql`(je.v #>> '{}')`)} in ${list(values.map((v) => sql`${v}`))})`,
        arrayLength: { guard: sql<SqlBool>`${type} = 'array'`, x: sql`jsonb_array_length(${at})` },
      };
    }
    const path = `$${segs.map((s) => `."${s}"`).join('')}`;
    const type = sql`json_type(${column}, ${path})`;
    const value = sql`json_extract(${column}, ${path})`;
    return {
      text: { guard: sql<SqlBool>`${type} = 'text'`, x: value },
      number: { guard: sql<SqlBool>`${type} in ('integer', 'real')`, x: value },
      boolean: { guard: sql<SqlBool>`${type} in ('true', 'false')`, x: value },
      isPresent: sql<SqlBool>`coalesce(${type} <> 'null', 0)`,
      arrayHas: (values) =>
        sql<SqlBool>`coalesce(${type} = 'array' and exists (select 1 from json_each(${column}, ${path}) as je where je.type = 'text' and lower(je.value) in ${list(values.map((v) => sql`${v}`))}), 0)`,
      arrayLength: { guard: sql<SqlBool>`${type} = 'array'`, x: sql`json_array_length(${column}, ${path})` },
    };
  }

  /**
   * SQLite only: a cheap test on the raw JSON text that every match passes (it holds the value's
   * text), so most rows skip parsing. Null when no such test applies.
   */
  function rawPrefilter(column: Expr, op: FilterOp, value: Value): Bool | null {
    if (pg) return null;
    let needles: string[];
    if (op === 'eq' || op === 'contains' || op === 'startsWith') needles = [fold(String(value))];
    else if (op === 'in') needles = (value as FilterValue[]).map((v) => fold(String(v)));
    else if (op === 'matches') {
      const parts = fold(String(value)).split(/[*?]/).filter(Boolean);
      if (parts.length === 0) return null;
      needles = [parts.reduce((a, b) => (b.length > a.length ? b : a))];
    } else return null;
    if (!needles.every((n) => plainJsonText.test(n))) return null;
    return sql<SqlBool>`(${sql.join(
      // LIKE ignores ASCII case without copying the text as lower() would.
      needles.map((n) => sql`${column} like ${`%${likeLiteral(n)}%`} escape '\\'`),
      sql` or `,
    )})`;
  }

  /** Escapes LIKE's wildcards (and the escape character) in literal text. */
  const likeLiteral = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

  /**
   * Positive text operators. SQLite compares with NOCASE and LIKE, which ignore the case of ASCII
   * letters exactly as fold() does, without copying each value as lower() would.
   */
  function textOp(t: Typed, op: FilterOp, value: Value): Bool {
    if (!pg) {
      const x = t.x;
      switch (op) {
        case 'eq':
          return when(t, sql`${x} = ${fold(String(value))} collate nocase`);
        case 'in':
          return when(
            t,
            sql`${x} collate nocase in ${list((value as FilterValue[]).map((v) => sql`${fold(String(v))}`))}`,
          );
        case 'contains':
          return when(t, sql`${x} like ${`%${likeLiteral(fold(String(value)))}%`} escape '\\'`);
        case 'startsWith':
          return when(t, sql`${x} like ${`${likeLiteral(fold(String(value)))}%`} escape '\\'`);
        case 'matches':
          return when(t, sql`${x} like ${globToLike(String(value))} escape '\\'`);
        case 'isSet':
          return when(t, sql`${x} <> ''`);
        default:
          return FALSE;
      }
    }
    const fx = foldSql(t.x);
    switch (op) {
      case 'eq':
        return when(t, sql`${fx} = ${fold(String(value))}`);
      case 'in':
        return when(t, sql`${fx} in ${list((value as FilterValue[]).map((v) => sql`${fold(String(v))}`))}`);
      case 'contains':
        return when(t, sql`strpos(${fx}, ${fold(String(value))}) > 0`);
      case 'startsWith': {
        const v = fold(String(value));
        return when(t, sql`substr(${fx}, 1, ${[...v].length}) = ${v}`);
      }
      case 'matches':
        return when(t, sql`${fx} like ${globToLike(String(value))} escape '\\'`);
      case 'isSet':
        return when(t, sql`${t.x} <> ''`);
      default:
        return FALSE;
    }
  }

  function numberOp(t: Typed, op: FilterOp, value: Value): Bool {
    const x = t.x;
    switch (op) {
      case 'eq':
        return when(t, sql`${x} = ${num(value)}`);
      case 'in':
        return when(t, sql`${x} in ${list((value as number[]).map(num))}`);
      case 'gt':
        return when(t, sql`${x} > ${num(value)}`);
      case 'gte':
        return when(t, sql`${x} >= ${num(value)}`);
      case 'lt':
        return when(t, sql`${x} < ${num(value)}`);
      case 'lte':
        return when(t, sql`${x} <= ${num(value)}`);
      case 'between': {
        const [lo, hi] = value as [number, number];
        return when(t, sql`${x} between ${num(lo)} and ${num(hi)}`);
      }
      case 'isSet':
        return when(t, sql`${x} is not null`);
      default:
        return FALSE;
    }
  }

  /** Dates held as epoch ms. */
  function msOp(t: Typed, op: FilterOp, value: Value, now: number): Bool {
    const x = t.x;
    switch (op) {
      case 'before':
        return when(t, sql`${x} < ${parseDate(value)}`);
      case 'after':
        return when(t, sql`${x} > ${parseDate(value)}`);
      case 'between': {
        const [lo, hi] = value as [string, string];
        return when(t, sql`${x} between ${parseDate(lo)} and ${parseDate(hi)}`);
      }
      case 'withinLastDays':
        return when(t, sql`${x} >= ${now - (value as number) * dayMs}`);
      case 'isSet':
        return when(t, sql`${x} is not null`);
      default:
        return FALSE;
    }
  }

  /** Dates held as YYYY-MM-DD text (midnight UTC): compared as text against day thresholds. */
  function dayOp(t: Typed, op: FilterOp, value: Value, now: number): Bool {
    const x = t.x;
    switch (op) {
      case 'before':
        return when(t, sql`${x} < ${ceilDay(parseDate(value))}`);
      case 'after':
        return when(t, sql`${x} > ${floorDay(parseDate(value))}`);
      case 'between': {
        const [lo, hi] = value as [string, string];
        return when(t, sql`${x} between ${ceilDay(parseDate(lo))} and ${floorDay(parseDate(hi))}`);
      }
      case 'withinLastDays':
        return when(t, sql`${x} >= ${ceilDay(now - (value as number) * dayMs)}`);
      case 'isSet':
        return when(t, sql`${x} <> ''`);
      default:
        return FALSE;
    }
  }

  /** The positive form of a field condition (its negation is applied by the caller). */
  function specOp(spec: FieldSpec, op: FilterOp, value: Value, now: number, table: string): Bool {
    const s = spec.source;
    if (s.type === 'custom') {
      const column = sql.ref('leads.custom_fields') as Expr;
      const j = json(column, [s.key]);
      switch (spec.kind) {
        case 'text':
        case 'enum': {
          const r = textOp(j.text, op, value);
          const pre = rawPrefilter(column, op, value);
          return pre ? sql<SqlBool>`(${pre} and ${r})` : r;
        }
        case 'number':
          return numberOp(j.number, op, value);
        case 'date':
          return dayOp(j.text, op, value, now);
        case 'boolean':
          return when(j.boolean, op === 'isSet' ? sql`1 = 1` : sql`${j.boolean.x} = ${value ? 1 : 0}`);
        case 'list':
          if (op === 'isSet') return when(j.arrayLength, sql`${j.arrayLength.x} > 0`);
          return j.arrayHas(
            (op === 'contains' ? [value as FilterValue] : (value as FilterValue[])).map((v) =>
              fold(String(v)),
            ),
          );
      }
    }
    const x: Typed = { x: sql.ref(`${table}.${s.column}`) as Expr };
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

  function property(c: PropertyCondition, type: string): Bool {
    const { op, negate } = positiveOf(c.op);
    const column = sql.ref('t.properties') as Expr;
    const j = json(column, c.path.split('.'));
    let r: Bool;
    if (op === 'isSet') r = j.isPresent;
    else {
      const sample = Array.isArray(c.value) ? c.value[0] : c.value;
      const textual = ['contains', 'startsWith', 'matches'].includes(op);
      const numeric =
        ['gt', 'gte', 'lt', 'lte', 'between'].includes(op) || (!textual && typeof sample === 'number');
      if (numeric) r = numberOp(j.number, op, c.value);
      else if (!pg && factPaths[type] === c.path && (textual || typeof sample === 'string'))
        r = textOp({ x: touchpointFact }, op, c.value);
      else if (typeof sample === 'boolean' && !textual) {
        const vals = (Array.isArray(c.value) ? c.value : [c.value]).map((v) => sql`${v ? 1 : 0}`);
        r = when(j.boolean, sql`${j.boolean.x} in ${list(vals)}`);
      } else {
        r = textOp(j.text, op, c.value);
        const pre = negate ? null : rawPrefilter(column, op, c.value);
        if (pre) r = sql<SqlBool>`(${pre} and ${r})`;
      }
    }
    return negate ? sql<SqlBool>`(not ${r})` : r;
  }

  function behavior(b: Extract<Filter, { behavior: unknown }>['behavior'], now: number): Bool {
    const where: Bool[] = [sql<SqlBool>`t.type = ${b.type}`];
    if (b.withinDays !== undefined) where.push(sql<SqlBool>`t.occurred_at >= ${now - b.withinDays * dayMs}`);
    for (const w of b.where ?? []) where.push(property(w, b.type));
    const cond = sql.join(where, sql` and `);
    if (!b.count || (b.count.op === 'gte' && b.count.value <= 1)) {
      if (b.count && b.count.value === 0) return TRUE;
      return sql<SqlBool>`leads.id in (select t.lead_id from touchpoints as t where ${cond})`;
    }
    const n = b.count.value;
    // SQLite would otherwise walk the (lead_id, occurred_at) index for the grouping's order,
    // reading every touchpoint; `+` makes it take the (type, occurred_at) range instead.
    const group = pg ? sql`t.lead_id` : sql`+t.lead_id`;
    const cmp = b.count.op === 'gte' ? sql`>=` : b.count.op === 'lte' ? sql`<=` : sql`=`;
    // A condition that holds for leads with no such touchpoint at all ("at most 2", "exactly 0")
    // is the complement of the leads whose count breaks it.
    if (countHolds(b.count, 0))
      return sql<SqlBool>`leads.id not in (select t.lead_id from touchpoints as t where ${cond} group by ${group} having not (count(*) ${cmp} ${n}))`;
    return sql<SqlBool>`leads.id in (select t.lead_id from touchpoints as t where ${cond} group by ${group} having count(*) ${cmp} ${n})`;
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
