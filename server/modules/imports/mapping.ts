/**
 * From CSV columns to lead fields: header auto-mapping with presets for the contact and lead
 * exports of HubSpot, Salesforce, Mautic and Pipedrive, and the conversion of one row's values
 * (lifecycle stages, dates, employee counts, full names) into a lead input. Pure functions.
 */
import {
  type FixedTarget,
  fixedTargets,
  type ImportMapping,
  type ImportPreset,
  type RowProblem,
} from '../../../contracts/imports.ts';
import {
  type LeadInput,
  type LifecycleStage,
  lifecycleStages,
  type StandardField,
  standardFields,
} from '../../../contracts/leads.ts';

/** Lower-case letters and digits only: "Country/Region" → "countryregion". */
export function normHeader(header: string): string {
  return header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

type Dict = Record<string, string>;

// Headers as each tool writes them in its contact/lead export (normalised), most specific first.
const hubspot: Dict = {
  recordid: 'externalId:hubspot',
  contactid: 'externalId:hubspot',
  firstname: 'firstName',
  lastname: 'lastName',
  email: 'email',
  phonenumber: 'phone',
  mobilephonenumber: 'phone',
  jobtitle: 'jobTitle',
  companyname: 'companyName',
  associatedcompany: 'companyName',
  websiteurl: 'website',
  countryregion: 'country',
  country: 'country',
  city: 'city',
  industry: 'industry',
  numberofemployees: 'companySize',
  lifecyclestage: 'lifecycleStage',
  createdate: 'createdAt',
  originalsource: 'originalSource',
};

const salesforce: Dict = {
  id: 'externalId:salesforce',
  leadid: 'externalId:salesforce',
  contactid: 'externalId:salesforce',
  firstname: 'firstName',
  lastname: 'lastName',
  name: 'fullName',
  company: 'companyName',
  companyaccount: 'companyName',
  accountname: 'companyName',
  email: 'email',
  phone: 'phone',
  mobilephone: 'phone',
  title: 'jobTitle',
  website: 'website',
  country: 'country',
  mailingcountry: 'country',
  city: 'city',
  mailingcity: 'city',
  industry: 'industry',
  numberofemployees: 'companySize',
  employees: 'companySize',
  status: 'lifecycleStage',
  leadstatus: 'lifecycleStage',
  createddate: 'createdAt',
  createdate: 'createdAt',
  leadsource: 'originalSource',
};

const mautic: Dict = {
  id: 'externalId:mautic',
  firstname: 'firstName',
  lastname: 'lastName',
  email: 'email',
  company: 'companyName',
  position: 'jobTitle',
  phone: 'phone',
  mobile: 'phone',
  website: 'website',
  country: 'country',
  city: 'city',
  stage: 'lifecycleStage',
  dateadded: 'createdAt',
};

// Pipedrive prefixes person columns with "Person - " in some exports; both spellings are listed.
const pipedrive: Dict = {
  personid: 'externalId:pipedrive',
  id: 'externalId:pipedrive',
  personname: 'fullName',
  name: 'fullName',
  personfirstname: 'firstName',
  firstname: 'firstName',
  personlastname: 'lastName',
  lastname: 'lastName',
  personemail: 'email',
  personemailwork: 'email',
  email: 'email',
  emailwork: 'email',
  personphone: 'phone',
  personphonework: 'phone',
  phone: 'phone',
  phonework: 'phone',
  personphonemobile: 'phone',
  personorganization: 'companyName',
  organization: 'companyName',
  organizationname: 'companyName',
  personjobtitle: 'jobTitle',
  jobtitle: 'jobTitle',
  organizationwebsite: 'website',
  organizationnumberofemployees: 'companySize',
  organizationindustry: 'industry',
  organizationcountry: 'country',
  personcity: 'city',
  personcountry: 'country',
  personpersoncreated: 'createdAt',
  personcreated: 'createdAt',
  addtime: 'createdAt',
};

/** Common spellings of any tool (and Leadloop's own export), tried after the preset's. */
const generic: Dict = {
  email: 'email',
  emailaddress: 'email',
  mail: 'email',
  workemail: 'email',
  firstname: 'firstName',
  givenname: 'firstName',
  forename: 'firstName',
  first: 'firstName',
  lastname: 'lastName',
  surname: 'lastName',
  familyname: 'lastName',
  last: 'lastName',
  fullname: 'fullName',
  name: 'fullName',
  contactname: 'fullName',
  phone: 'phone',
  phonenumber: 'phone',
  tel: 'phone',
  mobile: 'phone',
  mobilephone: 'phone',
  jobtitle: 'jobTitle',
  title: 'jobTitle',
  position: 'jobTitle',
  role: 'jobTitle',
  company: 'companyName',
  companyname: 'companyName',
  organization: 'companyName',
  organisation: 'companyName',
  accountname: 'companyName',
  website: 'website',
  websiteurl: 'website',
  url: 'website',
  web: 'website',
  homepage: 'website',
  country: 'country',
  countryregion: 'country',
  countrycode: 'country',
  city: 'city',
  town: 'city',
  industry: 'industry',
  sector: 'industry',
  companysize: 'companySize',
  employees: 'companySize',
  numberofemployees: 'companySize',
  headcount: 'companySize',
  lifecyclestage: 'lifecycleStage',
  stage: 'lifecycleStage',
  createdat: 'createdAt',
  createdate: 'createdAt',
  createddate: 'createdAt',
  datecreated: 'createdAt',
  dateadded: 'createdAt',
  signupdate: 'createdAt',
  originalsource: 'originalSource',
  leadsource: 'originalSource',
  // German, French, Spanish and Dutch exports of the same fields.
  vorname: 'firstName',
  nachname: 'lastName',
  firma: 'companyName',
  unternehmen: 'companyName',
  telefon: 'phone',
  stadt: 'city',
  ort: 'city',
  land: 'country',
  branche: 'industry',
  prenom: 'firstName',
  nom: 'lastName',
  societe: 'companyName',
  entreprise: 'companyName',
  telephone: 'phone',
  ville: 'city',
  pays: 'country',
  courriel: 'email',
  nombre: 'firstName',
  apellido: 'lastName',
  apellidos: 'lastName',
  empresa: 'companyName',
  telefono: 'phone',
  ciudad: 'city',
  pais: 'country',
  correo: 'email',
  correoelectronico: 'email',
  voornaam: 'firstName',
  achternaam: 'lastName',
  bedrijf: 'companyName',
  plaats: 'city',
};

const presetDicts: Record<Exclude<ImportPreset, 'auto'>, Dict> = { hubspot, salesforce, mautic, pipedrive };

// Headers that only one tool writes: how `auto` recognises an export.
const signatures: Record<Exclude<ImportPreset, 'auto'>, (raw: string, norm: string) => boolean> = {
  hubspot: (_raw, n) =>
    [
      'recordid',
      'lifecyclestage',
      'createdate',
      'countryregion',
      'websiteurl',
      'phonenumber',
      'originalsource',
      'contactowner',
      'leadstatus',
      'lastactivitydate',
    ].includes(n),
  salesforce: (raw, n) =>
    /^[A-Z][a-z]+(?:[A-Z][a-z]+)+$|^Id$/.test(raw) ||
    ['leadsource', 'isconverted', 'ownerid', 'leadid', 'companyaccount'].includes(n),
  mautic: (raw, n) =>
    /^[a-z]+(?:_[a-z]+)*$/.test(raw) &&
    ['dateadded', 'datemodified', 'points', 'stage', 'position', 'lastactive', 'dateidentified'].includes(n),
  pipedrive: (raw) => /^(Person|Organization|Organisation) - /.test(raw),
};

/** Which tool a set of headers most likely came from, or null when nothing tells. */
export function detectPreset(headers: string[]): Exclude<ImportPreset, 'auto'> | null {
  let best: { preset: Exclude<ImportPreset, 'auto'>; score: number } | null = null;
  for (const preset of Object.keys(signatures) as Exclude<ImportPreset, 'auto'>[]) {
    const score = headers.filter((h) => signatures[preset](h.trim(), normHeader(h))).length;
    if (score >= 2 && (!best || score > best.score)) best = { preset, score };
  }
  return best?.preset ?? null;
}

/**
 * The suggested mapping for a file's headers: the preset's names first, then common spellings,
 * then custom fields by key or label. Each target is given to one column at most (the first).
 */
export function suggestMapping(
  headers: string[],
  preset: ImportPreset,
  customFields: { key: string; label: string }[] = [],
): { mapping: ImportMapping; detected: Exclude<ImportPreset, 'auto'> | null } {
  const detected = preset === 'auto' ? detectPreset(headers) : null;
  const chosen = preset === 'auto' ? detected : preset;
  const dicts = [...(chosen ? [presetDicts[chosen]] : []), generic];
  const custom = new Map<string, string>();
  for (const f of customFields) {
    custom.set(normHeader(f.key), `cf.${f.key}`);
    custom.set(normHeader(`cf.${f.key}`), `cf.${f.key}`);
    if (!custom.has(normHeader(f.label))) custom.set(normHeader(f.label), `cf.${f.key}`);
  }
  const taken = new Set<string>();
  const mapping: ImportMapping = {};
  for (const header of headers) {
    const n = normHeader(header);
    let target: string | undefined;
    for (const dict of dicts) {
      target = dict[n];
      if (target) break;
    }
    target ??= custom.get(n);
    // A generic "id" means nothing without knowing the tool.
    if (target && !taken.has(target)) {
      taken.add(target);
      mapping[header] = target;
    } else mapping[header] = null;
  }
  return { mapping, detected };
}

// ── Values ──────────────────────────────────────────────────────────────────

const stageAliases: Record<string, LifecycleStage> = {
  subscriber: 'subscriber',
  newslettersubscriber: 'subscriber',
  lead: 'lead',
  new: 'lead',
  open: 'lead',
  opennotcontacted: 'lead',
  other: 'lead',
  mql: 'mql',
  marketingqualifiedlead: 'mql',
  marketingqualified: 'mql',
  sal: 'sal',
  salesacceptedlead: 'sal',
  salesaccepted: 'sal',
  workingcontacted: 'sal',
  working: 'sal',
  contacted: 'sal',
  sql: 'sql',
  salesqualifiedlead: 'sql',
  salesqualified: 'sql',
  qualified: 'sql',
  closedconverted: 'sql',
  converted: 'sql',
  opportunity: 'opportunity',
  customer: 'customer',
  evangelist: 'customer',
  won: 'customer',
  closedwon: 'customer',
  disqualified: 'disqualified',
  unqualified: 'disqualified',
  closednotconverted: 'disqualified',
  recycled: 'recycled',
  nurture: 'recycled',
  nurturing: 'recycled',
};

/** A lifecycle stage from how HubSpot, Salesforce, Mautic or people write it; null when unknown. */
export function stageOf(value: string): LifecycleStage | null {
  const n = normHeader(value);
  if ((lifecycleStages as readonly string[]).includes(n)) return n as LifecycleStage;
  return stageAliases[n] ?? null;
}

const isoLike =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;
const slashed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;
const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : null;
}

/**
 * A date-time from what exports write: ISO 8601 (a missing zone is UTC), "2024-03-01 14:05",
 * US "3/1/2024 2:05 PM" (day first when the first number is above 12), "01.03.2024", or epoch
 * milliseconds. Returns epoch ms, or null when it is not a date.
 */
export function parseDate(value: string): number | null {
  const v = value.trim();
  let m = isoLike.exec(v);
  if (m) {
    const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
    const t = utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), ms);
    if (t === null) return null;
    const zone = m[8]?.toUpperCase();
    if (!zone || zone === 'Z' || zone === 'UTC' || zone === 'GMT') return t;
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    return z[1] === '+' ? t - offset : t + offset;
  }
  m = slashed.exec(v);
  if (m) {
    let [a, b] = [+m[1]!, +m[2]!];
    if (a > 12) [a, b] = [b, a]; // 25/12/2024 can only be day first
    let h = +(m[4] ?? 0);
    const ampm = m[7]?.toLowerCase();
    if (ampm) {
      if (h < 1 || h > 12) return null;
      h = (h % 12) + (ampm === 'pm' ? 12 : 0);
    }
    return utc(+m[3]!, a, b, h, +(m[5] ?? 0), +(m[6] ?? 0));
  }
  m = dotted.exec(v);
  if (m) return utc(+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  if (/^\d{12,13}$/.test(v)) return Number(v);
  return null;
}

/** Employees from "250", "1,200", "1.200", "51-200" (the lower bound) or "10000+"; null when not a number. */
export function parseEmployees(value: string): number | null {
  const v = value.trim();
  const range = /^(\d[\d,.' ]*)\s*(?:-|–|to)\s*\d[\d,.' ]*$/.exec(v) ?? /^(\d[\d,.' ]*)\+$/.exec(v);
  const raw = range ? range[1]!.trim() : v;
  let digits: string;
  if (/^\d+$/.test(raw)) digits = raw;
  else if (/^\d{1,3}(?:([,.' ])\d{3})(?:\1\d{3})*$/.test(raw)) digits = raw.replace(/[,.' ]/g, '');
  else if (/^\d+\.0+$/.test(raw)) digits = raw.split('.')[0]!;
  else return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) && n <= 10_000_000 ? n : null;
}

/** "Ada King Lovelace" → first "Ada King", last "Lovelace"; one word is a first name. */
export function splitName(full: string): { firstName: string; lastName: string | null } {
  const words = full.trim().split(/\s+/);
  if (words.length === 1) return { firstName: words[0]!, lastName: null };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1)! };
}

// ── Rows ────────────────────────────────────────────────────────────────────

export type CompiledColumn = { index: number; header: string; target: string };

export type MappedRow =
  | { kind: 'blank' }
  | {
      kind: 'lead';
      input: LeadInput;
      problems: RowProblem[];
      /** A CRM's "Original Source" / LeadSource: recorded on the row's touchpoint for attribution. */
      originalSource?: string;
    }
  | { kind: 'failed'; problems: RowProblem[] };

/** Checks a mapping against the file's headers and the known targets; returns the problems found. */
export function mappingProblems(
  mapping: ImportMapping,
  headers: string[],
  customKeys: Set<string>,
): { field: string; rule: string; message: string }[] {
  const problems: { field: string; rule: string; message: string }[] = [];
  const known = new Set(headers);
  const seen = new Map<string, string>();
  for (const [header, target] of Object.entries(mapping)) {
    const field = `mapping.${header}`;
    if (!known.has(header)) {
      problems.push({ field, rule: 'column', message: `the file has no column "${header}"` });
      continue;
    }
    if (target === null) continue;
    if (target.startsWith('cf.')) {
      if (!customKeys.has(target.slice(3)))
        problems.push({
          field,
          rule: 'customField',
          message: `"${target.slice(3)}" is not a custom field (create it, or list it in createCustomFields)`,
        });
    } else if (!target.startsWith('externalId:') && !(fixedTargets as string[]).includes(target)) {
      problems.push({ field, rule: 'target', message: `"${target}" is not a lead field` });
    }
    const other = seen.get(target);
    if (other !== undefined)
      problems.push({ field, rule: 'unique', message: `"${other}" is already mapped to ${target}` });
    seen.set(target, header);
  }
  return problems;
}

/** The columns of a mapping, by position in the file. */
export function compileMapping(mapping: ImportMapping, headers: string[]): CompiledColumn[] {
  const out: CompiledColumn[] = [];
  headers.forEach((header, index) => {
    const target = mapping[header];
    if (target) out.push({ index, header, target });
  });
  return out;
}

const maxOf = (field: StandardField): number => standardFields[field].max;

/**
 * One CSV record as a lead input, or the problems that keep it out. `headerCount` checks ragged
 * rows: fewer values than headers is an error; more is accepted only when the extra ones are blank
 * (a trailing delimiter).
 */
export function mapRow(
  fields: string[],
  headerCount: number,
  columns: CompiledColumn[],
  now: number,
): MappedRow {
  if (fields.every((f) => f.trim() === '')) return { kind: 'blank' };
  if (
    fields.length < headerCount ||
    (fields.length > headerCount && fields.slice(headerCount).some((f) => f.trim() !== ''))
  ) {
    return {
      kind: 'failed',
      problems: [
        {
          column: null,
          field: 'row',
          rule: 'columns',
          message: `has ${fields.length} values; the header has ${headerCount}`,
        },
      ],
    };
  }
  const input: Record<string, unknown> = {};
  const problems: RowProblem[] = [];
  let originalSource: string | undefined;
  const fail = (column: string, field: string, rule: string, message: string) =>
    problems.push({ column, field, rule, message });
  for (const c of columns) {
    const raw = fields[c.index]!;
    const value = raw.trim();
    if (value === '') continue;
    const target = c.target;
    if (target.startsWith('cf.')) {
      const key = target.slice(3);
      if (value.length > 2000) fail(c.header, target, 'maxLength', 'must be at most 2000 characters');
      else
        input.customFields = { ...(input.customFields as Record<string, string> | undefined), [key]: value };
      continue;
    }
    if (target.startsWith('externalId:')) {
      if (value.length > 200) {
        fail(c.header, target, 'maxLength', 'must be at most 200 characters');
        continue;
      }
      const ids = (input.externalIds as { system: string; id: string }[] | undefined) ?? [];
      ids.push({ system: target.slice('externalId:'.length), id: value });
      input.externalIds = ids;
      continue;
    }
    switch (target as FixedTarget) {
      case 'lifecycleStage': {
        const stage = stageOf(value);
        if (stage) input.lifecycleStage = stage;
        else
          fail(
            c.header,
            'lifecycleStage',
            'enum',
            `"${value.slice(0, 80)}" is not a lifecycle stage (${lifecycleStages.join(', ')})`,
          );
        break;
      }
      case 'createdAt': {
        const t = parseDate(value);
        if (t === null) fail(c.header, 'createdAt', 'format', `"${value.slice(0, 80)}" is not a date`);
        else if (t > now + 86_400_000) fail(c.header, 'createdAt', 'past', 'is in the future');
        else input.createdAt = new Date(t).toISOString();
        break;
      }
      case 'originalSource':
        if (value.length > 200)
          fail(c.header, 'originalSource', 'maxLength', 'must be at most 200 characters');
        else originalSource = value;
        break;
      case 'companySize': {
        const n = parseEmployees(value);
        if (n === null)
          fail(c.header, 'companySize', 'type', `"${value.slice(0, 80)}" is not a number of employees`);
        else input.companySize = n;
        break;
      }
      case 'fullName': {
        const { firstName, lastName } = splitName(value);
        if (input.firstName === undefined) input.firstName = firstName;
        if (input.lastName === undefined && lastName) input.lastName = lastName;
        break;
      }
      case 'email':
      case 'firstName':
      case 'lastName':
      case 'phone':
      case 'jobTitle':
      case 'companyName':
      case 'website':
      case 'country':
      case 'city':
      case 'industry': {
        const field = target as StandardField;
        if (value.length > maxOf(field))
          fail(c.header, field, 'maxLength', `must be at most ${maxOf(field)} characters`);
        else input[field] = value;
        break;
      }
      default:
        fail(c.header, target, 'target', `"${target}" is not a lead field`);
    }
  }
  if (problems.length > 0) return { kind: 'failed', problems };
  return {
    kind: 'lead',
    input: input as LeadInput,
    problems,
    ...(originalSource !== undefined ? { originalSource } : {}),
  };
}
