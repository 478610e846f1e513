/** Names and values of lead fields as people read them, in the timeline and the merge dialog. */
import {
  type CustomFieldDefinition,
  type LifecycleStage,
  lifecycleStages,
  type StandardField,
  stageLabels,
  standardFields,
} from '../../../../contracts/leads.ts';
import { formatCalendarDay, valueText } from '../../components/leads/format.ts';
import { formatDateTime } from '../../lib/format.ts';

const extraLabels: Record<string, string> = {
  lifecycleStage: 'Lifecycle stage',
  ownerId: 'Owner',
  createdAt: 'Created',
  companyId: 'Company',
  consent: 'Consent',
  customFields: 'Custom fields',
};

const purposeLabels: Record<string, string> = { emailMarketing: 'Email marketing', tracking: 'Tracking' };

export function purposeLabel(purpose: string): string {
  return purposeLabels[purpose] ?? purpose;
}

/** Merge snapshots name columns (first_name); edits name fields (firstName). */
function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export type FieldContext = {
  customFields: CustomFieldDefinition[];
  ownerName: (id: string) => string | undefined;
};

export function fieldLabel(key: string, ctx: FieldContext): string {
  if (key.startsWith('customFields.')) {
    const k = key.slice('customFields.'.length);
    return ctx.customFields.find((d) => d.key === k)?.label ?? k;
  }
  if (key.startsWith('consent.')) return `${purposeLabel(key.slice(8))} consent`;
  if (key.startsWith('externalIds.')) return `${key.slice(12)} id`;
  const k = camel(key);
  if (k in standardFields) return standardFields[k as StandardField].label;
  return extraLabels[k] ?? k;
}

/** A value of the named field as text, or null when it is empty. */
export function fieldValue(key: string, value: unknown, ctx: FieldContext): string | null {
  if (value === null || value === undefined || value === '') return null;
  const k = camel(key);
  if (k === 'lifecycleStage' && (lifecycleStages as readonly string[]).includes(String(value)))
    return stageLabels[value as LifecycleStage];
  if (k === 'ownerId') return ctx.ownerName(String(value)) ?? String(value);
  if (k === 'createdAt' || k === 'updatedAt') return formatDateTime(String(value));
  if (key.startsWith('consent.'))
    return value === 'granted' ? 'Granted' : value === 'withdrawn' ? 'Withdrawn' : String(value);
  if (key.startsWith('customFields.')) {
    const def = ctx.customFields.find((d) => d.key === key.slice(13));
    if (def?.type === 'date' && typeof value === 'string') return formatCalendarDay(value);
  }
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as Record<string, unknown>;
      return Object.entries(parsed)
        .map(([k2, v]) => `${k2}: ${valueText(v) ?? '—'}`)
        .join('; ');
    } catch {
      return value;
    }
  }
  return valueText(value);
}

const sourceLabels: Record<string, string> = {
  api: 'the API',
  import: 'an import',
  form: 'a form',
  tracking: 'tracking',
  manual: 'the app',
  demo: 'demo data',
  system: 'Leadloop',
};

/** Where a change came from, as the end of "via …". */
export function sourceLabel(source: string): string {
  return sourceLabels[source] ?? source;
}
