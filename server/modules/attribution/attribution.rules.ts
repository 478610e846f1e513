/**
 * Channel classification, pure: what a touchpoint says about how a visit arrived (UTM values,
 * referrer, click ids, landing page, or a CRM's "original source"), whether it is a touch at all,
 * and which channel an ordered rule set gives it (the first matching rule wins, then a fixed
 * fallback). The same functions serve inline classification, history reclassification and the
 * rule editor's live test, so the three can never disagree.
 */
import type {
  ChannelRule,
  DomainList,
  RuleCondition,
  RuleSetDefinition,
} from '../../../contracts/attribution.ts';
import { clickIdNames, domainLists } from '../../../contracts/attribution.ts';
import { type Channel, channelLabels, channels } from '../../../contracts/capture.ts';
import type { ErrorDetail } from '../../platform/errors.ts';

/** Touchpoint types recorded on the web (contracts/capture.ts). */
export const webTypes = ['page_viewed', 'form_submitted', 'event'] as const;
/** Touchpoint types whose properties may carry a CRM's original source (imports). */
export const originalSourceTypes = ['created', 'imported', 'updated'] as const;
/** Every type the classifier looks at (and reclassification walks). */
export const classifiedTypes: readonly string[] = [...webTypes, ...originalSourceTypes];

const maxValue = 200;

/** What one touchpoint tells about its visit, normalised (lower-cased, trimmed). */
export type Facts =
  | {
      kind: 'web';
      type: string;
      source: string | null;
      medium: string | null;
      campaign: string | null;
      clickIds: string[];
      /** The full referrer URL, when one was sent. */
      referrer: string | null;
      referrerHost: string | null;
      /** True when the touchpoint says there was no referrer ('' or null), false when it says nothing. */
      referrerKnownEmpty: boolean;
      pageHost: string | null;
      landingPath: string | null;
      /** The page's URL without query string or fragment. */
      landingPage: string | null;
      landing: boolean | undefined;
      tracked: boolean;
    }
  | { kind: 'original'; type: string; value: string };

type Props = Record<string, unknown>;

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t.slice(0, maxValue * 10);
}

function norm(v: unknown): string | null {
  const t = text(v);
  return t === null ? null : t.slice(0, maxValue).toLowerCase();
}

function obj(v: unknown): Props | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Props) : null;
}

function parseUrl(raw: string | null): URL | null {
  if (!raw) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** A host without a leading www. */
export function bareHost(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h.startsWith('www.') ? h.slice(4) : h;
}

/** The referrer's host, from a URL or a bare domain. */
function hostOfReferrer(raw: string): string | null {
  const url = parseUrl(raw) ?? parseUrl(`https://${raw}`);
  if (!url?.hostname.includes('.')) return url?.hostname || null;
  return url.hostname.toLowerCase();
}

/**
 * The facts of a touchpoint, or null when its type carries no marketing meaning. Reads the shape of
 * contracts/capture.ts (page, utm, clickIds), and also a flat shape (`url`, `referrer`,
 * `utm_source`…) as the demo data and older API callers write it; UTM values and click ids missing
 * from both are read from the page URL's query string.
 */
export function factsOf(type: string, properties: Props): Facts | null {
  if ((originalSourceTypes as readonly string[]).includes(type)) {
    const value = text(properties.originalSource);
    return value ? { kind: 'original', type, value: value.slice(0, maxValue) } : null;
  }
  if (!(webTypes as readonly string[]).includes(type)) return null;
  const page = obj(properties.page);
  const utm = obj(properties.utm);
  const clicks = obj(properties.clickIds);
  const rawUrl =
    text(page?.url) ??
    text(properties.url) ??
    (typeof properties.page === 'string' ? text(properties.page) : null);
  const url = parseUrl(rawUrl);
  const query = url?.searchParams;
  const pick = (key: 'source' | 'medium' | 'campaign') =>
    norm(utm?.[key]) ?? norm(properties[`utm_${key}`]) ?? norm(query?.get(`utm_${key}`) ?? null);
  const clickIds = clickIdNames.filter(
    (name) => text(clicks?.[name]) !== null || text(properties[name]) !== null || !!query?.get(name),
  );
  // Where the referrer lives: the page context (capture.ts), or a flat `referrer` key.
  let referrer: string | null = null;
  let referrerKnownEmpty = false;
  if (page) {
    referrer = text(page.referrer);
    referrerKnownEmpty = referrer === null;
  } else if ('referrer' in properties) {
    referrer = text(properties.referrer);
    referrerKnownEmpty = referrer === null;
  }
  const path = text(page?.path) ?? text(properties.path) ?? (url ? url.pathname : null);
  return {
    kind: 'web',
    type,
    source: pick('source'),
    medium: pick('medium'),
    campaign: pick('campaign'),
    clickIds,
    referrer,
    referrerHost: referrer ? hostOfReferrer(referrer) : null,
    referrerKnownEmpty,
    pageHost: url ? url.hostname.toLowerCase() : null,
    landingPath: path ? path.slice(0, 2000) : null,
    landingPage: url
      ? `${url.origin}${url.pathname}`.slice(0, 2000)
      : rawUrl && !url
        ? rawUrl.split(/[?#]/)[0]!.slice(0, 2000)
        : null,
    landing: typeof properties.landing === 'boolean' ? properties.landing : undefined,
    tracked: typeof properties.visitorId === 'string' && properties.visitorId !== '',
  };
}

// ── Domains and patterns ─────────────────────────────────────────────────────

/**
 * Whether a host is covered by a domain entry: `google.com` covers google.com and its subdomains,
 * `google.*` every country domain of Google (google.de, google.co.uk…) and their subdomains.
 */
export function domainMatches(host: string, entry: string): boolean {
  const h = host.toLowerCase();
  let e = entry.trim().toLowerCase();
  if (e.startsWith('*.')) e = e.slice(2);
  if (e.startsWith('.')) e = e.slice(1);
  if (e === '') return false;
  if (e.endsWith('.*')) {
    const base = e.slice(0, -2).replace(/[.+?^${}()|[\]\\*]/g, '\\$&');
    return new RegExp(`(^|\\.)${base}\\.[a-z]{2,3}(\\.[a-z]{2})?$`).test(h);
  }
  return h === e || h.endsWith(`.${e}`);
}

/** A pattern where `*` is any run of characters, compiled once (case is ignored). */
function globOf(pattern: string): RegExp {
  const escaped = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
}

// ── Compiling and checking rule sets ─────────────────────────────────────────

type Test = (f: Extract<Facts, { kind: 'web' }>, external: string | null) => boolean;

export type CompiledRules = {
  rules: { rule: ChannelRule; test: Test }[];
  internal: string[];
  definition: RuleSetDefinition;
};

function compileCondition(c: RuleCondition, lists: RuleSetDefinition['lists']): Test {
  const value = (c.value ?? '').trim().toLowerCase();
  const values = (c.values ?? []).map((v) => v.trim().toLowerCase()).filter(Boolean);
  const glob = c.op === 'matches' ? globOf(value) : null;
  if (c.field === 'click_id') {
    const wanted = c.op === 'equals' ? [value] : values;
    return (f) =>
      wanted.length === 0 ? f.clickIds.length > 0 : f.clickIds.some((id) => wanted.includes(id));
  }
  if (c.field === 'referrer_domain') {
    const list = c.op === 'in_list' ? (lists[value as DomainList] ?? []) : [];
    return (_f, host) => {
      if (!host) return false;
      switch (c.op) {
        case 'equals':
          return domainMatches(host, value);
        case 'in':
          return values.some((v) => domainMatches(host, v));
        case 'matches':
          return value.includes('*')
            ? glob!.test(host) || glob!.test(bareHost(host))
            : domainMatches(host, value);
        case 'exists':
          return true;
        case 'in_list':
          return list.some((d) => domainMatches(host, d));
      }
    };
  }
  const read = (f: Extract<Facts, { kind: 'web' }>): string | null => {
    switch (c.field) {
      case 'utm_source':
        return f.source;
      case 'utm_medium':
        return f.medium;
      case 'utm_campaign':
        return f.campaign;
      case 'landing_path':
        return f.landingPath?.toLowerCase() ?? null;
      default:
        return null;
    }
  };
  return (f) => {
    const v = read(f);
    if (v === null) return false;
    switch (c.op) {
      case 'equals':
        return v === value;
      case 'in':
        return values.includes(v);
      case 'matches':
        return glob!.test(v);
      case 'exists':
        return true;
      case 'in_list':
        return false;
    }
  };
}

export function compileRules(definition: RuleSetDefinition): CompiledRules {
  return {
    definition,
    internal: definition.internalDomains.map((d) => d.trim().toLowerCase()).filter(Boolean),
    rules: definition.rules.map((rule) => {
      const tests = rule.conditions.map((c) => compileCondition(c, definition.lists));
      return { rule, test: (f, host) => tests.every((t) => t(f, host)) };
    }),
  };
}

/**
 * What schema validation cannot say about a rule set: operators that make no sense for a field,
 * missing values, unknown lists, duplicate rule ids. Each problem names its field.
 */
export function ruleSetProblems(d: RuleSetDefinition, prefix = 'definition'): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  d.rules.forEach((rule, i) => {
    const at = `${prefix}.rules.${i}`;
    if (seen.has(rule.id))
      problems.push({
        field: `${at}.id`,
        rule: 'unique',
        message: `another rule already has the id "${rule.id}"`,
      });
    seen.add(rule.id);
    rule.conditions.forEach((c, k) => {
      const field = `${at}.conditions.${k}`;
      const bad = (rule_: string, message: string) => problems.push({ field, rule: rule_, message });
      const value = (c.value ?? '').trim();
      const values = (c.values ?? []).filter((v) => v.trim() !== '');
      if (c.op === 'in_list') {
        if (c.field !== 'referrer_domain') bad('op', 'only referrer domains can be checked against a list');
        else if (!(domainLists as readonly string[]).includes(value))
          bad('value', `must name a list: ${domainLists.join(', ')}`);
        return;
      }
      if (c.field === 'click_id') {
        if (c.op === 'matches') bad('op', 'click ids are present or not: use "is present" or "is one of"');
        const names = c.op === 'equals' ? [value] : values;
        const unknown = names.find((n) => !(clickIdNames as readonly string[]).includes(n.toLowerCase()));
        if (c.op !== 'exists' && names.length === 0) bad('values', 'name at least one click id');
        else if (unknown !== undefined)
          bad('values', `"${unknown}" is not a click id (${clickIdNames.join(', ')})`);
        return;
      }
      if ((c.op === 'equals' || c.op === 'matches') && value === '') bad('value', 'is required');
      if (c.op === 'in' && values.length === 0) bad('values', 'name at least one value');
      if (c.op === 'matches' && value.length > 0 && /^\*+$/.test(value))
        bad('value', 'a pattern of only * matches everything; use "is present"');
    });
  });
  for (const name of domainLists) {
    d.lists[name].forEach((entry, i) => {
      if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(\.\*)?$/i.test(entry.trim()))
        problems.push({
          field: `${prefix}.lists.${name}.${i}`,
          rule: 'format',
          message: `"${entry}" is not a domain`,
        });
    });
  }
  d.internalDomains.forEach((entry, i) => {
    if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(\.\*)?$/i.test(entry.trim()))
      problems.push({
        field: `${prefix}.internalDomains.${i}`,
        rule: 'format',
        message: `"${entry}" is not a domain`,
      });
  });
  return problems;
}

// ── Touches and channels ─────────────────────────────────────────────────────

/** The referrer's host when it is external: not the page's own site, nor one of the site's domains. */
export function externalReferrer(f: Extract<Facts, { kind: 'web' }>, compiled: CompiledRules): string | null {
  const host = f.referrerHost;
  if (!host) return null;
  if (f.pageHost && bareHost(host) === bareHost(f.pageHost)) return null;
  if (compiled.internal.some((d) => domainMatches(host, d))) return null;
  return host;
}

/**
 * Whether a touchpoint marks the start of a visit, i.e. counts as a touch for first and last touch:
 * a visit that arrived with UTM values, a click id or an external referrer; a landing page view
 * (`landing`); or, without the tracking snippet to say where visits start (no visitor id), a page
 * view or form page that says it had no referrer (typed in, bookmarked: direct). Events count only
 * with UTM values, click ids, an external referrer or `landing`. Every original source is a touch.
 */
export function isTouch(f: Facts, compiled: CompiledRules): boolean {
  if (f.kind === 'original') return true;
  const signals = f.source !== null || f.medium !== null || f.campaign !== null || f.clickIds.length > 0;
  if (signals || externalReferrer(f, compiled) !== null) return true;
  if (f.landing === true) return true;
  if (f.type === 'event') return false;
  return !f.tracked && f.landing !== false && f.referrerKnownEmpty;
}

export type Classification = {
  channel: Channel;
  /** The rule that decided; null for the fallback, a campaign's channel or an original source. */
  ruleId: string | null;
  reason: string;
};

/**
 * The channel of a touch: the first rule whose conditions all hold; otherwise the channel of the
 * campaign its utm_campaign maps to; otherwise the fallback: an external referrer is a referral,
 * nothing at all (no UTM, no click id, no referrer) is direct, anything else is other.
 */
export function classify(
  f: Facts,
  compiled: CompiledRules,
  campaign?: { name: string; channel: Channel } | null,
): Classification {
  if (f.kind === 'original') {
    const channel = originalSourceChannel(f.value);
    return {
      channel,
      ruleId: null,
      reason: `The original source "${f.value}" maps to ${channelLabels[channel].toLowerCase()}.`,
    };
  }
  const host = externalReferrer(f, compiled);
  for (const { rule, test } of compiled.rules) {
    if (test(f, host))
      return { channel: rule.channel, ruleId: rule.id, reason: `Rule “${rule.name}” matched.` };
  }
  if (campaign)
    return {
      channel: campaign.channel,
      ruleId: null,
      reason: `No rule matched; the campaign “${campaign.name}” is ${channelLabels[campaign.channel].toLowerCase()}.`,
    };
  if (host)
    return {
      channel: 'referral',
      ruleId: null,
      reason: `No rule matched; the referrer ${host} is another site.`,
    };
  const utm = f.source !== null || f.medium !== null || f.campaign !== null;
  if (!utm && f.clickIds.length === 0)
    return {
      channel: 'direct',
      ruleId: null,
      reason: 'No UTM values, click id or referrer: a direct visit.',
    };
  return { channel: 'other', ruleId: null, reason: 'No rule matched these UTM values or click ids.' };
}

// ── Original sources of CRM imports ──────────────────────────────────────────

/**
 * HubSpot's "Original Source" (API values and their export labels) and Salesforce's LeadSource
 * picklist (its defaults and the values teams usually add), normalised to UPPER_SNAKE.
 */
const originalSources: Record<string, Channel> = {
  // HubSpot
  ORGANIC_SEARCH: 'organic_search',
  PAID_SEARCH: 'paid_search',
  SOCIAL_MEDIA: 'organic_social',
  ORGANIC_SOCIAL: 'organic_social',
  PAID_SOCIAL: 'paid_social',
  EMAIL_MARKETING: 'email',
  REFERRALS: 'referral',
  AI_REFERRALS: 'referral',
  DIRECT_TRAFFIC: 'direct',
  OFFLINE: 'other',
  OFFLINE_SOURCES: 'other',
  OTHER_CAMPAIGNS: 'other',
  // Salesforce LeadSource
  WEB: 'other',
  PHONE_INQUIRY: 'other',
  PARTNER_REFERRAL: 'referral',
  PARTNER: 'referral',
  EMPLOYEE_REFERRAL: 'referral',
  EXTERNAL_REFERRAL: 'referral',
  REFERRAL: 'referral',
  WORD_OF_MOUTH: 'referral',
  PURCHASED_LIST: 'other',
  OTHER: 'other',
  ADVERTISEMENT: 'display',
  BANNER_ADS: 'display',
  DISPLAY: 'display',
  TRADE_SHOW: 'events',
  SEMINAR_INTERNAL: 'events',
  SEMINAR_PARTNER: 'events',
  CONFERENCE: 'events',
  EVENT: 'events',
  EVENTS: 'events',
  WEBINAR: 'events',
  EMAIL: 'email',
  NEWSLETTER: 'email',
  SOCIAL: 'organic_social',
  GOOGLE_ADWORDS: 'paid_search',
  GOOGLE_ADS: 'paid_search',
  PPC: 'paid_search',
  SEO: 'organic_search',
  SEARCH_ENGINE: 'organic_search',
  DIRECT: 'direct',
};

/** The channel of a CRM's original source value; values nobody knows are `other`. */
export function originalSourceChannel(value: string): Channel {
  const key = value
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if ((channels as readonly string[]).includes(key.toLowerCase())) return key.toLowerCase() as Channel;
  return originalSources[key] ?? 'other';
}

// ── The default rule set (version 1) ─────────────────────────────────────────

const paidMedia = [
  'cpc',
  'ppc',
  'cpm',
  'cpv',
  'cpa',
  'paid',
  'paid_social',
  'paidsocial',
  'social_paid',
  'paid-social',
  'sponsored',
  'ads',
  'ad',
];
const socialSources = [
  'facebook',
  'fb',
  'meta',
  'instagram',
  'ig',
  'linkedin',
  'twitter',
  'x',
  'tiktok',
  'reddit',
  'pinterest',
  'snapchat',
  'youtube',
  'threads',
  'bluesky',
  'mastodon',
  'xing',
];
const r = (id: string, name: string, channel: Channel, conditions: RuleCondition[]): ChannelRule => ({
  id,
  name,
  channel,
  conditions,
});
const medium = (...values: string[]): RuleCondition => ({ field: 'utm_medium', op: 'in', values });

export const defaultRuleSet: RuleSetDefinition = {
  rules: [
    r('email-medium', 'Email campaigns (utm_medium email, newsletter…)', 'email', [
      medium('email', 'e-mail', 'e_mail', 'newsletter', 'mail', 'edm', 'mailing'),
    ]),
    r('events-medium', 'Events and QR codes (utm_medium event, trade_show, qr…)', 'events', [
      medium(
        'event',
        'events',
        'trade_show',
        'tradeshow',
        'trade-show',
        'conference',
        'booth',
        'expo',
        'qr',
        'qr_code',
        'qrcode',
        'print',
        'offline',
      ),
    ]),
    r('paid-social-medium', 'Paid social (utm_medium paid_social…)', 'paid_social', [
      medium('paid_social', 'paidsocial', 'paid-social', 'social_paid', 'social-paid', 'sponsored_social'),
    ]),
    r('social-source-paid', 'Social network as source with a paid medium', 'paid_social', [
      { field: 'utm_source', op: 'in', values: socialSources },
      medium(...paidMedia),
    ]),
    r('social-click-paid', 'Social click id (fbclid, li_fat_id, ttclid) with a paid medium', 'paid_social', [
      { field: 'click_id', op: 'in', values: ['fbclid', 'li_fat_id', 'ttclid'] },
      medium(...paidMedia),
    ]),
    r('display-medium', 'Display and programmatic (utm_medium display, banner, cpm…)', 'display', [
      medium(
        'display',
        'banner',
        'cpm',
        'programmatic',
        'native',
        'retargeting',
        'remarketing',
        'interstitial',
        'rich_media',
        'video',
      ),
    ]),
    r('paid-search-medium', 'Paid search (utm_medium cpc, ppc…)', 'paid_search', [
      medium('cpc', 'ppc', 'paidsearch', 'paid_search', 'paid-search', 'sem', 'search_ads'),
    ]),
    r('search-click-ids', 'Google or Microsoft Ads click id (gclid, msclkid)', 'paid_search', [
      { field: 'click_id', op: 'in', values: ['gclid', 'msclkid'] },
    ]),
    r('referral-medium', 'Partners and affiliates (utm_medium referral, affiliate…)', 'referral', [
      medium('referral', 'affiliate', 'affiliates', 'partner', 'partners'),
    ]),
    r('email-source', 'Email tools as source (utm_source newsletter, mailchimp…)', 'email', [
      {
        field: 'utm_source',
        op: 'in',
        values: [
          'newsletter',
          'mailchimp',
          'sendgrid',
          'brevo',
          'klaviyo',
          'campaign_monitor',
          'substack',
          'hs_email',
        ],
      },
    ]),
    r('social-medium', 'Organic social (utm_medium social…)', 'organic_social', [
      medium(
        'social',
        'social_media',
        'social-media',
        'socialmedia',
        'social_network',
        'social-network',
        'sm',
        'organic_social',
      ),
    ]),
    r('social-source', 'Social network as source', 'organic_social', [
      { field: 'utm_source', op: 'in', values: socialSources },
    ]),
    r('organic-medium', 'Organic search (utm_medium organic)', 'organic_search', [
      { field: 'utm_medium', op: 'equals', value: 'organic' },
    ]),
    r('social-click-ids', 'Social click id without a paid medium', 'organic_social', [
      { field: 'click_id', op: 'in', values: ['fbclid', 'li_fat_id', 'ttclid'] },
    ]),
    r('webmail-referrer', 'From a webmail (Gmail, Outlook…)', 'email', [
      { field: 'referrer_domain', op: 'in_list', value: 'email_providers' },
    ]),
    r('search-referrer', 'From a search engine', 'organic_search', [
      { field: 'referrer_domain', op: 'in_list', value: 'search_engines' },
    ]),
    r('social-referrer', 'From a social network', 'organic_social', [
      { field: 'referrer_domain', op: 'in_list', value: 'social_networks' },
    ]),
  ],
  lists: {
    search_engines: [
      'google.*',
      'bing.com',
      'duckduckgo.com',
      'search.yahoo.com',
      'yahoo.co.jp',
      'yandex.*',
      'baidu.com',
      'ecosia.org',
      'qwant.com',
      'startpage.com',
      'search.brave.com',
      'naver.com',
      'seznam.cz',
      'ask.com',
      'search.aol.com',
      'sogou.com',
    ],
    social_networks: [
      'facebook.com',
      'fb.com',
      'fb.me',
      'instagram.com',
      'linkedin.com',
      'lnkd.in',
      't.co',
      'twitter.com',
      'x.com',
      'reddit.com',
      'youtube.com',
      'youtu.be',
      'pinterest.*',
      'tiktok.com',
      'threads.net',
      'bsky.app',
      'mastodon.social',
      'news.ycombinator.com',
      'quora.com',
      'xing.com',
      'vk.com',
      't.me',
      'snapchat.com',
      'tumblr.com',
    ],
    email_providers: [
      'mail.google.com',
      'outlook.live.com',
      'outlook.office.com',
      'outlook.office365.com',
      'mail.yahoo.com',
      'mail.aol.com',
      'mail.proton.me',
      'mail.zoho.com',
      'webmail.gmx.net',
      'navigator.gmx.net',
      'web.de',
      'mail.yandex.ru',
      'icloud.com',
    ],
  },
  internalDomains: [],
};
