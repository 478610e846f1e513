/**
 * The meaning of the operators, in one place for both evaluators (SQL and in memory):
 * - text comparisons ignore case, for ASCII letters only (A–Z): SQLite's lower() folds only those,
 *   so PostgreSQL folds the same set with translate() and memory does the same;
 * - a condition on a value that is not set (or not of the field's kind) is false, and each negative
 *   operator is the exact negation of its positive one (neq of eq, nin of in, isNotSet of isSet,
 *   notWithinLastDays of withinLastDays): "country is not DE" includes leads without a country;
 * - `matches` is a glob over the whole value: `*` any run of characters, `?` exactly one;
 * - dates: before/after are strict, between is inclusive, "within the last N days" means at or
 *   after now − N days; a custom date (YYYY-MM-DD) stands for midnight UTC of that day.
 */

export const dayMs = 86_400_000;

const upper = /[A-Z]+/g;
const lower = (m: string) => m.toLowerCase();
/** Lower-cases ASCII letters only (see above). */
export function fold(s: string): string {
  // Text of ASCII characters only (most of it) folds the same with toLowerCase, much faster.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return s.replace(upper, lower);
  return s.toLowerCase();
}

/** A glob as a LIKE pattern (with \ as the escape character), folded. */
export function globToLike(glob: string): string {
  let out = '';
  for (const ch of fold(glob)) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

const globCache = new Map<string, RegExp>();
/** A glob as an anchored regular expression over code points, for folded text. */
export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    let src = '';
    for (const ch of fold(glob)) {
      if (ch === '*') src += '[\\s\\S]*';
      else if (ch === '?') src += '[\\s\\S]';
      // Syntax characters only: with the u flag any other escape (such as \-) is an error.
      else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`, 'u');
    if (globCache.size > 1000) globCache.clear();
    globCache.set(glob, re);
  }
  return re;
}

function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The first day (YYYY-MM-DD) whose midnight is at or after `ms`. */
export function ceilDay(ms: number): string {
  return dayString(Math.ceil(ms / dayMs) * dayMs);
}

/** The day (YYYY-MM-DD) that contains `ms`. */
export function floorDay(ms: number): string {
  return dayString(Math.floor(ms / dayMs) * dayMs);
}

/** A YYYY-MM-DD day as epoch ms (midnight UTC); NaN for anything else. */
export function dayToMs(day: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : Number.NaN;
}

/** Whether a count satisfies a behaviour condition's count clause (default: at least once). */
export function countHolds(
  count: { op: 'gte' | 'lte' | 'eq'; value: number } | undefined,
  n: number,
): boolean {
  if (!count) return n >= 1;
  if (count.op === 'gte') return n >= count.value;
  if (count.op === 'lte') return n <= count.value;
  return n === count.value;
}
