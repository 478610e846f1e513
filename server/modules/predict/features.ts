/**
 * Features of a lead for the predictive model, in two steps:
 *
 * 1. `rawFeatures`: a lead row and its engagement aggregates → named raw values (text levels or
 *    numbers). Standard fields (country, industry, company size band and log size, job-title
 *    seniority, free-mail or company email), custom fields (numbers, selects, booleans,
 *    multi-selects), first-touch channel, and engagement counts by kind (page views, /pricing views,
 *    forms by name, events by name, email opens and clicks) with the span of engagement.
 * 2. An `Encoder`, built from statistics over the training rows (`StatsCollector`): categorical
 *    sources become one-hot columns (frequent levels, plus "other" and "missing"; a level never
 *    seen encodes as no column), numbers are standardised with a missing indicator.
 *
 * Both are pure and JSON-serialisable: the encoder is stored with the model and re-used to score.
 */
import type { CustomFieldType } from '../../../contracts/leads.ts';
import { isFreeMailDomain } from '../leads/index.ts';

export type RawValue = string | number | null;
export type RawFeatures = Map<string, RawValue>;

export type LeadForFeatures = {
  email: string | null;
  job_title: string | null;
  country: string | null;
  industry: string | null;
  company_size: number | null;
  first_touch_channel?: string | null;
  custom_fields: Record<string, unknown>;
  created_at: number;
};

/** Engagement aggregates of one lead: count per key (`page_viewed`, `form_submitted:demo-request`…). */
export type Engagement = { counts: Map<string, number>; lastAt: number | null };

export type CustomFieldInfo = { key: string; label: string; type: CustomFieldType; options: string[] };

/** Standard features a caller may exclude by name. */
export const standardFeatures = [
  'country',
  'industry',
  'companySize',
  'seniority',
  'emailDomain',
  'firstTouchChannel',
  'engagement',
] as const;

/** Touchpoint types that are the lead's own engagement (not system records or sales outcomes). */
export const engagementTypes = ['page_viewed', 'form_submitted', 'email_opened', 'email_clicked', 'event'];

const sizeBands: [number, string][] = [
  [10, '1–10'],
  [50, '11–50'],
  [199, '51–199'],
  [1000, '200–1,000'],
  [5000, '1,001–5,000'],
  [Number.POSITIVE_INFINITY, 'over 5,000'],
];

export function sizeBand(employees: number | null): string | null {
  if (employees === null || employees === undefined) return null;
  return sizeBands.find(([max]) => employees <= max)![1];
}

const seniorityRules: [RegExp, string][] = [
  [/\b(student|studentin|étudiant|phd candidate)\b/i, 'student'],
  [/\b(intern|internship|trainee|werkstudent|praktikant)\b/i, 'intern'],
  [
    /\b(chief|ceo|cfo|cto|cmo|coo|cro|cio|founder|co-founder|owner|president|managing director)\b/i,
    'c-level',
  ],
  [/\b(vp|vice president|svp|evp)\b/i, 'vp'],
  [/\b(director|directrice|direktor)\b/i, 'director'],
  [/\bhead\b/i, 'head'],
  [/\b(manager|lead|leiter|leiterin|responsable)\b/i, 'manager'],
  [/\b(senior|sr\.?|principal|staff)\b/i, 'senior'],
];

/** A coarse seniority from a job title (cheap keyword rules); null when there is no title. */
export function seniorityOf(title: string | null): string | null {
  if (!title?.trim()) return null;
  for (const [re, level] of seniorityRules) if (re.test(title)) return level;
  return 'individual';
}

function emailKind(email: string | null): string {
  if (!email) return 'none';
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return isFreeMailDomain(domain) ? 'free-mail' : 'company';
}

const DAY = 86_400_000;

export type FeatureSettings = {
  exclude: ReadonlySet<string>;
  customFields: readonly CustomFieldInfo[];
};

/** The named raw values of one lead. Sources: `std:*`, `cf:<key>`, `cf:<key>=<option>`, `eng:*`. */
export function rawFeatures(lead: LeadForFeatures, engagement: Engagement, s: FeatureSettings): RawFeatures {
  const out: RawFeatures = new Map();
  const use = (name: string) => !s.exclude.has(name);
  if (use('country')) out.set('std:country', lead.country?.trim().toUpperCase() || null);
  if (use('industry')) out.set('std:industry', lead.industry?.trim().toLowerCase() || null);
  if (use('companySize')) {
    out.set('std:size_band', sizeBand(lead.company_size));
    out.set('std:log_size', lead.company_size === null ? null : Math.log1p(Math.max(0, lead.company_size)));
  }
  if (use('seniority')) out.set('std:seniority', seniorityOf(lead.job_title));
  if (use('emailDomain')) out.set('std:email', emailKind(lead.email));
  if (use('firstTouchChannel')) out.set('std:channel', lead.first_touch_channel ?? null);
  for (const f of s.customFields) {
    if (!use(f.key)) continue;
    const v = lead.custom_fields[f.key];
    switch (f.type) {
      case 'number':
        out.set(`cf:${f.key}`, typeof v === 'number' && Number.isFinite(v) ? v : null);
        break;
      case 'select':
        out.set(`cf:${f.key}`, typeof v === 'string' && v !== '' ? v : null);
        break;
      case 'boolean':
        out.set(`cf:${f.key}`, typeof v === 'boolean' ? String(v) : null);
        break;
      case 'multiselect': {
        const chosen = new Set(Array.isArray(v) ? v.map(String) : []);
        for (const o of f.options) out.set(`cf:${f.key}=${o}`, chosen.has(o) ? 1 : 0);
        break;
      }
      default:
        break; // text and dates: free text is not a feature
    }
  }
  if (use('engagement')) {
    for (const [key, n] of engagement.counts) out.set(`eng:${key}`, Math.log1p(n));
    out.set(
      'eng:span_days',
      engagement.lastAt === null ? 0 : Math.max(0, (engagement.lastAt - lead.created_at) / DAY),
    );
  }
  return out;
}

type NumStats = { n: number; sum: number; sumSq: number; missing: number };

/** Statistics over the training rows, enough to build the encoder. */
export class StatsCollector {
  readonly rows: { n: number } = { n: 0 };
  readonly levels = new Map<string, Map<string, number>>();
  readonly numbers = new Map<string, NumStats>();
  readonly numericSources: ReadonlySet<string>;
  constructor(numericSources: ReadonlySet<string>) {
    this.numericSources = numericSources;
  }

  add(raw: RawFeatures): void {
    this.rows.n++;
    for (const [source, value] of raw) {
      if (this.isNumeric(source)) {
        let s = this.numbers.get(source);
        if (!s) {
          // Engagement keys appear only on leads that have them: earlier rows count as zeros.
          s = { n: 0, sum: 0, sumSq: 0, missing: 0 };
          if (source.startsWith('eng:')) s.n = this.rows.n - 1;
          this.numbers.set(source, s);
        }
        if (value === null || typeof value !== 'number') s.missing++;
        else {
          s.n++;
          s.sum += value;
          s.sumSq += value * value;
        }
      } else {
        let m = this.levels.get(source);
        if (!m) {
          m = new Map();
          this.levels.set(source, m);
        }
        const level = value === null ? '(missing)' : String(value);
        m.set(level, (m.get(level) ?? 0) + 1);
      }
    }
    // Engagement keys this row lacks are zeros.
    for (const [source, s] of this.numbers) if (source.startsWith('eng:') && !raw.has(source)) s.n++;
  }

  isNumeric(source: string): boolean {
    return (
      source.startsWith('eng:') ||
      source === 'std:log_size' ||
      source.includes('=') ||
      this.numericSources.has(source)
    );
  }
}

export type EncoderColumn = { feature: string; label: string };

export type NumericGroup = {
  kind: 'number';
  source: string;
  mean: number;
  sd: number;
  column: number;
  /** Column of the "value missing" indicator, or -1 when no training row missed it. */
  missingColumn: number;
};
export type CategoryGroup = {
  kind: 'category';
  source: string;
  /** Level → column; "(other)" catches levels too rare to get their own. */
  levels: Record<string, number>;
};

export type Encoder = {
  groups: (NumericGroup | CategoryGroup)[];
  columns: EncoderColumn[];
};

export type EncoderOptions = {
  /** A level gets its own column when at least this many training rows have it. */
  minLevelCount: number;
  /** At most this many levels per categorical source (the most frequent). */
  maxLevels: number;
  /** Human labels of sources. */
  labelOf: (source: string) => string;
};

export function buildEncoder(stats: StatsCollector, o: EncoderOptions): Encoder {
  const groups: Encoder['groups'] = [];
  const columns: EncoderColumn[] = [];
  const sources = [...new Set([...stats.levels.keys(), ...stats.numbers.keys()])].sort();
  for (const source of sources) {
    const label = o.labelOf(source);
    const num = stats.numbers.get(source);
    if (num) {
      if (num.n < o.minLevelCount) continue;
      const mean = num.sum / num.n;
      const variance = Math.max(0, num.sumSq / num.n - mean * mean);
      const sd = Math.sqrt(variance);
      if (sd < 1e-9 && num.missing < o.minLevelCount) continue; // constant: carries nothing
      const column = columns.length;
      columns.push({ feature: source, label });
      let missingColumn = -1;
      if (num.missing >= o.minLevelCount) {
        missingColumn = columns.length;
        columns.push({ feature: `${source}:missing`, label: `${label}: not set` });
      }
      groups.push({ kind: 'number', source, mean, sd: sd < 1e-9 ? 1 : sd, column, missingColumn });
      continue;
    }
    const counts = stats.levels.get(source)!;
    const frequent = [...counts]
      .filter(([level, n]) => n >= o.minLevelCount && level !== '(other)')
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, o.maxLevels)
      .map(([level]) => level);
    if (frequent.length === 0) continue;
    const covered = frequent.reduce((s, l) => s + counts.get(l)!, 0);
    const rest = stats.rows.n - covered;
    // No prototype: a level may be any text a user typed, "__proto__" and "constructor" included.
    const levels: Record<string, number> = Object.create(null);
    for (const level of frequent.sort()) {
      levels[level] = columns.length;
      columns.push({
        feature: `${source}=${level}`,
        label: `${label}: ${level === '(missing)' ? 'not set' : level}`,
      });
    }
    if (rest >= o.minLevelCount) {
      levels['(other)'] = columns.length;
      columns.push({ feature: `${source}=(other)`, label: `${label}: other` });
    }
    if (frequent.length + (rest >= o.minLevelCount ? 1 : 0) < 2) continue; // one level for all: constant
    groups.push({ kind: 'category', source, levels });
  }
  // Columns of skipped single-level groups are dropped: renumber to keep them dense.
  const used = new Set<number>();
  for (const g of groups) {
    if (g.kind === 'number') {
      used.add(g.column);
      if (g.missingColumn >= 0) used.add(g.missingColumn);
    } else for (const c of Object.values(g.levels)) used.add(c);
  }
  const remap = new Map<number, number>();
  const dense: EncoderColumn[] = [];
  columns.forEach((c, i) => {
    if (used.has(i)) {
      remap.set(i, dense.length);
      dense.push(c);
    }
  });
  for (const g of groups) {
    if (g.kind === 'number') {
      g.column = remap.get(g.column)!;
      if (g.missingColumn >= 0) g.missingColumn = remap.get(g.missingColumn)!;
    } else for (const k of Object.keys(g.levels)) g.levels[k] = remap.get(g.levels[k]!)!;
  }
  return { groups, columns: dense };
}

/** Encodes raw values as sparse (column, value) pairs, sorted by column. */
export function encode(encoder: Encoder, raw: RawFeatures): { cols: number[]; vals: number[] } {
  const pairs: [number, number][] = [];
  for (const g of encoder.groups) {
    const v = raw.get(g.source);
    if (g.kind === 'number') {
      const missing = v === null || typeof v !== 'number';
      // Engagement keys a lead lacks are zero counts, not missing values.
      const value = missing ? (g.source.startsWith('eng:') && v === undefined ? 0 : null) : v;
      if (value === null) {
        if (g.missingColumn >= 0) pairs.push([g.missingColumn, 1]);
      } else {
        const z = (value - g.mean) / g.sd;
        if (z !== 0) pairs.push([g.column, z]);
      }
    } else {
      const level = v === null || v === undefined ? '(missing)' : String(v);
      const column = (Object.hasOwn(g.levels, level) ? g.levels[level] : undefined) ?? g.levels['(other)'];
      if (column !== undefined) pairs.push([column, 1]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return { cols: pairs.map((p) => p[0]), vals: pairs.map((p) => p[1]) };
}

/** Labels for sources, for coefficients and factors. */
export function sourceLabeller(customFields: readonly CustomFieldInfo[]) {
  const cf = new Map(customFields.map((f) => [f.key, f.label]));
  const std: Record<string, string> = {
    'std:country': 'Country',
    'std:industry': 'Industry',
    'std:size_band': 'Company size',
    'std:log_size': 'Company size (log employees)',
    'std:seniority': 'Seniority',
    'std:email': 'Email',
    'std:channel': 'First touch',
    'eng:span_days': 'Days engaged after creation',
  };
  const eng: Record<string, string> = {
    page_viewed: 'Page views',
    'page_viewed:pricing': 'Pricing page views',
    form_submitted: 'Form submissions',
    email_opened: 'Email opens',
    email_clicked: 'Email clicks',
    event: 'Events',
  };
  return (source: string): string => {
    if (std[source]) return std[source];
    if (source.startsWith('eng:')) {
      const key = source.slice(4);
      if (eng[key]) return eng[key];
      const [type, sub] = key.split(':');
      if (type === 'form_submitted') return `Form "${sub}" submitted`;
      if (type === 'event') return `Event "${sub}"`;
      return key;
    }
    if (source.startsWith('cf:')) {
      const rest = source.slice(3);
      const eq = rest.indexOf('=');
      if (eq > 0) return `${cf.get(rest.slice(0, eq)) ?? rest.slice(0, eq)}: ${rest.slice(eq + 1)}`;
      return cf.get(rest) ?? rest;
    }
    return source;
  };
}

/** The labels a factor shows: the column's label, with the lead's own value for numbers. */
export function factorLabel(encoder: Encoder, column: number, raw: RawFeatures): string {
  const c = encoder.columns[column]!;
  const g = encoder.groups.find((x) => x.kind === 'number' && x.column === column) as
    | NumericGroup
    | undefined;
  if (!g) return c.label;
  // Engagement a lead does not have is a count of zero.
  const v = raw.get(g.source) ?? (g.source.startsWith('eng:') ? 0 : null);
  if (typeof v !== 'number') return c.label;
  if (g.source.startsWith('eng:') && g.source !== 'eng:span_days')
    return `${c.label}: ${Math.round(Math.expm1(v))}`;
  if (g.source === 'std:log_size')
    return `Company size: ${Math.round(Math.expm1(v)).toLocaleString('en')} employees`;
  if (g.source === 'eng:span_days') return `${c.label}: ${Math.round(v)}`;
  return `${c.label}: ${Number.isInteger(v) ? v : v.toFixed(2)}`;
}
