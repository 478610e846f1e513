/** Pure policy logic: is a touchpoint a hand-raise, does a lead meet the MQL criteria, and why. */
import type { LifecycleStage } from '../../../contracts/leads.ts';
import { gradeAtLeast, type PolicyDefinition, type RejectionReason } from '../../../contracts/lifecycle.ts';
import { propertiesObjectOf } from '../../platform/db/parsed.ts';
import { AppError, type ErrorDetail } from '../../platform/errors.ts';

/** Stages the policy may promote to MQL on its own. */
export const qualifiableStages: readonly LifecycleStage[] = ['subscriber', 'lead', 'recycled'];

export type TouchpointFacts = { type: string; properties: unknown };

export type Explanation =
  | {
      criterion: 'score';
      text: string;
      total: number;
      grade: string | null;
      minTotal: number;
      minGrade: string;
    }
  | {
      criterion: 'hand_raise';
      text: string;
      touchpointType: string;
      form?: { id: string | null; slug: string | null; name: string | null };
    };

/** Could this touchpoint type be a hand-raise under the policy? (Cheap: no JSON parsing.) */
export function mayBeHandRaise(policy: PolicyDefinition, type: string): boolean {
  return type === 'form_submitted' || policy.mql.handRaise.touchpointTypes.includes(type);
}

/** The hand-raise this touchpoint is under the policy, or null. */
export function handRaiseOf(policy: PolicyDefinition, tp: TouchpointFacts): Explanation | null {
  const hr = policy.mql.handRaise;
  if (hr.touchpointTypes.includes(tp.type)) {
    return { criterion: 'hand_raise', text: `Hand-raise: a ${tp.type} touchpoint`, touchpointType: tp.type };
  }
  if (tp.type !== 'form_submitted') return null;
  const p = propertiesObjectOf(tp);
  const form = (p.form && typeof p.form === 'object' ? p.form : {}) as Record<string, unknown>;
  const id = typeof form.id === 'string' ? form.id : null;
  const slug = typeof form.slug === 'string' ? form.slug : null;
  const name = typeof form.name === 'string' ? form.name : null;
  const listed = (id !== null && hr.forms.includes(id)) || (slug !== null && hr.forms.includes(slug));
  const flagged = hr.handRaiseForms && p.handRaise === true;
  if (!listed && !flagged) return null;
  return {
    criterion: 'hand_raise',
    text: `Hand-raise: submitted the form ${name ?? slug ?? id ?? '(unnamed)'}${listed ? '' : ' (marked as hand-raise)'}`,
    touchpointType: tp.type,
    form: { id, slug, name },
  };
}

/** The score criterion's verdict for a lead, or null when it does not apply or is not met. */
export function scoreMatch(
  policy: PolicyDefinition,
  lead: { score_total: number; fit_grade: string | null },
): Explanation | null {
  const s = policy.mql.score;
  if (!s) return null;
  if (lead.score_total < s.minTotal || !gradeAtLeast(lead.fit_grade, s.minGrade)) return null;
  return {
    criterion: 'score',
    text: `Score ${lead.score_total} ≥ ${s.minTotal} and fit grade ${lead.fit_grade} ≥ ${s.minGrade}`,
    total: lead.score_total,
    grade: lead.fit_grade,
    minTotal: s.minTotal,
    minGrade: s.minGrade,
  };
}

/** Checks what a schema cannot: rejection reason codes are unique. */
export function checkDefinition(def: PolicyDefinition): void {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  def.rejectionReasons.forEach((r: RejectionReason, i) => {
    if (seen.has(r.code))
      problems.push({
        field: `definition.rejectionReasons.${i}.code`,
        rule: 'unique',
        message: `"${r.code}" is listed twice`,
      });
    seen.add(r.code);
  });
  if (new Set(def.mql.handRaise.forms).size !== def.mql.handRaise.forms.length)
    problems.push({
      field: 'definition.mql.handRaise.forms',
      rule: 'unique',
      message: 'a form is listed twice',
    });
  if (problems.length > 0)
    throw new AppError('VALIDATION_FAILED', `${problems[0]!.field}: ${problems[0]!.message}`, {
      details: problems,
    });
}
