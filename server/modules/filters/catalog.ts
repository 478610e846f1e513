/**
 * The allow-list of what a filter may name: lead fields (standard, attributes, custom fields by
 * their definitions), company fields, and where each lives in the database. Nothing outside it
 * reaches SQL; column names come from here, never from the filter.
 */
import { channels } from '../../../contracts/capture.ts';
import type { FieldInfo, FieldKind, FilterCatalog } from '../../../contracts/filters.ts';
import { filterLimits } from '../../../contracts/filters.ts';
import {
  type CustomFieldType,
  leadSources,
  lifecycleStages,
  standardFieldKeys,
  standardFields,
} from '../../../contracts/leads.ts';
import type { CompaniesTable, LeadsTable } from '../../platform/db/schema.ts';

/**
 * Where a field's value lives: a lead column, a company column, or a custom field in the lead's
 * JSON. `day` marks values stored as YYYY-MM-DD text (custom dates), `ms` epoch milliseconds.
 */
export type FieldSource =
  | { type: 'column'; column: keyof LeadsTable; dates?: 'ms' }
  | { type: 'custom'; key: string; dates?: 'day' }
  | { type: 'company'; column: keyof CompaniesTable };

export type FieldSpec = FieldInfo & { source: FieldSource };

export type Catalog = {
  lead: Map<string, FieldSpec>;
  company: Map<string, FieldSpec>;
};

/** The custom field definition a catalog needs (leads module's FieldDefinition fits). */
export type CustomDef = { key: string; label: string; type: CustomFieldType; options: string[] };

const col = (
  field: string,
  label: string,
  kind: FieldKind,
  column: keyof LeadsTable,
  extra: Partial<FieldSpec> = {},
): FieldSpec => ({
  field,
  label,
  kind,
  group: 'lead',
  source: { type: 'column', column, ...(kind === 'date' ? { dates: 'ms' as const } : {}) },
  ...extra,
});

const standardColumns: Record<string, keyof LeadsTable> = {
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  phone: 'phone',
  jobTitle: 'job_title',
  companyName: 'company_name',
  website: 'website',
  country: 'country',
  city: 'city',
  industry: 'industry',
  companySize: 'company_size',
};

const kindOfCustom: Record<CustomFieldType, FieldKind> = {
  text: 'text',
  number: 'number',
  date: 'date',
  boolean: 'boolean',
  select: 'enum',
  multiselect: 'list',
};

export function buildCatalog(custom: readonly CustomDef[]): Catalog {
  const lead: FieldSpec[] = [];
  for (const key of standardFieldKeys) {
    const f = standardFields[key];
    lead.push(col(key, f.label, f.type === 'number' ? 'number' : 'text', standardColumns[key]!));
  }
  lead.push(
    col('lifecycleStage', 'Lifecycle stage', 'enum', 'lifecycle_stage', {
      group: 'activity',
      options: [...lifecycleStages],
    }),
    col('ownerId', 'Owner (user id)', 'text', 'owner_id', { group: 'activity' }),
    col('source', 'Source', 'enum', 'source', { group: 'activity', options: [...leadSources] }),
    col('createdAt', 'Created', 'date', 'created_at', { group: 'activity' }),
    col('updatedAt', 'Updated', 'date', 'updated_at', { group: 'activity' }),
    col('firstTouchChannel', 'First-touch channel', 'enum', 'first_touch_channel', {
      group: 'activity',
      options: [...channels],
    }),
    col('firstTouchAt', 'First touch', 'date', 'first_touch_at', { group: 'activity' }),
    col('lastTouchChannel', 'Last-touch channel', 'enum', 'last_touch_channel', {
      group: 'activity',
      options: [...channels],
    }),
    col('lastTouchAt', 'Last touch', 'date', 'last_touch_at', { group: 'activity' }),
  );
  for (const d of custom) {
    const kind = kindOfCustom[d.type];
    lead.push({
      field: `customFields.${d.key}`,
      label: d.label,
      kind,
      group: 'custom',
      ...(kind === 'enum' || kind === 'list' ? { options: [...d.options] } : {}),
      source: { type: 'custom', key: d.key, ...(kind === 'date' ? { dates: 'day' as const } : {}) },
    });
  }
  const companyField = (
    field: string,
    label: string,
    kind: FieldKind,
    column: keyof CompaniesTable,
  ): FieldSpec => ({ field, label, kind, group: 'lead', source: { type: 'company', column } });
  const company: FieldSpec[] = [
    companyField('name', 'Company name', 'text', 'name'),
    companyField('domain', 'Company domain', 'text', 'domain'),
    companyField('industry', 'Company industry', 'text', 'industry'),
    companyField('employees', 'Company employees', 'number', 'employees'),
    companyField('country', 'Company country', 'text', 'country'),
    companyField('ownerId', 'Account owner (user id)', 'text', 'owner_id'),
  ];
  return {
    lead: new Map(lead.map((f) => [f.field, f])),
    company: new Map(company.map((f) => [f.field, f])),
  };
}

export const behaviorTypes = [
  'page_viewed',
  'form_submitted',
  'event',
  'email_opened',
  'email_clicked',
  'created',
  'updated',
];
export const behaviorPaths = [
  'page.path',
  'page.url',
  'page.title',
  'form.slug',
  'form.name',
  'name',
  'utm.source',
  'utm.medium',
  'utm.campaign',
  'handRaise',
  'landing',
];

/** The catalog as the API shows it (GET /api/v1/filters/fields). */
export function catalogView(c: Catalog): FilterCatalog {
  const strip = ({ source: _source, ...info }: FieldSpec): FieldInfo => info;
  return {
    lead: [...c.lead.values()].map(strip),
    company: [...c.company.values()].map(strip),
    behavior: { types: behaviorTypes, paths: behaviorPaths },
    limits: filterLimits,
  };
}
