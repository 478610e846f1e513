/**
 * The scoring engine, pure: checks a model against the filter catalog, keeps a lead's per-rule
 * state (event times), and computes fit, engagement, total and grade at a given time, with the
 * breakdown that explains them. contracts/scoring.ts states the semantics.
 *
 * The state holds, per engagement rule signature (signatureOf), the times of its matching events (only the latest for a
 * once-rule, at most `maxEventsPerRule` for a repeatable one), sorted. Adding an event and building
 * the state from all of a lead's touchpoints give the same state, so an incremental score and a
 * full recompute are the same number; decay is computed from the times at read time.
 */
import type { Filter, PropertyCondition } from '../../../contracts/filters.ts';
import type { FitGrade } from '../../../contracts/lifecycle.ts';
import {
  type Decay,
  type EngagementRule,
  type RuleResult,
  type ScoringDefinition,
  scoringLimits,
} from '../../../contracts/scoring.ts';
import { propertiesOfRow } from '../../platform/db/parsed.ts';
import { AppError } from '../../platform/errors.ts';
import {
  behaviorTypesOf,
  type Catalog,
  evaluate,
  hasTimeWindow,
  type LeadContext,
  validateFilter,
} from '../filters/index.ts';
import { propertyHolds } from '../filters/memory.ts';

const dayMs = 86_400_000;

/** A model ready to run: its definition with fit filters and property conditions checked. */
export type CompiledModel = {
  version: number;
  definition: ScoringDefinition;
  fit: { id: string; name: string; filter: Filter; points: number }[];
  engagement: (EngagementRule & { where: PropertyCondition[]; key: string })[];
  /** Each distinct event signature once (rules that match the same events share their times). */
  signatures: CompiledModel['engagement'];
  /** Touchpoint types any engagement rule looks at. */
  types: Set<string>;
  groupCaps: Map<string, number>;
  /** Whether a fit rule reads the lead's company (so a company edit can change its leads' scores). */
  readsCompany: boolean;
};

export type ScoreState = Record<string, number[]>;

export type Score = { fit: number; engagement: number; total: number; grade: FitGrade };

function problem(field: string, rule: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { details: [{ field, rule, message }] });
}

/**
 * Checks a definition (already of the right JSON shape) against the catalog: fit filters name
 * known fields and no behaviour, property conditions are valid, ids unique, groups declared,
 * thresholds ordered. Throws a 400 naming the path.
 */
export function compileModel(
  definition: ScoringDefinition,
  catalog: Catalog,
  version = 0,
  root = 'definition',
): CompiledModel {
  const ids = new Set<string>();
  const unique = (id: string, at: string) => {
    if (ids.has(id)) throw problem(`${at}.id`, 'unique', `"${id}" is used by another rule`);
    ids.add(id);
  };
  const fit = definition.fit.rules.map((r, i) => {
    const at = `${root}.fit.rules[${i}]`;
    unique(r.id, at);
    const filter = validateFilter(r.filter, catalog, `${at}.filter`);
    if (behaviorTypesOf(filter).size > 0)
      throw problem(
        `${at}.filter`,
        'fitOnly',
        'fit rules look at lead and company fields; behaviour belongs in engagement rules',
      );
    if (hasTimeWindow(filter))
      throw problem(
        `${at}.filter`,
        'fitOnly',
        'fit rules may not use "within the last N days" (use engagement decay for time)',
      );
    return { id: r.id, name: r.name, filter, points: r.points };
  });
  const groupCaps = new Map<string, number>();
  definition.engagement.groups.forEach((g, i) => {
    if (groupCaps.has(g.name))
      throw problem(`${root}.engagement.groups[${i}].name`, 'unique', `group "${g.name}" is declared twice`);
    groupCaps.set(g.name, g.cap);
  });
  const types = new Set<string>();
  const engagement = definition.engagement.rules.map((r, i) => {
    const at = `${root}.engagement.rules[${i}]`;
    unique(r.id, at);
    if (r.group && !groupCaps.has(r.group))
      throw problem(`${at}.group`, 'unknown', `group "${r.group}" is not declared in engagement.groups`);
    checkDecay(r.decay, `${at}.decay`);
    if (r.cap !== undefined && r.cap !== null && (!Number.isInteger(r.cap) || r.cap < 1))
      throw problem(`${at}.cap`, 'range', 'must be a whole number of at least 1');
    // The behaviour and its conditions are the filter language's; count and window are not used here.
    const checked = validateFilter({ behavior: r.behavior }, catalog, at) as {
      behavior: { type: string; where?: PropertyCondition[] };
    };
    types.add(checked.behavior.type);
    const where = checked.behavior.where ?? [];
    return { ...r, where, key: signatureOf(checked.behavior.type, where, r.repeatable) };
  });
  const signatures = [...new Map(engagement.map((r) => [r.key, r])).values()];
  const g = definition.fit.grades;
  if (!(g.A >= g.B)) throw problem(`${root}.fit.grades.B`, 'order', 'must not be above the threshold for A');
  if (!(g.B >= g.C)) throw problem(`${root}.fit.grades.C`, 'order', 'must not be above the threshold for B');
  const readsCompany = fit.some((r) => filterReadsCompany(r.filter));
  return { version, definition, fit, engagement, signatures, types, groupCaps, readsCompany };
}

function filterReadsCompany(f: Filter): boolean {
  if ('all' in f) return f.all.some(filterReadsCompany);
  if ('any' in f) return f.any.some(filterReadsCompany);
  if ('not' in f) return filterReadsCompany(f.not);
  return 'company' in f;
}

/**
 * What a rule's state depends on: the events it matches (type, conditions) and whether it keeps
 * them all. Points, caps, groups and decay are applied when scoring, so a new version that only
 * changes those (or fit rules) reuses every lead's state: no touchpoint is read again.
 */
export function signatureOf(type: string, where: PropertyCondition[], repeatable: boolean): string {
  const text = JSON.stringify([type, where, repeatable]);
  // FNV-1a, twice with different offsets: 64 bits of a text of at most a few kilobytes.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(36) + (b >>> 0).toString(36);
}

/** Whether a state holds the times of every signature the model needs. */
export function covers(model: CompiledModel, state: ScoreState): boolean {
  for (const r of model.signatures) if (!Object.hasOwn(state, r.key)) return false;
  return true;
}

function checkDecay(d: Decay, at: string) {
  if (d.kind === 'none') return;
  if (!Number.isInteger(d.days) || d.days < 1 || d.days > scoringLimits.maxDays)
    throw problem(`${at}.days`, 'range', `must be a whole number of days from 1 to ${scoringLimits.maxDays}`);
}

/** Whether a touchpoint counts for an engagement rule. */
export function ruleMatches(
  rule: CompiledModel['engagement'][number],
  tp: { type: string; properties: unknown },
  /** The touchpoint's properties parsed once for every rule (parsed here when not given). */
  parsed?: () => unknown,
): boolean {
  if (tp.type !== rule.behavior.type) return false;
  if (rule.where.length === 0) return true;
  const props = parsed ? parsed() : propertiesOfRow(tp);
  return rule.where.every((w) => propertyHolds(w, props));
}

/** Inserts a time in a sorted list, keeping what the rule keeps (latest only, or the latest N). */
function addTime(times: number[], t: number, repeatable: boolean): number[] {
  if (!repeatable) return times.length === 0 || t > times[0]! ? [t] : times;
  let i = times.length;
  while (i > 0 && times[i - 1]! > t) i--;
  times.splice(i, 0, t);
  if (times.length > scoringLimits.maxEventsPerRule)
    times.splice(0, times.length - scoringLimits.maxEventsPerRule);
  return times;
}

/** Adds touchpoints to a state (in place; returns whether any rule took one). */
export function applyTouchpoints(
  model: CompiledModel,
  state: ScoreState,
  touchpoints: readonly { type: string; occurred_at: number | string; properties: unknown }[],
): boolean {
  let changed = false;
  for (const tp of touchpoints) {
    if (!model.types.has(tp.type)) continue;
    const t = Number(tp.occurred_at);
    let props: unknown;
    const parsed = () => (props ??= propertiesOfRow(tp));
    for (const rule of model.signatures) {
      if (!ruleMatches(rule, tp, parsed)) continue;
      state[rule.key] = addTime(state[rule.key] ?? [], t, rule.repeatable);
      changed = true;
    }
  }
  return changed;
}

/** The state built from all of a lead's touchpoints. */
export function stateFrom(
  model: CompiledModel,
  touchpoints: readonly { type: string; occurred_at: number | string; properties: unknown }[],
): ScoreState {
  const state: ScoreState = {};
  for (const r of model.signatures) state[r.key] = [];
  applyTouchpoints(model, state, touchpoints);
  return state;
}

function decayFactor(d: Decay, age: number): number {
  if (d.kind === 'none') return 1;
  const a = Math.max(0, age);
  if (d.kind === 'window') return a <= d.days * dayMs ? 1 : 0;
  return 0.5 ** (a / (d.days * dayMs));
}

const clamp = (v: number, cap: number | null | undefined) =>
  cap === null || cap === undefined ? v : Math.max(-cap, Math.min(cap, v));

const round2 = (v: number) => Math.round(v * 100) / 100;

export function gradeOf(model: CompiledModel, fit: number): FitGrade {
  const g = model.definition.fit.grades;
  return fit >= g.A ? 'A' : fit >= g.B ? 'B' : fit >= g.C ? 'C' : 'D';
}

export type Breakdown = Score & {
  rules: RuleResult[];
  groups: { name: string; cap: number; sum: number; counted: number }[];
};

/**
 * The score at `now`: fit from the lead's fields (the context needs no touchpoints), engagement
 * from the state. `explain` adds the per-rule breakdown.
 */
export function computeScore(
  model: CompiledModel,
  catalog: Catalog,
  ctx: LeadContext,
  state: ScoreState,
  now: number,
  explain = false,
): Breakdown {
  const rules: RuleResult[] = [];
  let fit = 0;
  for (const r of model.fit) {
    const hit = evaluate(r.filter, ctx, catalog, now);
    if (hit) fit += r.points;
    if (explain && hit)
      rules.push({
        ruleId: r.id,
        name: r.name,
        kind: 'fit',
        group: null,
        events: 1,
        points: r.points,
        decayed: r.points,
        counted: r.points,
        lastEventAt: null,
      });
  }
  let loose = 0;
  const groupSums = new Map<string, number>();
  const engagementResults: RuleResult[] = [];
  for (const r of model.engagement) {
    const times = state[r.key];
    if (!times || times.length === 0) continue;
    let decayed = 0;
    for (const t of times) decayed += r.points * decayFactor(r.decay, now - t);
    const value = clamp(decayed, r.cap);
    if (r.group) groupSums.set(r.group, (groupSums.get(r.group) ?? 0) + value);
    else loose += value;
    if (explain)
      engagementResults.push({
        ruleId: r.id,
        name: r.name,
        kind: 'engagement',
        group: r.group ?? null,
        events: times.length,
        points: r.points * times.length,
        decayed: round2(decayed),
        counted: round2(value),
        lastEventAt: new Date(times.at(-1)!).toISOString(),
      });
  }
  let engagementRaw = loose;
  const groups: Breakdown['groups'] = [];
  for (const [name, sum] of groupSums) {
    const cap = model.groupCaps.get(name)!;
    const counted = clamp(sum, cap);
    engagementRaw += counted;
    if (explain) groups.push({ name, cap, sum: round2(sum), counted: round2(counted) });
    // A rule's share of a capped group, pro rata, so the breakdown adds up.
    if (explain && sum !== 0 && counted !== sum)
      for (const e of engagementResults)
        if (e.group === name) e.counted = round2((e.counted * counted) / sum);
  }
  rules.push(...engagementResults);
  const engagement = Math.round(engagementRaw);
  const total = fit + engagement;
  return { fit, engagement, total, grade: gradeOf(model, fit), rules, groups };
}
