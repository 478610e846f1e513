/**
 * The pure rules of forms: what a valid form definition is, and how a submission's values are
 * checked against a form and turned into lead input. No I/O; the service feeds it definitions.
 */
import type { ClickIds, PageContext, Utm } from '../../../contracts/capture.ts';
import { publicFieldOf } from '../../../contracts/form-page.ts';
import {
  type ConsentOption,
  type FormField,
  type FormLeadStage,
  type HiddenField,
  type PublicField,
  reservedSlugs,
} from '../../../contracts/forms.ts';
import { type LeadInput, type StandardField, standardFields } from '../../../contracts/leads.ts';
import type { ErrorDetail } from '../../platform/errors.ts';
import { checkCustomValue, type FieldDefinition, isValidEmail, normaliseEmail } from '../leads/index.ts';

/** A consent option as stored: its current text version. */
export type StoredConsent = ConsentOption & { versionNumber: number; version: string };

export type FormDefinition = {
  fields: FormField[];
  hiddenFields: HiddenField[];
  consents: StoredConsent[];
  submitLabel: string;
  thankYouMessage: string;
  redirectUrl: string | null;
  notify: string[];
  allowedOrigins: string[];
  doubleOptIn: boolean;
  handRaise: boolean;
  leadStage: FormLeadStage;
  disposableEmails: 'flag' | 'reject';
  allowTokenless: boolean;
  minFillSeconds: number;
};

export const defaultDefinition: Omit<FormDefinition, 'fields' | 'consents'> = {
  hiddenFields: [],
  submitLabel: 'Submit',
  thankYouMessage: 'Thank you! We received your details.',
  redirectUrl: null,
  notify: [],
  allowedOrigins: [],
  doubleOptIn: false,
  handRaise: false,
  leadStage: 'lead',
  disposableEmails: 'flag',
  allowTokenless: false,
  minFillSeconds: 3,
};

export const defaultFields: FormField[] = [
  { key: 'email', label: 'Work email', required: true, placeholder: 'you@company.com' },
  { key: 'firstName', label: 'First name', required: false },
  { key: 'lastName', label: 'Last name', required: false },
  { key: 'companyName', label: 'Company', required: false },
];

export type CustomDefs = ReadonlyMap<string, FieldDefinition>;

const isStandard = (key: string): key is StandardField => Object.hasOwn(standardFields, key);

/** The textVersion a lead's consent records for a version of a form's consent text. */
export function consentVersionId(formId: string, key: string, n: number): string {
  return `${formId}/${key}/v${n}`;
}

/** Every problem with a definition, each naming its field and rule; [] when it can be saved. */
export function checkDefinition(
  def: FormDefinition & { slug: string; status: string },
  custom: CustomDefs,
  activeUsers: ReadonlySet<string>,
): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const add = (field: string, rule: string, message: string) => out.push({ field, rule, message });
  if ((reservedSlugs as readonly string[]).includes(def.slug))
    add('slug', 'reserved', `"${def.slug}" is used by Leadloop's own pages; choose another`);

  const visible = new Set<string>();
  def.fields.forEach((f, i) => {
    const at = `fields.${i}`;
    if (visible.has(f.key)) add(`${at}.key`, 'unique', `${f.key} is on the form twice`);
    visible.add(f.key);
    const std = isStandard(f.key) ? standardFields[f.key] : null;
    const cf = custom.get(f.key);
    if (!std && !cf) {
      add(`${at}.key`, 'known', `${f.key} is neither a lead field nor a custom field`);
      return;
    }
    if (cf?.archived) add(`${at}.key`, 'archived', `the custom field ${f.key} is archived`);
    const options = f.options ?? [];
    if (options.length > 0) {
      if (std && std.type !== 'text') add(`${at}.options`, 'type', `${f.label} cannot offer choices`);
      if (std && f.key === 'email') add(`${at}.options`, 'type', 'the email is typed, not chosen');
      if (cf && !['select', 'multiselect', 'text'].includes(cf.type))
        add(`${at}.options`, 'type', `${f.label} cannot offer choices`);
      if (cf && (cf.type === 'select' || cf.type === 'multiselect')) {
        const unknown = options.filter((o) => !cf.options.includes(o));
        if (unknown.length > 0)
          add(`${at}.options`, 'enum', `not options of ${cf.key}: ${unknown.slice(0, 5).join(', ')}`);
      }
      if (new Set(options).size !== options.length) add(`${at}.options`, 'unique', 'has a choice twice');
    }
    const pf = publicFieldOf(f, custom);
    if (f.control === 'textarea' && pf?.type !== 'text')
      add(`${at}.control`, 'type', 'only a text field can be a multi-line box');
    if (f.control === 'radio' && pf?.type !== 'select')
      add(`${at}.control`, 'type', 'only a single-choice field can be radio buttons');
    if (pf && (pf.type === 'select' || pf.type === 'multiselect') && pf.options.length === 0)
      add(`${at}.options`, 'minItems', `${f.label} has no choices to offer`);
  });

  def.hiddenFields.forEach((h, i) => {
    const at = `hiddenFields.${i}`;
    if (visible.has(h.key)) add(`${at}.key`, 'unique', `${h.key} is already a visible field`);
    if (h.key === 'email') add(`${at}.key`, 'email', 'the email cannot be a hidden field');
    const std = isStandard(h.key) ? standardFields[h.key] : null;
    const cf = custom.get(h.key);
    if (!std && !cf) {
      add(`${at}.key`, 'known', `${h.key} is neither a lead field nor a custom field`);
      return;
    }
    if (h.source !== 'fixed') return;
    if (h.value === undefined || h.value === null || h.value.trim() === '') {
      add(`${at}.value`, 'required', 'a fixed hidden field needs a value');
      return;
    }
    const checked = hiddenValue(h.key, h.value, custom);
    if (checked === undefined) add(`${at}.value`, 'type', `is not a valid value for ${h.key}`);
  });
  const hiddenKeys = def.hiddenFields.map((h) => h.key);
  if (new Set(hiddenKeys).size !== hiddenKeys.length)
    add('hiddenFields', 'unique', 'fills the same field twice');

  const consentKeys = new Set<string>();
  const purposes = new Set<string>();
  def.consents.forEach((c, i) => {
    if (consentKeys.has(c.key)) add(`consents.${i}.key`, 'unique', `${c.key} is on the form twice`);
    if (purposes.has(c.purpose))
      add(`consents.${i}.purpose`, 'unique', `another consent box already asks for ${c.purpose}`);
    consentKeys.add(c.key);
    purposes.add(c.purpose);
  });

  def.notify.forEach((id, i) => {
    if (!activeUsers.has(id)) add(`notify.${i}`, 'exists', `${id} is not an active user`);
  });
  if (def.doubleOptIn && !purposes.has('emailMarketing'))
    add('doubleOptIn', 'consent', 'double opt-in confirms email-marketing consent: add that consent box');
  if (def.status === 'published') {
    const email = def.fields.find((f) => f.key === 'email');
    if (!email) add('fields', 'email', 'a published form needs an email field to know who submitted it');
    else if (!email.required) add('fields', 'email', 'the email field of a published form must be required');
  }
  return out;
}

/** A hidden field's value as the lead field takes it; undefined when it does not fit. */
function hiddenValue(key: string, raw: string, custom: CustomDefs): unknown {
  if (isStandard(key)) {
    const std = standardFields[key];
    if (std.type === 'number') {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 0 && n <= std.max ? n : undefined;
    }
    return raw.slice(0, std.max);
  }
  const def = custom.get(key);
  if (!def || def.archived) return undefined;
  const value = def.type === 'text' ? raw.slice(0, 2000) : raw;
  const checked = checkCustomValue(def, value);
  return checked.ok ? checked.value : undefined;
}

/** What a submission carries, from whichever door it came in. */
export type RawSubmission = {
  values: Record<string, unknown>;
  consents: Record<string, boolean>;
  page?: { url?: string; title?: string; referrer?: string };
  utm?: Utm;
  /** The text version each consent showed, when the caller knows better than the form (HubSpot). */
  consentVersions?: Record<string, string>;
  /** Ignore values for names that are not fields of the form (the hosted page's own inputs). */
  lenient?: boolean;
};

export type CheckedSubmission = {
  errors: ErrorDetail[];
  email: string | null;
  /** The values to store on the submission. */
  values: Record<string, unknown>;
  lead: LeadInput;
  consents: Record<string, { purpose: string; given: boolean; textVersion: string | null }>;
  page: PageContext | undefined;
  utm: Utm | undefined;
  clickIds: ClickIds | undefined;
};

const utmKeys = ['source', 'medium', 'campaign', 'term', 'content'] as const;
const clickIdKeys = ['gclid', 'fbclid', 'msclkid', 'li_fat_id', 'ttclid'] as const;

function clip(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t ? t.slice(0, max) : undefined;
}

/** The page a submission came from; UTM values and click ids from its query unless given. */
export function pageContextOf(raw: RawSubmission['page'], given?: Utm) {
  let page: PageContext | undefined;
  const fromQuery: Utm = {};
  const clickIds: ClickIds = {};
  const url = clip(raw?.url, 2000);
  if (url) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
      page = { url: parsed.href.slice(0, 2000), path: parsed.pathname.slice(0, 1000) };
      const title = clip(raw?.title, 500);
      if (title) page.title = title;
      const referrer = clip(raw?.referrer, 2000);
      if (referrer) page.referrer = referrer;
      for (const k of utmKeys) {
        const v = clip(parsed.searchParams.get(`utm_${k}`), 200);
        if (v) fromQuery[k] = v;
      }
      for (const k of clickIdKeys) {
        const v = clip(parsed.searchParams.get(k), 500);
        if (v) clickIds[k] = v;
      }
    }
  }
  const utm: Utm = {};
  const source = given && Object.values(given).some((v) => clip(v, 200)) ? given : fromQuery;
  for (const k of utmKeys) {
    const v = clip(source[k], 200);
    if (v) utm[k] = v;
  }
  return {
    page,
    utm: Object.keys(utm).length > 0 ? utm : undefined,
    clickIds: Object.keys(clickIds).length > 0 ? clickIds : undefined,
  };
}

const hasNul = (v: unknown): boolean =>
  typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) && v.some(hasNul);

const blank = (v: unknown) =>
  v === undefined ||
  v === null ||
  (typeof v === 'string' && v.trim() === '') ||
  (Array.isArray(v) && v.length === 0);

/**
 * Checks a submission against the form: every field's rules (required, type, length, choices),
 * required consents; and builds the lead input. Field errors are named `fields.<key>`, consents
 * `consents.<key>`.
 */
export function checkSubmission(
  form: { id: string; slug: string; def: FormDefinition },
  fields: PublicField[],
  custom: CustomDefs,
  raw: RawSubmission,
  tokenConsents: Record<string, number> | null,
): CheckedSubmission {
  const errors: ErrorDetail[] = [];
  const add = (key: string, rule: string, message: string) =>
    errors.push({ field: `fields.${key}`, rule, message });
  const values: Record<string, unknown> = {};
  const lead: LeadInput = {};
  const customValues: Record<string, unknown> = {};
  let email: string | null = null;
  const byName = new Map(fields.map((f) => [f.name, f]));

  if (!raw.lenient) {
    for (const key of Object.keys(raw.values)) {
      if (!byName.has(key)) add(key, 'known', 'is not a field of this form');
    }
  }
  // NUL is no character a person types, and PostgreSQL cannot store it in text.
  const nulMessage = 'must not contain NUL characters';
  for (const [key, value] of Object.entries(raw.values))
    if (byName.has(key) && hasNul(value)) add(key, 'characters', nulMessage);
  for (const [part, record] of [
    ['page', raw.page],
    ['utm', raw.utm],
  ] as const) {
    for (const [key, value] of Object.entries(record ?? {}))
      if (hasNul(value)) errors.push({ field: `${part}.${key}`, rule: 'characters', message: nulMessage });
  }

  for (const f of fields) {
    const value = raw.values[f.name];
    if (blank(value) || (f.type === 'checkbox' && (value === false || value === 'false'))) {
      if (f.required) add(f.name, 'required', f.type === 'checkbox' ? 'must be ticked' : 'is required');
      continue;
    }
    if (isStandard(f.name)) {
      const std = standardFields[f.name];
      if (std.type === 'number') {
        const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
        if (!Number.isInteger(n)) add(f.name, 'type', 'must be a whole number');
        else if (n < 0 || n > std.max) add(f.name, 'range', `must be between 0 and ${std.max}`);
        else {
          (lead as Record<string, unknown>)[f.name] = n;
          values[f.name] = n;
        }
        continue;
      }
      if (typeof value !== 'string' && typeof value !== 'number') {
        add(f.name, 'type', 'must be text');
        continue;
      }
      const text = String(value).trim();
      if (text.length > std.max) {
        add(f.name, 'maxLength', `must be at most ${std.max} characters`);
        continue;
      }
      if (f.name === 'email') {
        const normal = normaliseEmail(text);
        if (!isValidEmail(normal)) {
          add(f.name, 'format', 'is not a valid email address');
          continue;
        }
        email = normal;
      }
      if (f.name === 'website' && !websiteLike(text)) {
        add(f.name, 'format', 'is not a web address');
        continue;
      }
      if (f.options.length > 0 && !f.options.includes(text)) {
        add(f.name, 'enum', `must be one of: ${f.options.join(', ')}`);
        continue;
      }
      (lead as Record<string, unknown>)[f.name] = f.name === 'email' ? email : text;
      values[f.name] = f.name === 'email' ? email : text;
      continue;
    }
    const def = custom.get(f.name);
    if (!def) continue; // the definition changed under the form; publicFieldOf already left it out
    let candidate: unknown = value;
    if (def.type === 'multiselect' && typeof value === 'string')
      candidate = value
        .split(/[;|]/)
        .map((v) => v.trim())
        .filter(Boolean);
    if ((def.type === 'select' || def.type === 'multiselect') && f.options.length > 0) {
      const list = Array.isArray(candidate) ? candidate : [candidate];
      const outside = list.filter((v) => typeof v !== 'string' || !f.options.includes(v.trim()));
      if (outside.length > 0) {
        add(f.name, 'enum', `must be one of: ${f.options.join(', ')}`);
        continue;
      }
    }
    if (def.type === 'text' && typeof candidate === 'string' && f.options.length > 0) {
      if (!f.options.includes(candidate.trim())) {
        add(f.name, 'enum', `must be one of: ${f.options.join(', ')}`);
        continue;
      }
    }
    const checked = checkCustomValue(def, candidate);
    if (!checked.ok) {
      add(f.name, checked.detail.rule, checked.detail.message);
      continue;
    }
    if (checked.value === null) {
      if (f.required) add(f.name, 'required', 'is required');
      continue;
    }
    customValues[f.name] = checked.value;
    values[f.name] = checked.value;
  }

  const { page, utm, clickIds } = pageContextOf(raw.page, raw.utm);
  for (const h of form.def.hiddenFields) {
    let source: string | undefined;
    switch (h.source) {
      case 'fixed':
        source = h.value ?? undefined;
        break;
      case 'page_url':
        source = page?.url;
        break;
      case 'referrer':
        source = page?.referrer;
        break;
      default:
        source = utm?.[h.source.slice(4) as keyof Utm];
    }
    if (source === undefined || source === '') continue;
    const v = hiddenValue(h.key, source, custom);
    if (v === undefined || v === null) continue;
    if (isStandard(h.key)) (lead as Record<string, unknown>)[h.key] = v;
    else customValues[h.key] = v;
    values[h.key] = v;
  }
  if (Object.keys(customValues).length > 0) lead.customFields = customValues as LeadInput['customFields'];

  const consents: CheckedSubmission['consents'] = {};
  const consentInput: NonNullable<LeadInput['consent']> = {};
  const known = new Set(form.def.consents.map((c) => c.key));
  if (!raw.lenient) {
    for (const key of Object.keys(raw.consents)) {
      if (!known.has(key))
        errors.push({ field: `consents.${key}`, rule: 'known', message: 'is not a consent of this form' });
    }
  }
  for (const c of form.def.consents) {
    const given = raw.consents[c.key] === true;
    const shown = tokenConsents?.[c.key];
    const textVersion =
      raw.consentVersions?.[c.key] ??
      (shown !== undefined && shown >= 1 && shown <= c.versionNumber
        ? consentVersionId(form.id, c.key, shown)
        : c.version);
    consents[c.key] = { purpose: c.purpose, given, textVersion };
    if (!given) {
      if (c.required)
        errors.push({ field: `consents.${c.key}`, rule: 'required', message: 'must be ticked to continue' });
      continue;
    }
    consentInput[c.purpose] = {
      status: c.purpose === 'emailMarketing' && form.def.doubleOptIn ? 'pending' : 'granted',
      textVersion,
      source: `form:${form.slug}`.slice(0, 100),
    };
  }
  if (Object.keys(consentInput).length > 0) lead.consent = consentInput;
  return { errors, email, values, lead, consents, page, utm, clickIds };
}

function websiteLike(text: string): boolean {
  const host = text
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .split(/[/?#]/)[0]!
    .replace(/:\d+$/, '')
    .replace(/\.$/, '');
  return /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host);
}

/** Known crawlers and automated clients that fill in forms they find (their posts are spam). */
const botAgent =
  /googlebot|bingbot|yandex(?:bot)?|baiduspider|duckduckbot|slurp|ahrefsbot|semrushbot|mj12bot|dotbot|petalbot|bytespider|gptbot|ccbot|claudebot|amazonbot|applebot|facebookexternalhit|twitterbot|linkedinbot|\bcrawler\b|\bspider\b|\bbot\b|scrapy|headless ?bot/i;

export function isBotAgent(userAgent: string | undefined): boolean {
  return !!userAgent && botAgent.test(userAgent);
}
