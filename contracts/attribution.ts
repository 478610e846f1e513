/**
 * Attribution: channel rules (versioned, draft → publish), reclassification runs, campaigns and
 * their costs, shared by the server's route schemas and the web app. Channels and the shape of a
 * lead's first and last touch are in capture.ts.
 */
import Type, { type Static } from 'typebox';
import { channels } from './capture.ts';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

// ── Channel rules ───────────────────────────────────────────────────────────

/** What a rule condition looks at. */
export const ruleFields = [
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'referrer_domain',
  'landing_path',
  'click_id',
] as const;
export type RuleField = (typeof ruleFields)[number];

export const ruleFieldLabels: Record<RuleField, string> = {
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  referrer_domain: 'Referrer domain',
  landing_path: 'Landing page path',
  click_id: 'Click id',
};

/**
 * How a condition compares (text comparisons ignore case):
 * - `equals`: the value is exactly `value`;
 * - `in`: the value is one of `values`;
 * - `matches`: the value fits the pattern `value`, where `*` stands for any run of characters
 *   (`paid*`, `*social*`); for referrer domains a pattern without `*` also matches subdomains;
 * - `exists`: the field has a value (click ids: any of `values`, or any click id when empty);
 * - `in_list`: the referrer's domain is on the named domain list of the rule set (`value`).
 */
export const ruleOperators = ['equals', 'in', 'matches', 'exists', 'in_list'] as const;
export type RuleOperator = (typeof ruleOperators)[number];

export const ruleOperatorLabels: Record<RuleOperator, string> = {
  equals: 'is',
  in: 'is one of',
  matches: 'matches pattern',
  exists: 'is present',
  in_list: 'is on the list',
};

/** The maintained domain lists a `referrer_domain in_list` condition names. */
export const domainLists = ['search_engines', 'social_networks', 'email_providers'] as const;
export type DomainList = (typeof domainLists)[number];

export const domainListLabels: Record<DomainList, string> = {
  search_engines: 'Search engines',
  social_networks: 'Social networks',
  email_providers: 'Webmail providers',
};

export const clickIdNames = ['gclid', 'msclkid', 'fbclid', 'li_fat_id', 'ttclid'] as const;

export const RuleCondition = Type.Object(
  {
    field: Type.Enum(ruleFields),
    op: Type.Enum(ruleOperators),
    value: Type.Optional(Type.String({ maxLength: 200 })),
    values: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type RuleCondition = Static<typeof RuleCondition>;

export const ChannelRule = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 120 }),
    channel: Type.Enum(channels),
    conditions: Type.Array(RuleCondition, {
      minItems: 1,
      maxItems: 10,
      description: 'All must hold for the rule to match',
    }),
  },
  { additionalProperties: false },
);
export type ChannelRule = Static<typeof ChannelRule>;

const DomainArray = Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 500 });

/** A whole rule set: ordered rules (the first match wins), the domain lists, and the site's own domains. */
export const RuleSetDefinition = Type.Object(
  {
    rules: Type.Array(ChannelRule, { maxItems: 100 }),
    lists: Type.Object(
      {
        search_engines: DomainArray,
        social_networks: DomainArray,
        email_providers: DomainArray,
      },
      {
        additionalProperties: false,
        description: 'google.com covers its subdomains; google.* covers every country domain of Google',
      },
    ),
    internalDomains: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      maxItems: 100,
      description:
        "The site's own domains (and e.g. a payment provider's): a referrer from one of them is internal and never starts a visit",
    }),
  },
  { additionalProperties: false },
);
export type RuleSetDefinition = Static<typeof RuleSetDefinition>;

export const RuleSetVersion = Type.Object({
  version: Type.Integer(),
  definition: RuleSetDefinition,
  note: Nullable(Type.String()),
  publishedAt: Type.String({ format: 'date-time' }),
  publishedBy: Nullable(Type.String()),
  current: Type.Boolean(),
});
export type RuleSetVersion = Static<typeof RuleSetVersion>;

export const RuleSetDraft = Type.Object({
  definition: RuleSetDefinition,
  /** The published version the draft started from. */
  basedOn: Type.Integer(),
  /** Whether the draft differs from what is published (false: a copy of the current version). */
  changed: Type.Boolean(),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
  updatedBy: Nullable(Type.String()),
});
export type RuleSetDraft = Static<typeof RuleSetDraft>;

export const reclassificationStatuses = ['queued', 'running', 'completed', 'failed', 'superseded'] as const;
export type ReclassificationStatus = (typeof reclassificationStatuses)[number];

export const Reclassification = Type.Object({
  id: Type.String(),
  reason: Type.Enum(['publish', 'campaign']),
  ruleVersion: Type.Integer(),
  status: Type.Enum(reclassificationStatuses),
  total: Type.Integer({ description: 'Touchpoints to look at (counted when the run started)' }),
  done: Type.Integer(),
  changed: Type.Integer({ description: 'Touchpoints whose channel or campaign changed' }),
  leadsUpdated: Type.Integer({ description: 'Leads whose first or last touch changed' }),
  message: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type Reclassification = Static<typeof Reclassification>;

/** A sample visit to classify against a (draft) rule set in the rule editor. */
export const ClassifySample = Type.Object(
  {
    url: Type.Optional(
      Type.String({ maxLength: 2000, description: 'The landing URL, with its UTM parameters' }),
    ),
    referrer: Type.Optional(Type.String({ maxLength: 2000 })),
    utmSource: Type.Optional(Type.String({ maxLength: 200 })),
    utmMedium: Type.Optional(Type.String({ maxLength: 200 })),
    utmCampaign: Type.Optional(Type.String({ maxLength: 200 })),
    originalSource: Type.Optional(
      Type.String({ maxLength: 200, description: 'A CRM "original source" / LeadSource value' }),
    ),
  },
  { additionalProperties: false },
);
export type ClassifySample = Static<typeof ClassifySample>;

export const ClassifyResult = Type.Object({
  channel: Type.Enum(channels),
  /** The rule that decided, or null when the fallback (or an original source) did. */
  ruleId: Nullable(Type.String()),
  reason: Type.String({ description: 'Why, in a sentence' }),
  campaignId: Nullable(Type.String()),
  source: Nullable(Type.String()),
  medium: Nullable(Type.String()),
  campaign: Nullable(Type.String()),
  referrerDomain: Nullable(Type.String()),
  landingPath: Nullable(Type.String()),
});
export type ClassifyResult = Static<typeof ClassifyResult>;

// ── Campaigns and costs ─────────────────────────────────────────────────────

export const campaignStatuses = ['planned', 'active', 'paused', 'completed', 'archived'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

export const campaignStatusLabels: Record<CampaignStatus, string> = {
  planned: 'Planned',
  active: 'Active',
  paused: 'Paused',
  completed: 'Completed',
  archived: 'Archived',
};

/** A calendar day, `YYYY-MM-DD`. */
const Day = Type.String({ format: 'date', maxLength: 10 });
const CurrencyCode = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 code, e.g. EUR',
});

export const Money = Type.Object({
  amount: Type.Integer({ description: 'Minor units (cents)' }),
  currency: Type.String(),
});
export type Money = Static<typeof Money>;

export const Campaign = Type.Object({
  id: Type.String(),
  name: Type.String(),
  channel: Type.Enum(channels),
  status: Type.Enum(campaignStatuses),
  startDate: Nullable(Type.String({ format: 'date' })),
  endDate: Nullable(Type.String({ format: 'date' })),
  utmCampaigns: Type.Array(Type.String(), {
    description: 'utm_campaign values that map to this campaign (lower-cased; matched ignoring case)',
  }),
  description: Nullable(Type.String()),
  spend: Type.Array(Money, { description: 'Total cost, one entry per currency' }),
  leadsFirstTouched: Type.Integer({ description: 'Live leads whose first touch is this campaign' }),
  touches: Type.Integer({ description: 'Touchpoints attributed to this campaign' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Campaign = Static<typeof Campaign>;

const campaignFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  channel: Type.Enum(channels),
  status: Type.Enum(campaignStatuses),
  startDate: Nullable(Day),
  endDate: Nullable(Day),
  utmCampaigns: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50 }),
  description: Nullable(Type.String({ maxLength: 2000 })),
};

export const CampaignInput = Type.Object(
  {
    name: campaignFields.name,
    channel: campaignFields.channel,
    status: Type.Optional(campaignFields.status),
    startDate: Type.Optional(campaignFields.startDate),
    endDate: Type.Optional(campaignFields.endDate),
    utmCampaigns: Type.Optional(campaignFields.utmCampaigns),
    description: Type.Optional(campaignFields.description),
  },
  { additionalProperties: false },
);
export type CampaignInput = Static<typeof CampaignInput>;

export const CampaignPatch = Type.Object(
  {
    name: Type.Optional(campaignFields.name),
    channel: Type.Optional(campaignFields.channel),
    status: Type.Optional(campaignFields.status),
    startDate: Type.Optional(campaignFields.startDate),
    endDate: Type.Optional(campaignFields.endDate),
    utmCampaigns: Type.Optional(campaignFields.utmCampaigns),
    description: Type.Optional(campaignFields.description),
  },
  { additionalProperties: false },
);
export type CampaignPatch = Static<typeof CampaignPatch>;

export const CampaignCost = Type.Object({
  id: Type.String(),
  campaignId: Type.String(),
  date: Type.String({ format: 'date' }),
  amount: Type.Integer({ description: 'Minor units (cents); negative for a credit' }),
  currency: Type.String(),
  note: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type CampaignCost = Static<typeof CampaignCost>;

const maxAmount = 1_000_000_000_000; // ten billion in a two-decimal currency

export const CampaignCostInput = Type.Object(
  {
    date: Day,
    amount: Type.Integer({
      minimum: -maxAmount,
      maximum: maxAmount,
      description: 'Minor units (cents): 125000 is 1,250.00 EUR',
    }),
    currency: CurrencyCode,
    note: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);
export type CampaignCostInput = Static<typeof CampaignCostInput>;

export const CampaignCostPatch = Type.Object(
  {
    date: Type.Optional(Day),
    amount: Type.Optional(CampaignCostInput.properties.amount),
    currency: Type.Optional(CurrencyCode),
    note: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);
export type CampaignCostPatch = Static<typeof CampaignCostPatch>;

/** A campaign's cost by calendar month and its leads by week of their first touch, for its charts. */
export const CampaignTrend = Type.Object({
  costByMonth: Type.Array(
    Type.Object({
      month: Type.String({ description: 'YYYY-MM' }),
      currency: Type.String(),
      amount: Type.Integer({ description: 'Minor units' }),
    }),
    { description: 'Oldest month first, one row per month and currency' },
  ),
  leadsByWeek: Type.Array(
    Type.Object({
      week: Type.String({ format: 'date', description: 'The Monday (UTC) the week starts on' }),
      leads: Type.Integer(),
    }),
    {
      description:
        'Live leads first touched by the campaign, by week of that touch; oldest first, weeks without leads left out',
    },
  ),
});
export type CampaignTrend = Static<typeof CampaignTrend>;

export const attributionErrors = {
  CAMPAIGN_NOT_FOUND: { status: 404, kind: 'user', description: 'No campaign has this id.' },
  CAMPAIGN_KEY_TAKEN: {
    status: 409,
    kind: 'conflict',
    description: 'Another campaign already claims this utm_campaign value; `details` names it.',
  },
  CAMPAIGN_COST_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'The campaign has no cost entry with this id.',
  },
  CHANNEL_RULES_VERSION_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'No published version of the channel rules has this number.',
  },
  CHANNEL_RULES_UNCHANGED: {
    status: 409,
    kind: 'conflict',
    description: 'The draft is the same as the published rules; change it before publishing.',
  },
  CHANNEL_RULES_STALE_DRAFT: {
    status: 409,
    kind: 'conflict',
    description:
      'The draft was started from an older version than the one published now; reload the draft and publish again.',
  },
  RECLASSIFICATION_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'No reclassification run has this id.',
  },
} as const satisfies Record<string, ErrorSpec>;
