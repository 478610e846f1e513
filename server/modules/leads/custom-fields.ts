/** Custom field values checked against their definitions, on every write. */
import type { CustomFieldType, MergeRule } from '../../../contracts/leads.ts';
import type { ErrorDetail } from '../../platform/errors.ts';

export type FieldDefinition = {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  mergeRule: MergeRule;
  archived: boolean;
};

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Returns the value to store (normalised) or a problem. Blank values (null, '', []) come back as
 * null: a blank never overwrites, the caller decides what a blank means.
 */
export function checkCustomValue(
  def: FieldDefinition,
  raw: unknown,
): { ok: true; value: unknown } | { ok: false; detail: ErrorDetail } {
  const field = `customFields.${def.key}`;
  const fail = (rule: string, message: string) => ({ ok: false as const, detail: { field, rule, message } });
  if (raw === null || raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)) {
    return { ok: true, value: null };
  }
  switch (def.type) {
    case 'text':
      if (typeof raw !== 'string') return fail('type', 'must be text');
      if (raw.length > 2000) return fail('maxLength', 'must be at most 2000 characters');
      return { ok: true, value: raw.trim() || null };
    case 'number': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n)) return fail('type', 'must be a number');
      return { ok: true, value: n };
    }
    case 'date': {
      if (typeof raw !== 'string') return fail('format', 'must be a date (YYYY-MM-DD)');
      const day = raw.length >= 10 ? raw.slice(0, 10) : raw;
      if (!isoDate.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
        return fail('format', 'must be a date (YYYY-MM-DD)');
      }
      if (new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day)
        return fail('format', 'is not a real date');
      return { ok: true, value: day };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (typeof raw === 'string') {
        const t = raw.trim().toLowerCase();
        if (['true', 'yes', '1', 'y'].includes(t)) return { ok: true, value: true };
        if (['false', 'no', '0', 'n'].includes(t)) return { ok: true, value: false };
      }
      return fail('type', 'must be true or false');
    }
    case 'select': {
      if (typeof raw !== 'string') return fail('type', 'must be one of the options');
      const match = def.options.find((o) => o.toLowerCase() === raw.trim().toLowerCase());
      if (!match) return fail('enum', `must be one of: ${def.options.join(', ')}`);
      return { ok: true, value: match };
    }
    case 'multiselect': {
      const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[;|]/) : null;
      if (!values || values.some((v) => typeof v !== 'string'))
        return fail('type', 'must be a list of options');
      const out: string[] = [];
      for (const v of values as string[]) {
        const t = v.trim();
        if (!t) continue;
        const match = def.options.find((o) => o.toLowerCase() === t.toLowerCase());
        if (!match) return fail('enum', `"${t}" is not one of: ${def.options.join(', ')}`);
        if (!out.includes(match)) out.push(match);
      }
      return { ok: true, value: out.length > 0 ? out : null };
    }
    default: {
      const never: never = def.type;
      return fail('type', `unknown type ${String(never)}`);
    }
  }
}
