/**
 * The lead resource and its neighbours (companies, custom fields, touchpoints), shared by the
 * server's route schemas and the web app.
 */
import Type, { type Static } from 'typebox';
import { channels } from './capture.ts';
import type { ErrorSpec } from './errors.ts';

export const lifecycleStages = [
  'subscriber',
  'lead',
  'mql',
  'sal',
  'sql',
  'opportunity',
  'customer',
  'disqualified',
  'recycled',
] as const;
export type LifecycleStage = (typeof lifecycleStages)[number];

export const stageLabels: Record<LifecycleStage, string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  mql: 'MQL',
  sal: 'SAL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  customer: 'Customer',
  disqualified: 'Disqualified',
  recycled: 'Recycled',
};

export const consentPurposes = ['emailMarketing', 'tracking'] as const;
export type ConsentPurpose = (typeof consentPurposes)[number];

export const customFieldTypes = ['text', 'number', 'date', 'boolean', 'select', 'multiselect'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];

export const mergeRules = ['newest', 'first'] as const;
export type MergeRule = (typeof mergeRules)[number];

/** Where a write came from; every change to a lead records one. */
export const leadSources = ['api', 'import', 'form', 'tracking', 'manual', 'demo', 'system'] as const;
export type LeadSource = (typeof leadSources)[number];

/** Standard lead fields that hold a single value (the allow-list for filters, sorting, merging). */
export const standardFields = {
  email: { label: 'Email', type: 'text', max: 254 },
  firstName: { label: 'First name', type: 'text', max: 200 },
  lastName: { label: 'Last name', type: 'text', max: 200 },
  phone: { label: 'Phone', type: 'text', max: 50 },
  jobTitle: { label: 'Job title', type: 'text', max: 200 },
  companyName: { label: 'Company', type: 'text', max: 200 },
  website: { label: 'Website', type: 'text', max: 500 },
  country: { label: 'Country', type: 'text', max: 100 },
  city: { label: 'City', type: 'text', max: 100 },
  industry: { label: 'Industry', type: 'text', max: 100 },
  companySize: { label: 'Company size (employees)', type: 'number', max: 10_000_000 },
} as const;
export type StandardField = keyof typeof standardFields;
export const standardFieldKeys = Object.keys(standardFields) as StandardField[];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Str = (max: number) => Type.String({ maxLength: max });

/** `pending`: given on a double opt-in form, waiting for the confirmation link to be clicked. */
export const consentStatuses = ['granted', 'withdrawn', 'pending'] as const;
export type ConsentStatus = (typeof consentStatuses)[number];

export const ConsentEntry = Type.Object({
  status: Type.Enum(consentStatuses),
  source: Type.String(),
  textVersion: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
});
export const Consent = Type.Object({
  emailMarketing: Type.Optional(ConsentEntry),
  tracking: Type.Optional(ConsentEntry),
});

export const ConsentInput = Type.Object(
  {
    status: Type.Enum(consentStatuses),
    textVersion: Type.Optional(Type.String({ maxLength: 100 })),
    source: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const ExternalId = Type.Object(
  {
    system: Type.String({
      minLength: 1,
      maxLength: 50,
      pattern: '^[a-z0-9_.-]+$',
      description: 'e.g. salesforce, hubspot, crm',
    }),
    id: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const CustomFieldValue = Type.Union([
  Type.String({ maxLength: 2000 }),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
  Type.Null(),
]);

/** What a client may send to create or upsert a lead. Blank values never overwrite. */
export const LeadInput = Type.Object(
  {
    email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    firstName: Type.Optional(Nullable(Str(200))),
    lastName: Type.Optional(Nullable(Str(200))),
    phone: Type.Optional(Nullable(Str(50))),
    jobTitle: Type.Optional(Nullable(Str(200))),
    companyName: Type.Optional(Nullable(Str(200))),
    website: Type.Optional(Nullable(Str(500))),
    country: Type.Optional(Nullable(Str(100))),
    city: Type.Optional(Nullable(Str(100))),
    industry: Type.Optional(Nullable(Str(100))),
    companySize: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000 }))),
    customFields: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), CustomFieldValue, { maxProperties: 200 }),
    ),
    lifecycleStage: Type.Optional(Type.Enum(lifecycleStages)),
    ownerId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    externalIds: Type.Optional(Type.Array(ExternalId, { maxItems: 20 })),
    consent: Type.Optional(
      Type.Object(
        { emailMarketing: Type.Optional(ConsentInput), tracking: Type.Optional(ConsentInput) },
        { additionalProperties: false },
      ),
    ),
    createdAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'For historical imports: when the lead was first created',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LeadInput = Static<typeof LeadInput>;

/** A lead's first or last touch (contracts/capture.ts `Touch`), null when unknown. */
export const LeadTouch = Type.Object({
  channel: Type.Enum(channels),
  campaignId: Nullable(Type.String()),
  source: Nullable(
    Type.String({ description: 'utm_source, else the referring domain, else a CRM original source' }),
  ),
  medium: Nullable(Type.String({ description: 'utm_medium' })),
  landingPage: Nullable(Type.String({ description: 'The landing page, without its query string' })),
  at: Type.String({ format: 'date-time' }),
});
export type LeadTouch = Static<typeof LeadTouch>;

export const Lead = Type.Object({
  id: Type.String(),
  email: Nullable(Type.String()),
  firstName: Nullable(Type.String()),
  lastName: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  jobTitle: Nullable(Type.String()),
  companyName: Nullable(Type.String()),
  companyId: Nullable(Type.String()),
  website: Nullable(Type.String()),
  country: Nullable(Type.String()),
  city: Nullable(Type.String()),
  industry: Nullable(Type.String()),
  companySize: Nullable(Type.Integer()),
  lifecycleStage: Type.Enum(lifecycleStages),
  ownerId: Nullable(Type.String()),
  consent: Consent,
  customFields: Type.Record(Type.String(), Type.Unknown()),
  externalIds: Type.Array(Type.Object({ system: Type.String(), id: Type.String() })),
  source: Type.String(),
  firstTouch: Type.Optional(Nullable(LeadTouch)),
  lastTouch: Type.Optional(Nullable(LeadTouch)),
  conversionProbability: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        "Open leads: the predictive model's chance that the lead becomes a customer (absent until scored)",
    }),
  ),
  conversionFactors: Type.Optional(
    Type.Array(Type.Object({ label: Type.String(), contribution: Type.Number() }), {
      description: 'The traits that move the probability most, largest first (log-odds contributions)',
    }),
  ),
  score: Type.Optional(
    Type.Object(
      {
        fit: Type.Integer(),
        engagement: Type.Integer(),
        total: Type.Integer(),
        grade: Nullable(Type.Enum(['A', 'B', 'C', 'D'], { description: 'Fit grade; null = not graded yet' })),
      },
      { description: 'Read-only: written by scoring' },
    ),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Lead = Static<typeof Lead>;

export const Company = Type.Object({
  id: Type.String(),
  domain: Type.String(),
  name: Nullable(Type.String()),
  industry: Nullable(Type.String()),
  employees: Nullable(Type.Integer()),
  country: Nullable(Type.String()),
  ownerId: Nullable(Type.String()),
  leadCount: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Company = Static<typeof Company>;

export const CustomFieldDefinition = Type.Object({
  id: Type.String(),
  key: Type.String(),
  label: Type.String(),
  type: Type.Enum(customFieldTypes),
  options: Type.Array(Type.String()),
  helpText: Nullable(Type.String()),
  mergeRule: Type.Enum(mergeRules),
  archived: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type CustomFieldDefinition = Static<typeof CustomFieldDefinition>;

export const Touchpoint = Type.Object({
  id: Type.String(),
  leadId: Type.String(),
  type: Type.String({
    description:
      'created, updated, imported, merged, unmerged, consent_changed, form_submitted, page_viewed…',
  }),
  occurredAt: Type.String({ format: 'date-time' }),
  source: Type.String(),
  actor: Type.Union([
    Type.Object({ type: Type.String(), id: Nullable(Type.String()), label: Nullable(Type.String()) }),
    Type.Null(),
  ]),
  properties: Type.Record(Type.String(), Type.Unknown()),
  channel: Type.Optional(
    Nullable(
      Type.Enum(channels, { description: 'Set on touches: visit starts and original sources (attribution)' }),
    ),
  ),
  campaignId: Type.Optional(Nullable(Type.String())),
});
export type Touchpoint = Static<typeof Touchpoint>;

export const leadErrors = {
  LEAD_NOT_FOUND: { status: 404, kind: 'user', description: 'No lead has this id.' },
  LEAD_MERGED: {
    status: 404,
    kind: 'user',
    description: 'The lead was merged into another; `details` names the lead it lives on as.',
  },
  LEAD_IDENTITY_REQUIRED: {
    status: 400,
    kind: 'user',
    description: 'A lead needs an email or an external id to be matched on.',
  },
  LEAD_IDENTITY_CONFLICT: {
    status: 409,
    kind: 'conflict',
    description: 'The email or external id given already belongs to another lead; merge them instead.',
  },
  ERASED_EMAIL_BLOCKED: {
    status: 422,
    kind: 'user',
    description:
      'This person asked to be erased; their data is only accepted again with their fresh consent.',
  },
  MERGE_NOT_FOUND: { status: 404, kind: 'user', description: 'No merge has this id.' },
  MERGE_NOT_UNDOABLE: {
    status: 409,
    kind: 'conflict',
    description: 'The merge was already undone, or a later merge involves these leads; undo that one first.',
  },
  COMPANY_NOT_FOUND: { status: 404, kind: 'user', description: 'No company has this id.' },
  COMPANY_DOMAIN_TAKEN: {
    status: 409,
    kind: 'conflict',
    description: 'Another company already has this domain.',
  },
  CUSTOM_FIELD_NOT_FOUND: { status: 404, kind: 'user', description: 'No custom field has this id.' },
  CUSTOM_FIELD_KEY_TAKEN: {
    status: 409,
    kind: 'conflict',
    description: 'A custom field (or standard field) already uses this key.',
  },
} as const satisfies Record<string, ErrorSpec>;
