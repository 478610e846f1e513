/** The lead's standard fields: their columns, and the row ↔ API shape conversion. */
import type {
  ConsentPurpose,
  ConsentStatus,
  Lead,
  LeadTouch,
  LifecycleStage,
  StandardField,
} from '../../../contracts/leads.ts';
import { fromJson, type LeadsTable } from '../../platform/db/schema.ts';
import { iso } from '../../platform/http/schemas.ts';

export const columnOf = {
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
} as const satisfies Record<StandardField, keyof LeadsTable>;

export type LeadRow = Omit<LeadsTable, 'custom_fields' | 'consent'> & {
  custom_fields: unknown;
  consent: unknown;
};

export type ConsentState = Partial<
  Record<ConsentPurpose, { status: ConsentStatus; source: string; textVersion: string | null; at: number }>
>;

export function consentOf(row: Pick<LeadRow, 'consent'>): ConsentState {
  return fromJson<ConsentState>(row.consent, {});
}

export function customFieldsOf(row: Pick<LeadRow, 'custom_fields'>): Record<string, unknown> {
  return fromJson<Record<string, unknown>>(row.custom_fields, {});
}

/** A stored first or last touch (JSON in the shape of contracts/capture.ts `Touch`), for the API. */
function touchOf(value: unknown): LeadTouch | null {
  const t = fromJson<LeadTouch | null>(value, null);
  if (!t || typeof t !== 'object' || !t.channel) return null;
  return {
    channel: t.channel,
    campaignId: t.campaignId ?? null,
    source: t.source ?? null,
    medium: t.medium ?? null,
    landingPage: t.landingPage ?? null,
    at: t.at,
  };
}

export function toLeadView(row: LeadRow, externalIds: { system: string; id: string }[] = []): Lead {
  const consent = consentOf(row);
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    jobTitle: row.job_title,
    companyName: row.company_name,
    companyId: row.company_id,
    website: row.website,
    country: row.country,
    city: row.city,
    industry: row.industry,
    companySize: row.company_size,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    ownerId: row.owner_id,
    consent: Object.fromEntries(
      Object.entries(consent).map(([purpose, c]) => [
        purpose,
        { status: c.status, source: c.source, textVersion: c.textVersion, at: iso(c.at) },
      ]),
    ),
    customFields: customFieldsOf(row),
    externalIds,
    source: row.source,
    firstTouch: touchOf(row.first_touch),
    lastTouch: touchOf(row.last_touch),
    score: {
      fit: Number(row.score_fit ?? 0),
      engagement: Number(row.score_engagement ?? 0),
      total: Number(row.score_total ?? 0),
      grade: (row.fit_grade ?? null) as 'A' | 'B' | 'C' | 'D' | null,
    },
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
