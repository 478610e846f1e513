/**
 * The one filter language: lead lists, segments, scoring fit rules, routing and enrolment rules
 * all use it. A filter is JSON; the server compiles it to SQL for both dialects and evaluates it in
 * memory for a single lead, and the two always agree (a property test holds them to it).
 *
 * Examples
 *   { "all": [ { "field": "country", "op": "in", "value": ["DE", "AT", "CH"] },
 *              { "field": "companySize", "op": "gte", "value": 200 } ] }
 *   { "behavior": { "type": "page_viewed",
 *                   "where": [ { "path": "page.path", "op": "matches", "value": "/pricing*" } ],
 *                   "count": { "op": "gte", "value": 3 }, "withinDays": 30 } }
 *   { "not": { "company": { "field": "industry", "op": "eq", "value": "Education" } } }
 */

export type FilterValue = string | number | boolean | null;

/** Operators; which apply depends on the field's type (text, number, date, boolean, list). */
export const filterOps = [
  'eq', // equals (text ignores case)
  'neq',
  'in', // one of value[]
  'nin', // none of value[]
  'contains', // text contains (ignores case); for list fields: has the value
  'startsWith',
  'matches', // text glob: * any run of characters, ? one character (ignores case)
  'gt',
  'gte',
  'lt',
  'lte',
  'between', // value: [low, high], inclusive
  'isSet',
  'isNotSet',
  'before', // dates: before an ISO date-time
  'after',
  'withinLastDays', // dates: within the last N days of now
  'notWithinLastDays',
] as const;
export type FilterOp = (typeof filterOps)[number];

/**
 * A condition on a lead field. `field` is a standard field (email, firstName, … companySize),
 * a lead attribute (lifecycleStage, ownerId, source, createdAt, updatedAt, and more as
 * capabilities add them, e.g. firstTouchChannel, score.total, score.grade), or `customFields.<key>`.
 */
export type FieldCondition = { field: string; op: FilterOp; value?: FilterValue | FilterValue[] };

/** A condition on the lead's company (industry, employees, country, domain, name, ownerId). */
export type CompanyCondition = {
  company: { field: string; op: FilterOp; value?: FilterValue | FilterValue[] };
};

/** A condition on a touchpoint property, by dotted path (page.path, form.slug, name, props.plan, utm.source…). */
export type PropertyCondition = { path: string; op: FilterOp; value?: FilterValue | FilterValue[] };

/**
 * "Did something": touchpoints of a type, optionally with property conditions, counted, optionally
 * within the last N days. Without `count` it means at least once.
 */
export type BehaviorCondition = {
  behavior: {
    type: string; // touchpoint type: page_viewed, form_submitted, event, email_opened, …
    where?: PropertyCondition[];
    count?: { op: 'gte' | 'lte' | 'eq'; value: number };
    withinDays?: number;
  };
};

export type Filter =
  | { all: Filter[] }
  | { any: Filter[] }
  | { not: Filter }
  | FieldCondition
  | CompanyCondition
  | BehaviorCondition;

/** Bounds that keep a filter cheap to check and to run (a bigger one is refused with a 400). */
export const filterLimits = {
  maxDepth: 8,
  maxConditions: 100,
  maxListValues: 1000,
  maxTextLength: 500,
  maxDays: 3650,
} as const;

/**
 * What kind of value a field holds; it decides the operators that apply. `date` fields take ISO
 * date-times (or YYYY-MM-DD) in before/after/between and a number of days in the within ops.
 * `enum` fields are text with a fixed set of options; `list` fields hold several options.
 */
export const fieldKinds = ['text', 'enum', 'number', 'date', 'boolean', 'list'] as const;
export type FieldKind = (typeof fieldKinds)[number];

export const opsByKind: Record<FieldKind, readonly FilterOp[]> = {
  text: ['eq', 'neq', 'in', 'nin', 'contains', 'startsWith', 'matches', 'isSet', 'isNotSet'],
  enum: ['eq', 'neq', 'in', 'nin', 'contains', 'startsWith', 'matches', 'isSet', 'isNotSet'],
  number: ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'isSet', 'isNotSet'],
  date: ['before', 'after', 'between', 'withinLastDays', 'notWithinLastDays', 'isSet', 'isNotSet'],
  boolean: ['eq', 'neq', 'isSet', 'isNotSet'],
  list: ['contains', 'in', 'nin', 'isSet', 'isNotSet'],
};

/** Operators on touchpoint properties (their values are typed by the value given: text, number, true/false). */
export const propertyOps: readonly FilterOp[] = [
  'eq',
  'neq',
  'in',
  'nin',
  'contains',
  'startsWith',
  'matches',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'isSet',
  'isNotSet',
];

export const opLabels: Record<FilterOp, string> = {
  eq: 'is',
  neq: 'is not',
  in: 'is any of',
  nin: 'is none of',
  contains: 'contains',
  startsWith: 'starts with',
  matches: 'matches (* ?)',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  between: 'between',
  isSet: 'is set',
  isNotSet: 'is not set',
  before: 'before',
  after: 'after',
  withinLastDays: 'within the last … days',
  notWithinLastDays: 'not within the last … days',
};

/** One field a filter may name (GET /api/v1/filters/fields). */
export type FieldInfo = {
  /** The name to use in a filter: `country`, `customFields.plan`, or for companies `industry`. */
  field: string;
  label: string;
  kind: FieldKind;
  group: 'lead' | 'activity' | 'custom';
  options?: string[];
};

export type FilterCatalog = {
  lead: FieldInfo[];
  company: FieldInfo[];
  /** Touchpoint types and property paths people usually filter on (others are allowed too). */
  behavior: { types: string[]; paths: string[] };
  limits: typeof filterLimits;
};
