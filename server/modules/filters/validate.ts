/**
 * Checks a filter before anything runs it: its shape, the fields it names (against the catalog),
 * each value against its operator and the field's kind, and the size limits. A problem names the
 * path of the bad node (`filter.all[1].value`) and the rule it broke.
 */
import {
  type Filter,
  type FilterOp,
  type FilterValue,
  filterLimits,
  filterOps,
  opsByKind,
  propertyOps,
} from '../../../contracts/filters.ts';
import { AppError, type ErrorDetail } from '../../platform/errors.ts';
import type { Catalog, FieldSpec } from './catalog.ts';

const isoDateTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const behaviorType = /^[a-z][a-z0-9_.:-]{0,63}$/;
const pathSegment = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Parses an ISO date or date-time to epoch ms (a date alone is midnight UTC); NaN when it is not one. */
export function parseDate(v: unknown): number {
  if (typeof v !== 'string' || !isoDateTime.test(v)) return Number.NaN;
  return Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
}

class Problems {
  readonly list: ErrorDetail[] = [];
  conditions = 0;
  add(field: string, rule: string, message: string): undefined {
    if (this.list.length < 20) this.list.push({ field, rule, message });
    return undefined;
  }
}

const negated: Partial<Record<FilterOp, FilterOp>> = {
  neq: 'eq',
  nin: 'in',
  notWithinLastDays: 'withinLastDays',
  isNotSet: 'isSet',
};

/** For a negative operator, the positive one it negates (neq → eq, …). */
export function positiveOf(op: FilterOp): { op: FilterOp; negate: boolean } {
  const p = negated[op];
  return p ? { op: p, negate: true } : { op, negate: false };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(p: Problems, path: string, node: Record<string, unknown>, keys: string[]): boolean {
  const extra = Object.keys(node).filter((k) => !keys.includes(k));
  if (extra.length > 0) {
    p.add(`${path}.${extra[0]}`, 'unknown', `is not part of a filter (expected ${keys.join(', ')})`);
    return false;
  }
  return true;
}

type ValueType = 'text' | 'number' | 'boolean' | 'date' | 'days';

/** Checks `value` for an operator whose operands are of `type`; options restrict text values. */
function checkValue(
  p: Problems,
  path: string,
  op: FilterOp,
  value: unknown,
  type: ValueType,
  options?: readonly string[],
): boolean {
  const at = `${path}.value`;
  if (op === 'isSet' || op === 'isNotSet') {
    return value === undefined || value === null || bad(at, 'absent', `must be left out for ${op}`);
  }
  if (op === 'withinLastDays' || op === 'notWithinLastDays') type = 'days';
  const one = (v: unknown, where: string): boolean => {
    switch (type) {
      case 'text':
        if (typeof v !== 'string') return bad(where, 'type', 'must be text');
        if (v.length > filterLimits.maxTextLength)
          return bad(where, 'maxLength', `must be at most ${filterLimits.maxTextLength} characters`);
        if (options && !['contains', 'startsWith', 'matches'].includes(op)) {
          const lower = v.toLowerCase();
          if (!options.some((o) => o.toLowerCase() === lower))
            return bad(where, 'enum', `"${v}" is not one of: ${options.join(', ')}`);
        }
        return true;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) return bad(where, 'type', 'must be a number');
        if (Math.abs(v) > 1e15) return bad(where, 'range', 'must be between -1e15 and 1e15');
        return true;
      case 'boolean':
        if (typeof v !== 'boolean') return bad(where, 'type', 'must be true or false');
        return true;
      case 'date':
        if (!Number.isFinite(parseDate(v)))
          return bad(
            where,
            'format',
            'must be an ISO date or date-time (2026-01-31 or 2026-01-31T12:00:00Z)',
          );
        return true;
      case 'days':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > filterLimits.maxDays)
          return bad(where, 'range', `must be a whole number of days from 1 to ${filterLimits.maxDays}`);
        return true;
    }
  };
  function bad(where: string, rule: string, message: string): false {
    p.add(where, rule, message);
    return false;
  }
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(value) || value.length === 0) return bad(at, 'type', 'must be a non-empty list');
    if (value.length > filterLimits.maxListValues)
      return bad(at, 'maxItems', `must have at most ${filterLimits.maxListValues} values`);
    return value.map((v, i) => one(v, `${at}[${i}]`)).every(Boolean);
  }
  if (op === 'between') {
    if (!Array.isArray(value) || value.length !== 2) return bad(at, 'type', 'must be [low, high]');
    if (one(value[0], `${at}[0]`) && one(value[1], `${at}[1]`)) {
      const [lo, hi] = type === 'date' ? [parseDate(value[0]), parseDate(value[1])] : value;
      if ((lo as number) > (hi as number)) return bad(at, 'order', 'low must not be above high');
      return true;
    }
    return false;
  }
  if (value === undefined || value === null) return bad(at, 'required', `is required for ${op}`);
  if (Array.isArray(value)) return bad(at, 'type', `must be a single value for ${op}`);
  return one(value, at);
}

function checkFieldCondition(
  p: Problems,
  path: string,
  node: Record<string, unknown>,
  spec: FieldSpec | undefined,
  fieldName: string,
) {
  if (!spec) {
    p.add(`${path}.field`, 'known', `"${fieldName}" is not a field you can filter on`);
    return;
  }
  const op = node.op as FilterOp;
  if (!(filterOps as readonly string[]).includes(String(node.op))) {
    p.add(`${path}.op`, 'enum', `must be one of ${filterOps.join(', ')}`);
    return;
  }
  if (!opsByKind[spec.kind].includes(op)) {
    p.add(
      `${path}.op`,
      'applies',
      `${op} does not apply to ${spec.field} (a ${spec.kind} field: ${opsByKind[spec.kind].join(', ')})`,
    );
    return;
  }
  const type: ValueType =
    spec.kind === 'number'
      ? 'number'
      : spec.kind === 'boolean'
        ? 'boolean'
        : spec.kind === 'date'
          ? 'date'
          : 'text';
  checkValue(
    p,
    path,
    op,
    node.value,
    type,
    spec.kind === 'enum' || spec.kind === 'list' ? spec.options : undefined,
  );
}

function checkProperty(p: Problems, path: string, node: unknown) {
  if (!isObject(node)) return p.add(path, 'type', 'must be a property condition { path, op, value }');
  if (!onlyKeys(p, path, node, ['path', 'op', 'value'])) return;
  p.conditions++;
  const segs = typeof node.path === 'string' ? node.path.split('.') : [];
  if (segs.length === 0 || segs.length > 6 || !segs.every((s) => pathSegment.test(s)))
    return p.add(`${path}.path`, 'format', 'must be a dotted property path such as page.path or props.plan');
  const op = node.op as FilterOp;
  if (!propertyOps.includes(op))
    return p.add(`${path}.op`, 'enum', `must be one of ${propertyOps.join(', ')}`);
  const sample = Array.isArray(node.value) ? node.value[0] : node.value;
  let type: ValueType = 'text';
  if (['gt', 'gte', 'lt', 'lte', 'between'].includes(op)) type = 'number';
  else if (['contains', 'startsWith', 'matches'].includes(op)) type = 'text';
  else if (typeof sample === 'number') type = 'number';
  else if (typeof sample === 'boolean') type = 'boolean';
  checkValue(p, path, op, node.value, type);
}

function checkNode(p: Problems, path: string, node: unknown, depth: number, catalog: Catalog): undefined {
  if (depth > filterLimits.maxDepth)
    return p.add(path, 'maxDepth', `filters nest at most ${filterLimits.maxDepth} levels deep`);
  if (!isObject(node)) return p.add(path, 'type', 'must be a filter object');
  if (p.conditions > filterLimits.maxConditions) return;
  if ('all' in node || 'any' in node) {
    const key = 'all' in node ? 'all' : 'any';
    if (!onlyKeys(p, path, node, [key])) return;
    const list = node[key];
    if (!Array.isArray(list)) return p.add(`${path}.${key}`, 'type', 'must be a list of filters');
    for (const [i, child] of list.entries()) checkNode(p, `${path}.${key}[${i}]`, child, depth + 1, catalog);
    return;
  }
  if ('not' in node) {
    if (!onlyKeys(p, path, node, ['not'])) return;
    return checkNode(p, `${path}.not`, node.not, depth + 1, catalog);
  }
  if ('field' in node) {
    if (!onlyKeys(p, path, node, ['field', 'op', 'value'])) return;
    p.conditions++;
    const name = String(node.field);
    checkFieldCondition(p, path, node, catalog.lead.get(name), name);
    return;
  }
  if ('company' in node) {
    if (!onlyKeys(p, path, node, ['company'])) return;
    const c = node.company;
    if (!isObject(c)) return p.add(`${path}.company`, 'type', 'must be { field, op, value }');
    if (!onlyKeys(p, `${path}.company`, c, ['field', 'op', 'value'])) return;
    p.conditions++;
    const name = String(c.field);
    checkFieldCondition(p, `${path}.company`, c, catalog.company.get(name), name);
    return;
  }
  if ('behavior' in node) {
    if (!onlyKeys(p, path, node, ['behavior'])) return;
    const b = node.behavior;
    const at = `${path}.behavior`;
    if (!isObject(b)) return p.add(at, 'type', 'must be { type, where?, count?, withinDays? }');
    if (!onlyKeys(p, at, b, ['type', 'where', 'count', 'withinDays'])) return;
    p.conditions++;
    if (typeof b.type !== 'string' || !behaviorType.test(b.type))
      p.add(`${at}.type`, 'format', 'must be a touchpoint type such as page_viewed or form_submitted');
    if (b.where !== undefined) {
      if (!Array.isArray(b.where)) p.add(`${at}.where`, 'type', 'must be a list of property conditions');
      else for (const [i, w] of b.where.entries()) checkProperty(p, `${at}.where[${i}]`, w);
    }
    if (b.count !== undefined) {
      const c = b.count;
      if (!isObject(c) || !onlyKeys(p, `${at}.count`, c, ['op', 'value']))
        p.add(`${at}.count`, 'type', 'must be { op: gte | lte | eq, value }');
      else {
        if (!['gte', 'lte', 'eq'].includes(String(c.op)))
          p.add(`${at}.count.op`, 'enum', 'must be gte, lte or eq');
        if (typeof c.value !== 'number' || !Number.isInteger(c.value) || c.value < 0 || c.value > 1_000_000)
          p.add(`${at}.count.value`, 'range', 'must be a whole number from 0 to 1,000,000');
      }
    }
    if (b.withinDays !== undefined) {
      const d = b.withinDays;
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > filterLimits.maxDays)
        p.add(
          `${at}.withinDays`,
          'range',
          `must be a whole number of days from 1 to ${filterLimits.maxDays}`,
        );
    }
    return;
  }
  p.add(path, 'shape', 'must have one of all, any, not, field, company or behavior');
}

/**
 * Checks a filter (already parsed JSON) against the catalog; returns it typed, or throws a 400
 * (VALIDATION_FAILED) whose details name each bad node by its path and the rule it broke.
 */
export function validateFilter(raw: unknown, catalog: Catalog, root = 'filter'): Filter {
  const p = new Problems();
  checkNode(p, root, raw, 1, catalog);
  if (p.conditions > filterLimits.maxConditions)
    p.add(root, 'maxConditions', `a filter has at most ${filterLimits.maxConditions} conditions`);
  if (p.list.length > 0) {
    const first = p.list[0]!;
    throw new AppError('VALIDATION_FAILED', `${first.field}: ${first.message}`, { details: p.list });
  }
  return raw as Filter;
}

/** Parses filter JSON from a query parameter and validates it. */
export function parseFilter(text: string, catalog: Catalog, root = 'filter'): Filter {
  if (text.length > 100_000)
    throw new AppError('VALIDATION_FAILED', `${root}: is too long`, {
      details: [{ field: root, rule: 'maxLength', message: 'must be at most 100,000 characters' }],
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', `${root}: is not valid JSON`, {
      details: [{ field: root, rule: 'json', message: 'must be a filter in JSON' }],
    });
  }
  return validateFilter(raw, catalog, root);
}

/** Whether a filter's answer changes with time alone (a within-N-days window anywhere in it). */
export function hasTimeWindow(f: Filter): boolean {
  if ('all' in f) return f.all.some(hasTimeWindow);
  if ('any' in f) return f.any.some(hasTimeWindow);
  if ('not' in f) return hasTimeWindow(f.not);
  if ('behavior' in f) return f.behavior.withinDays !== undefined;
  const c = 'company' in f ? f.company : f;
  return c.op === 'withinLastDays' || c.op === 'notWithinLastDays';
}

/** The touchpoint types a filter's behaviour conditions look at. */
export function behaviorTypesOf(f: Filter, out = new Set<string>()): Set<string> {
  if ('all' in f) for (const c of f.all) behaviorTypesOf(c, out);
  else if ('any' in f) for (const c of f.any) behaviorTypesOf(c, out);
  else if ('not' in f) behaviorTypesOf(f.not, out);
  else if ('behavior' in f) out.add(f.behavior.type);
  return out;
}

export type { FilterValue };
