/**
 * Checks a batch from the snippet (or any client) and turns it into clean events: every problem is
 * named by its path (`events[3].page.url`) and rule; times are corrected for the client's clock and
 * clamped to a sane window. Pure: no I/O, never throws on any input.
 */
import type { ClickIds, PageContext, Utm } from '../../../contracts/capture.ts';
import type { LeadInput } from '../../../contracts/leads.ts';
import { type StandardField, standardFields } from '../../../contracts/leads.ts';
import { trackLimits } from '../../../contracts/tracking.ts';
import type { ErrorDetail } from '../../platform/errors.ts';
import { isValidEmail, normaliseEmail } from '../leads/index.ts';

export type PageEvent = {
  type: 'page';
  at: number;
  page: PageContext;
  utm?: Utm;
  clickIds?: ClickIds;
  landing?: boolean;
};
export type CustomEvent = {
  type: 'event';
  at: number;
  name: string;
  props?: Record<string, unknown>;
  page?: PageContext;
  utm?: Utm;
  clickIds?: ClickIds;
};
export type IdentifyEvent = { type: 'identify'; at: number; traits: LeadInput };
export type TrackEvent = PageEvent | CustomEvent | IdentifyEvent;
export type TrackBatch = { visitorId: string; events: TrackEvent[] };

export const visitorIdPattern = /^[A-Za-z0-9_-]{8,64}$/;
const utmKeys = ['source', 'medium', 'campaign', 'term', 'content'] as const;
const clickIdKeys = ['gclid', 'fbclid', 'msclkid', 'li_fat_id', 'ttclid'] as const;
const eventKeys = {
  page: ['type', 'at', 'page', 'utm', 'clickIds', 'landing'],
  event: ['type', 'at', 'name', 'props', 'page', 'utm', 'clickIds'],
  identify: ['type', 'at', 'traits'],
} as const;
const maxDetails = 50;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export type ParseResult = { ok: true; batch: TrackBatch } | { ok: false; details: ErrorDetail[] };

/** Validates a batch; `now` is the server's time, which corrects and bounds the client's. */
export function parseBatch(raw: unknown, now: number): ParseResult {
  const details: ErrorDetail[] = [];
  const problem = (field: string, rule: string, message: string) => {
    if (details.length < maxDetails) details.push({ field, rule, message });
  };
  if (!isObj(raw)) {
    problem('body', 'type', 'must be a JSON object { visitorId, events }');
    return { ok: false, details };
  }
  for (const key of Object.keys(raw))
    if (key !== 'visitorId' && key !== 'events' && key !== 'sentAt')
      problem(key, 'known', 'is not a known field');

  const visitorId = raw.visitorId;
  if (typeof visitorId !== 'string') problem('visitorId', 'required', 'is required (a string)');
  else if (!visitorIdPattern.test(visitorId))
    problem('visitorId', 'pattern', 'must be 8 to 64 letters, digits, _ or -');

  // The client's clock may be off: shift its times by the difference between its sending time and ours.
  let offset = 0;
  if (raw.sentAt !== undefined) {
    const sent = timeOf(raw.sentAt);
    if (sent === null) problem('sentAt', 'format', 'must be epoch milliseconds or an ISO 8601 date-time');
    else offset = now - sent;
  }

  const events: TrackEvent[] = [];
  if (!Array.isArray(raw.events)) problem('events', 'required', 'is required (an array of events)');
  else if (raw.events.length === 0) problem('events', 'minItems', 'must hold at least one event');
  else if (raw.events.length > trackLimits.eventsPerBatch)
    problem('events', 'maxItems', `must hold at most ${trackLimits.eventsPerBatch} events`);
  else {
    raw.events.forEach((e, i) => {
      const ev = parseEvent(e, `events[${i}]`, now, offset, problem);
      if (ev) events.push(ev);
    });
  }
  if (details.length > 0) return { ok: false, details };
  return { ok: true, batch: { visitorId: visitorId as string, events } };
}

type Problem = (field: string, rule: string, message: string) => void;

/** Names the first string (value or key) holding a NUL character; true when there was one. */
function nulIn(value: unknown, at: string, problem: Problem): boolean {
  const found = nulPath(value, 0);
  if (found === null) return false;
  problem(`${at}${found}`, 'characters', 'must not contain NUL characters');
  return true;
}

/** The path below `value` to the first NUL character ('' for value itself), or null: built only when found. */
function nulPath(value: unknown, depth: number): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? '' : null;
  if (typeof value !== 'object' || value === null || depth > 20) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = nulPath(value[i], depth + 1);
      if (below !== null) return `[${i}]${below}`;
    }
    return null;
  }
  for (const k in value) {
    if (k.includes('\u0000')) return '';
    const below = nulPath((value as Obj)[k], depth + 1);
    if (below !== null) return `.${k}${below}`;
  }
  return null;
}

function parseEvent(
  e: unknown,
  at: string,
  now: number,
  offset: number,
  problem: Problem,
): TrackEvent | null {
  if (!isObj(e)) {
    problem(at, 'type', 'must be an object');
    return null;
  }
  // NUL is in no page, name or trait a browser sends, and PostgreSQL cannot store it in text.
  if (nulIn(e, at, problem)) return null;
  const type = e.type;
  if (type !== 'page' && type !== 'event' && type !== 'identify') {
    problem(`${at}.type`, 'enum', 'must be one of: page, event, identify');
    return null;
  }
  const allowed: readonly string[] = eventKeys[type];
  for (const key of Object.keys(e))
    if (!allowed.includes(key)) problem(`${at}.${key}`, 'known', `is not a field of a ${type} event`);
  let time = now;
  if (e.at !== undefined) {
    const t = timeOf(e.at);
    if (t === null) problem(`${at}.at`, 'format', 'must be epoch milliseconds or an ISO 8601 date-time');
    else time = Math.min(now, Math.max(now - trackLimits.maxAgeMs, Math.round(t + offset)));
  }
  switch (type) {
    case 'page': {
      const page = e.page === undefined ? null : pageOf(e.page, `${at}.page`, problem);
      if (e.page === undefined) problem(`${at}.page`, 'required', 'is required for a page event');
      const utm =
        e.utm === undefined
          ? undefined
          : stringMap(e.utm, `${at}.utm`, utmKeys, trackLimits.utmLength, problem);
      const clickIds =
        e.clickIds === undefined
          ? undefined
          : stringMap(e.clickIds, `${at}.clickIds`, clickIdKeys, trackLimits.clickIdLength, problem);
      if (e.landing !== undefined && typeof e.landing !== 'boolean')
        problem(`${at}.landing`, 'type', 'must be true or false');
      if (!page) return null;
      return {
        type,
        at: time,
        page,
        ...(utm ? { utm } : {}),
        ...(clickIds ? { clickIds } : {}),
        ...(e.landing === true ? { landing: true } : {}),
      };
    }
    case 'event': {
      let name: string | null = null;
      if (typeof e.name !== 'string') problem(`${at}.name`, 'required', 'is required (a string)');
      else if (e.name.trim() === '' || e.name.length > trackLimits.nameLength)
        problem(`${at}.name`, 'length', `must be 1 to ${trackLimits.nameLength} characters`);
      else name = e.name.trim();
      let props: Record<string, unknown> | undefined;
      if (e.props !== undefined) {
        if (!isObj(e.props)) problem(`${at}.props`, 'type', 'must be an object');
        else if (JSON.stringify(e.props).length > trackLimits.propsBytes)
          problem(`${at}.props`, 'maxLength', `must be at most ${trackLimits.propsBytes} characters as JSON`);
        else props = e.props;
      }
      const page = e.page === undefined ? undefined : pageOf(e.page, `${at}.page`, problem);
      const utm =
        e.utm === undefined
          ? undefined
          : stringMap(e.utm, `${at}.utm`, utmKeys, trackLimits.utmLength, problem);
      const clickIds =
        e.clickIds === undefined
          ? undefined
          : stringMap(e.clickIds, `${at}.clickIds`, clickIdKeys, trackLimits.clickIdLength, problem);
      if (name === null || page === null) return null;
      return {
        type,
        at: time,
        name,
        ...(props ? { props } : {}),
        ...(page ? { page } : {}),
        ...(utm ? { utm } : {}),
        ...(clickIds ? { clickIds } : {}),
      };
    }
    case 'identify': {
      const traits = traitsOf(e.traits, `${at}.traits`, problem);
      return traits ? { type, at: time, traits } : null;
    }
  }
}

function timeOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 && v < 1e14 ? v : null;
  if (typeof v === 'string' && v.length <= 40 && /^\d{4}-\d\d-\d\dT/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

function pageOf(v: unknown, at: string, problem: Problem): PageContext | null {
  if (!isObj(v)) {
    problem(at, 'type', 'must be an object { url, path, title, referrer }');
    return null;
  }
  let ok = true;
  for (const key of Object.keys(v))
    if (!['url', 'path', 'title', 'referrer'].includes(key)) {
      problem(`${at}.${key}`, 'known', 'is not a known field');
      ok = false;
    }
  let url: URL | null = null;
  if (typeof v.url !== 'string') problem(`${at}.url`, 'required', 'is required (a string)');
  else if (v.url.length > trackLimits.urlLength)
    problem(`${at}.url`, 'maxLength', `must be at most ${trackLimits.urlLength} characters`);
  else {
    url = URL.canParse(v.url) ? new URL(v.url) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problem(`${at}.url`, 'format', 'must be an absolute http(s) URL');
      url = null;
    }
  }
  const text = (key: 'path' | 'title' | 'referrer', max: number): string | undefined => {
    const value = v[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      problem(`${at}.${key}`, 'type', 'must be a string');
      ok = false;
      return undefined;
    }
    if (value.length > max) {
      problem(`${at}.${key}`, 'maxLength', `must be at most ${max} characters`);
      ok = false;
      return undefined;
    }
    return value;
  };
  const path = text('path', trackLimits.urlLength);
  const title = text('title', trackLimits.titleLength);
  const referrer = text('referrer', trackLimits.urlLength);
  if (path !== undefined && !path.startsWith('/')) {
    problem(`${at}.path`, 'format', 'must start with /');
    ok = false;
  }
  if (!url || !ok) return null;
  return {
    url: url.href,
    path: path ?? url.pathname,
    ...(title?.trim() ? { title: title.trim() } : {}),
    ...(referrer !== undefined ? { referrer } : {}),
  };
}

function stringMap<K extends string>(
  v: unknown,
  at: string,
  keys: readonly K[],
  max: number,
  problem: Problem,
): Partial<Record<K, string>> | undefined | null {
  if (!isObj(v)) {
    problem(at, 'type', `must be an object with ${keys.join(', ')}`);
    return null;
  }
  const out: Partial<Record<K, string>> = {};
  let ok = true;
  for (const [key, value] of Object.entries(v)) {
    if (!(keys as readonly string[]).includes(key)) {
      problem(`${at}.${key}`, 'known', `is not one of ${keys.join(', ')}`);
      ok = false;
    } else if (value === null || value === undefined) {
      // nothing to keep
    } else if (typeof value !== 'string') {
      problem(`${at}.${key}`, 'type', 'must be a string');
      ok = false;
    } else if (value.length > max) {
      problem(`${at}.${key}`, 'maxLength', `must be at most ${max} characters`);
      ok = false;
    } else if (value.trim() !== '') out[key as K] = value.trim();
  }
  if (!ok) return null;
  return Object.keys(out).length > 0 ? out : undefined;
}

const traitKeys = Object.keys(standardFields) as StandardField[];

function traitsOf(v: unknown, at: string, problem: Problem): LeadInput | null {
  if (!isObj(v)) {
    problem(at, 'required', 'is required (an object such as { email, firstName })');
    return null;
  }
  const out: Record<string, unknown> = {};
  let ok = true;
  for (const [key, value] of Object.entries(v)) {
    const spec = (standardFields as Record<string, { type: string; max: number }>)[key];
    if (!spec) {
      problem(`${at}.${key}`, 'known', `is not a lead field (${traitKeys.join(', ')})`);
      ok = false;
      continue;
    }
    if (value === null || value === undefined || value === '') continue;
    if (spec.type === 'number') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > spec.max) {
        problem(`${at}.${key}`, 'type', `must be a whole number from 0 to ${spec.max}`);
        ok = false;
      } else out[key] = value;
      continue;
    }
    if (typeof value !== 'string') {
      problem(`${at}.${key}`, 'type', 'must be a string');
      ok = false;
    } else if (value.length > spec.max) {
      problem(`${at}.${key}`, 'maxLength', `must be at most ${spec.max} characters`);
      ok = false;
    } else if (key === 'email') {
      const email = normaliseEmail(value);
      if (!isValidEmail(email)) {
        problem(`${at}.email`, 'format', 'is not a valid email address');
        ok = false;
      } else out.email = email;
    } else if (value.trim() !== '') out[key] = value.trim();
  }
  return ok ? (out as LeadInput) : null;
}
