/** Pure rules of pipelines and deals: what a valid pipeline is, card positions, weighted amounts. */
import type { LostReason, PipelineStageInput, StageKind } from '../../../contracts/deals.ts';
import type { ErrorDetail } from '../../platform/errors.ts';

/** Room left between two cards of a column, so a move usually rewrites one row. */
export const positionGap = 65_536;

/** Every rule a pipeline definition breaks, each naming its field (empty: valid). */
export function pipelineProblems(
  stages: readonly PipelineStageInput[],
  lostReasons: readonly LostReason[],
  knownStageIds: ReadonlySet<string>,
): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const names = new Map<string, number>();
  const ids = new Set<string>();
  const count: Record<StageKind, number> = { open: 0, won: 0, lost: 0 };
  stages.forEach((s, i) => {
    count[s.kind]++;
    if (s.id !== undefined) {
      if (!knownStageIds.has(s.id))
        out.push({ field: `stages.${i}.id`, rule: 'exists', message: 'is not a stage of this pipeline' });
      else if (ids.has(s.id))
        out.push({ field: `stages.${i}.id`, rule: 'unique', message: 'is listed twice' });
      ids.add(s.id);
    }
    const name = s.name.trim().toLowerCase();
    if (!name) out.push({ field: `stages.${i}.name`, rule: 'required', message: 'must not be blank' });
    else if (names.has(name))
      out.push({
        field: `stages.${i}.name`,
        rule: 'unique',
        message: `"${s.name.trim()}" is already stage ${names.get(name)! + 1}`,
      });
    else names.set(name, i);
    if (s.kind === 'won' && s.probability !== 100)
      out.push({ field: `stages.${i}.probability`, rule: 'won_is_100', message: 'a won stage is 100 %' });
    if (s.kind === 'lost' && s.probability !== 0)
      out.push({ field: `stages.${i}.probability`, rule: 'lost_is_0', message: 'a lost stage is 0 %' });
  });
  if (count.won !== 1)
    out.push({ field: 'stages', rule: 'one_won', message: `needs exactly one won stage (has ${count.won})` });
  if (count.lost !== 1)
    out.push({
      field: 'stages',
      rule: 'one_lost',
      message: `needs exactly one lost stage (has ${count.lost})`,
    });
  if (count.open === 0) out.push({ field: 'stages', rule: 'open', message: 'needs at least one open stage' });
  const codes = new Set<string>();
  lostReasons.forEach((r, i) => {
    if (codes.has(r.code))
      out.push({ field: `lostReasons.${i}.code`, rule: 'unique', message: `"${r.code}" is listed twice` });
    codes.add(r.code);
    if (!r.label.trim())
      out.push({ field: `lostReasons.${i}.label`, rule: 'required', message: 'must not be blank' });
  });
  return out;
}

/**
 * A position between two neighbours (null: no card on that side), or null when they are adjacent
 * and the column must be spread out first.
 */
export function positionBetween(before: number | null, after: number | null): number | null {
  if (before === null && after === null) return positionGap;
  if (before === null) return after! - positionGap;
  if (after === null) return before + positionGap;
  if (after - before < 2) return null;
  return before + Math.floor((after - before) / 2);
}

/** amount × probability %, in minor units (half away from zero). */
export function weighted(amount: number, probability: number): number {
  return Math.round((amount * probability) / 100);
}

/** How a lost deal reads in a lead's stage history and timeline. */
export function lostReasonText(dealName: string, label: string, note: string | null): string {
  return `Deal "${dealName}" lost: ${label}${note ? ` (${note})` : ''}`.slice(0, 2000);
}
