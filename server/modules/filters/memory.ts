/** Evaluates a (validated) filter for one lead in memory: its row, its company and its touchpoints. */
import type { Filter, FilterOp, FilterValue, PropertyCondition } from '../../../contracts/filters.ts';
import { fromJson } from '../../platform/db/schema.ts';
import type { Catalog, FieldSpec } from './catalog.ts';
import { countHolds, dayMs, dayToMs, fold, globToRegExp } from './semantics.ts';
import { parseDate, positiveOf } from './validate.ts';

export type LeadContext = {
  /** The lead row as stored (custom_fields may be a JSON string or an object). */
  lead: Record<string, unknown>;
  company: Record<string, unknown> | null;
  /** Its touchpoints (only the types the filter looks at are needed). */
  touchpoints: readonly { type: string; occurred_at: number; properties: unknown }[];
};

type Value = FilterValue | FilterValue[] | undefined;
type Kind = 'text' | 'number' | 'boolean' | 'date' | 'list';

function textOp(x: unknown, op: FilterOp, value: Value): boolean {
  if (typeof x !== 'string') return false;
  const fx = fold(x);
  switch (op) {
    case 'eq':
      return fx === fold(String(value));
    case 'in':
      return (value as FilterValue[]).some((v) => fold(String(v)) === fx);
    case 'contains':
      return fx.includes(fold(String(value)));
    case 'startsWith':
      return fx.startsWith(fold(String(value)));
    case 'matches':
      return globToRegExp(String(value)).test(fx);
    case 'isSet':
      return x !== '';
    default:
      return false;
  }
}

function numberOp(x: unknown, op: FilterOp, value: Value): boolean {
  if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  const v = value as number;
  switch (op) {
    case 'eq':
      return x === v;
    case 'in':
      return (value as number[]).includes(x);
    case 'gt':
      return x > v;
    case 'gte':
      return x >= v;
    case 'lt':
      return x < v;
    case 'lte':
      return x <= v;
    case 'between': {
      const [lo, hi] = value as [number, number];
      return x >= lo && x <= hi;
    }
    case 'isSet':
      return true;
    default:
      return false;
  }
}

function dateOp(t: number | null, op: FilterOp, value: Value, now: number): boolean {
  if (t === null || !Number.isFinite(t)) return false;
  switch (op) {
    case 'before':
      return t < parseDate(value);
    case 'after':
      return t > parseDate(value);
    case 'between': {
      const [lo, hi] = value as [string, string];
      return t >= parseDate(lo) && t <= parseDate(hi);
    }
    case 'withinLastDays':
      return t >= now - (value as number) * dayMs;
    case 'isSet':
      return true;
    default:
      return false;
  }
}

function listOp(x: unknown, op: FilterOp, value: Value): boolean {
  if (!Array.isArray(x)) return false;
  if (op === 'isSet') return x.length > 0;
  const items = x.filter((e): e is string => typeof e === 'string').map(fold);
  const wanted = (op === 'contains' ? [value] : (value as FilterValue[])).map((v) => fold(String(v)));
  return items.some((e) => wanted.includes(e));
}

function fieldValue(spec: FieldSpec, ctx: LeadContext, custom: () => Record<string, unknown>): unknown {
  const s = spec.source;
  if (s.type === 'column') return ctx.lead[s.column] ?? null;
  if (s.type === 'company') return ctx.company ? (ctx.company[s.column] ?? null) : null;
  const cf = custom();
  return Object.hasOwn(cf, s.key) ? cf[s.key] : null;
}

function specCondition(
  spec: FieldSpec,
  op0: FilterOp,
  value: Value,
  ctx: LeadContext,
  custom: () => Record<string, unknown>,
  now: number,
): boolean {
  const { op, negate } = positiveOf(op0);
  const x = fieldValue(spec, ctx, custom);
  let r: boolean;
  switch (spec.kind) {
    case 'text':
    case 'enum':
      r = textOp(x, op, value);
      break;
    case 'number':
      r = numberOp(typeof x === 'string' && spec.source.type !== 'custom' ? Number(x) : x, op, value);
      break;
    case 'boolean':
      r = typeof x === 'boolean' && (op === 'isSet' || x === value);
      break;
    case 'date': {
      let t: number | null = null;
      if (spec.source.type === 'custom') {
        if (typeof x === 'string') t = op === 'isSet' ? (x === '' ? null : 0) : dayToMs(x);
      } else if (typeof x === 'number') t = x;
      else if (typeof x === 'string' && x !== '') t = Number(x);
      r = dateOp(t, op, value, now);
      break;
    }
    case 'list':
      r = listOp(x, op, value);
      break;
  }
  return negate ? !r : r;
}

/** The value at a dotted path of a touchpoint's properties (own keys of plain objects only). */
export function propertyAt(props: unknown, path: string): unknown {
  let cur: unknown = props;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, seg))
      return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function kindOfProperty(c: PropertyCondition): Kind {
  if (['gt', 'gte', 'lt', 'lte', 'between'].includes(c.op)) return 'number';
  if (['contains', 'startsWith', 'matches'].includes(c.op)) return 'text';
  const sample = Array.isArray(c.value) ? c.value[0] : c.value;
  return typeof sample === 'number' ? 'number' : typeof sample === 'boolean' ? 'boolean' : 'text';
}

export function propertyHolds(c: PropertyCondition, props: unknown): boolean {
  const { op, negate } = positiveOf(c.op);
  const x = propertyAt(props, c.path);
  let r: boolean;
  if (op === 'isSet') r = x !== undefined && x !== null;
  else {
    const kind = kindOfProperty(c);
    if (kind === 'number') r = numberOp(x, op, c.value);
    else if (kind === 'boolean')
      r = typeof x === 'boolean' && (op === 'in' ? (c.value as FilterValue[]).includes(x) : x === c.value);
    else r = textOp(x, op, c.value);
  }
  return negate ? !r : r;
}

/** Whether the lead matches the filter, at `now` (epoch ms). */
export function evaluate(filter: Filter, ctx: LeadContext, catalog: Catalog, now: number): boolean {
  let parsed: Record<string, unknown> | undefined;
  const custom = () => {
    parsed ??= fromJson<Record<string, unknown>>(ctx.lead.custom_fields, {});
    return parsed;
  };
  const walk = (f: Filter): boolean => {
    if ('all' in f) return f.all.every(walk);
    if ('any' in f) return f.any.some(walk);
    if ('not' in f) return !walk(f.not);
    if ('behavior' in f) {
      const b = f.behavior;
      const since = b.withinDays !== undefined ? now - b.withinDays * dayMs : undefined;
      let n = 0;
      for (const tp of ctx.touchpoints) {
        if (tp.type !== b.type) continue;
        if (since !== undefined && Number(tp.occurred_at) < since) continue;
        if (b.where && b.where.length > 0) {
          const props = fromJson<unknown>(tp.properties, {});
          if (!b.where.every((w) => propertyHolds(w, props))) continue;
        }
        n++;
      }
      return countHolds(b.count, n);
    }
    if ('company' in f) {
      const spec = catalog.company.get(f.company.field);
      if (!spec) throw new Error(`unknown company field ${f.company.field}`);
      return specCondition(spec, f.company.op, f.company.value, ctx, custom, now);
    }
    const spec = catalog.lead.get(f.field);
    if (!spec) throw new Error(`unknown field ${f.field}`);
    return specCondition(spec, f.op, f.value, ctx, custom, now);
  };
  return walk(filter);
}
