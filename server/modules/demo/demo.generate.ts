/**
 * The demo dataset as a pure, seeded function of (seed, number of leads, now): companies, leads,
 * their web, form and email history, and their lifecycle outcomes. Nothing here touches a database.
 *
 * The history is laid out once, back from a fixed moment (`demoAnchor`), and moved in time to end
 * at `now`: every lead, score and stage is the same whenever the data is loaded, so the leads
 * docs/demo-data.md names (and the journeys walk) are the same. Laid out back from `now` itself,
 * the weekend dip, the monthly newsletters and the clamp of a lead created "later today" drew a
 * different number of random values on each day, and the documented lead just under the threshold
 * (56 points on 22 November 2026) was an opportunity with 87 points on 8 December. The price: the
 * weekend dip and the newsletters' day of the month fall where they fell in the anchor's calendar,
 * shifted with the rest.
 *
 * The hidden ground truth (docs/demo-data.md has the full table). Every lead gets a log-odds of
 * eventually becoming a customer:
 *
 *   logit = base + fit + behaviour + intentWeight · intent + noise
 *
 *   fit        observable: company size, industry, seniority, department, free-mail, first-touch channel
 *   behaviour  observable: demo / contact-sales requests, /pricing visits, trials, webinar attendance,
 *              email clicks, ebook-only or newsletter-only interest (within 60 days of creation)
 *   intent     hidden, ~ N(channel shift, 1): it also drives the behaviours, so behaviours carry
 *              part of it, which is what a model can learn
 *   noise      hidden, ~ N(0, noiseSd): luck, budgets, timing no data shows
 *
 * and `converts ~ Bernoulli(sigmoid(logit))`. Whether a converting lead is a customer *by now* depends
 * on its sales cycle: recent leads are mostly still open. Country, city, phone and name carry no
 * signal at all (red herrings for a model to ignore). With these weights the best score a model can
 * compute from observable data (`observableLogit`) reaches an AUC of about 0.8 on mature leads.
 */
import type { LeadInput, LifecycleStage } from '../../../contracts/leads.ts';
import {
  blogPosts,
  budgetOptions,
  type Channel,
  type Country,
  channelWeights,
  companyWords,
  countries,
  type Department,
  departmentTitles,
  departmentWeights,
  disqualifyReasons,
  ebooks,
  type FormName,
  freelanceTitles,
  type Industry,
  industryNouns,
  industryWeights,
  namesByCulture,
  type Page,
  pages,
  paidSearchCampaigns,
  paidSocialCampaigns,
  type planOptions,
  recycleReasons,
  referrers,
  type Seniority,
  searchEngines,
  site,
  sizeBands,
  socialNetworks,
  studentTitles,
  tradeEvents,
  webinars,
} from './demo.data.ts';
import { createRng, type Rng, sigmoid, streamSeed } from './demo.random.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** How far back lead creation goes. */
export const historyDays = 365;
/** The window after creation in which the behaviours that count for the outcome happen. */
export const engagementDays = 60;
/** Share of leads on a free-mail address (no company). */
const freeMailShare = 0.17;

/**
 * The generative model's weights: log-odds contributions to eventually becoming a customer.
 * Change them and docs/demo-data.md together; demo.generate.test.ts checks the signal they make.
 */
export const model = {
  base: -4.5,
  /** By employee count: tiny companies rarely buy, 200–5,000 is the sweet spot, giants buy slowly. */
  size(employees: number): number {
    if (employees <= 10) return -1.0;
    if (employees <= 50) return -0.4;
    if (employees < 200) return 0;
    if (employees <= 5000) return 0.8;
    return 0.2;
  },
  industry: {
    software: 0.6,
    finance: 0.5,
    healthcare: 0.1,
    manufacturing: 0,
    retail: -0.2,
    education: -0.6,
    logistics: 0,
    media: -0.2,
    'professional services': 0.1,
    government: -0.5,
    nonprofit: -0.7,
  } satisfies Record<Industry, number>,
  seniority: {
    c_level: 0.5,
    vp: 0.7,
    director: 0.6,
    head: 0.6,
    manager: 0.2,
    senior: 0,
    individual: -0.3,
    intern: -1.0,
    student: -1.6,
  } satisfies Record<Seniority, number>,
  department: {
    marketing: 0.3,
    sales: 0.3,
    revops: 0.4,
    it: 0,
    engineering: -0.3,
    product: 0,
    finance: -0.1,
    hr: -0.5,
    customer_success: -0.1,
    operations: 0.1,
  } satisfies Record<Department, number>,
  freeMail: -0.8,
  channel: {
    organic_search: 0,
    paid_search: 0.35,
    organic_social: -0.35,
    paid_social: -0.5,
    email: 0,
    referral: 0.6,
    direct: 0.15,
    events: 0.5,
  } satisfies Record<Channel, number>,
  behaviour: {
    demoRequest: 1.0,
    contactSales: 0.8,
    /** /pricing viewed three times or more… */
    pricing3: 0.7,
    /** …or once or twice. */
    pricing1: 0.2,
    trial: 0.5,
    webinarAttended: 0.2,
    emailClicks2: 0.3,
    /** Only ever downloaded ebooks. */
    ebookOnly: -0.5,
    /** Only ever subscribed to the newsletter. */
    newsletterOnly: -0.7,
  },
  /** The mean of the hidden intent by first-touch channel (its spread is 1). */
  intentShift: {
    organic_search: 0,
    paid_search: 0.2,
    organic_social: -0.2,
    paid_social: -0.3,
    email: 0,
    referral: 0.3,
    direct: 0.1,
    events: 0.2,
  } satisfies Record<Channel, number>,
  intentWeight: 0.6,
  noiseSd: 1.1,
};

export type DemoOptions = { leads: number; seed: number; now: number };

export type DemoCompany = {
  name: string;
  domain: string;
  industry: Industry;
  employees: number;
  country: Country;
  city: string;
};

export type DemoTouchpoint = { type: string; occurredAt: number; properties: Record<string, unknown> };

export type StageStep = {
  stage: LifecycleStage;
  at: number;
  reason?: string;
  dealAmount?: { amount: number; currency: string };
};

/** What the generator knows and the database never sees: the ground truth behind a lead. */
export type DemoTruth = {
  channel: Channel;
  seniority: Seniority;
  department: Department | null;
  freeMail: boolean;
  industry: Industry | null;
  employees: number | null;
  fit: number;
  behaviour: number;
  intent: number;
  noise: number;
  /** base + fit + behaviour: the part of the log-odds observable data can explain. */
  observableLogit: number;
  logit: number;
  /** Becomes a customer eventually (perhaps after now). */
  converts: boolean;
  entryForm: FormName;
  /** Every form submitted within the engagement window, in time order (some may lie after now). */
  forms: FormName[];
  pricingViews: number;
  trial: boolean;
  webinarAttended: boolean;
  emailClicks: number;
  /** The whole stage path after the initial stage, including steps after now. */
  path: StageStep[];
};

export type DemoLead = {
  index: number;
  input: LeadInput & { email: string; createdAt: string };
  /** Everything that happened to the lead up to now, in time order (the `created` record excluded). */
  touchpoints: DemoTouchpoint[];
  truth: DemoTruth;
};

export const industryLabel: Record<Industry, string> = {
  software: 'Software',
  finance: 'Finance',
  healthcare: 'Healthcare',
  manufacturing: 'Manufacturing',
  retail: 'Retail',
  education: 'Education',
  logistics: 'Logistics',
  media: 'Media',
  'professional services': 'Professional services',
  government: 'Government',
  nonprofit: 'Nonprofit',
};

const entries = <K extends string>(weights: Record<K, number>) => Object.entries(weights) as [K, number][];

/** ASCII for an email local part or a domain: "Jürgen Müller-Lüdenscheidt" → "juergenmuellerluedenscheidt". */
export function asciiSlug(text: string, separator = ''): string {
  return text
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, separator)
    .replace(separator ? new RegExp(`^${separator}|${separator}$`, 'g') : /$^/, '');
}

/** The company pool leads are drawn from (more than end up used: small companies often have no lead). */
export function demoCompanies(seed: number, leads: number): DemoCompany[] {
  const rng = createRng(streamSeed(seed, 'companies'));
  const size = Math.round(leads * 0.3) + 10;
  const used = new Set<string>();
  const countryPairs = countries.map((c) => [c, c.weight] as const);
  const out: DemoCompany[] = [];
  for (let i = 0; i < size; i++) {
    const industry = rng.weighted(entries(industryWeights));
    const [lo, hi] = rng.weighted(sizeBands);
    const employees = Math.min(
      hi,
      Math.max(lo, Math.round(Math.exp(rng.between(Math.log(lo), Math.log(hi + 1))))),
    );
    const country = rng.weighted(countryPairs);
    const base = `${rng.pick(companyWords)} ${rng.pick(industryNouns[industry])}`;
    const slug = asciiSlug(base, '-');
    let domain = `${slug}.example`;
    if (used.has(domain)) domain = `${slug}-${country.code.toLowerCase()}.example`;
    for (let n = 2; used.has(domain); n++) domain = `${slug}-${n}.example`;
    used.add(domain);
    const name = rng.chance(0.3) ? `${base} ${rng.pick(country.legal)}` : base;
    out.push({ name, domain, industry, employees, country, city: rng.pick(country.cities) });
  }
  return out;
}

/**
 * Generates the leads one by one, in a fixed order (lead i depends on the seed, i and the emails
 * taken before it), so that callers can write them in batches without holding them all.
 */
export function* generateDemoLeads(options: DemoOptions): Generator<DemoLead> {
  const shift = options.now - demoAnchor;
  for (const lead of layOut(options.seed, options.leads, demoAnchor))
    yield shift === 0 ? lead : moved(lead, shift);
}

/** The moment the history is laid out back from, before it is moved to end at the given now. */
export const demoAnchor = Date.UTC(2026, 10, 22, 9, 0, 0);

/** The lead with every time in it moved by `ms`. */
function moved(lead: DemoLead, ms: number): DemoLead {
  return {
    ...lead,
    input: { ...lead.input, createdAt: new Date(Date.parse(lead.input.createdAt) + ms).toISOString() },
    touchpoints: lead.touchpoints.map((t) => ({ ...t, occurredAt: t.occurredAt + ms })),
    truth: { ...lead.truth, path: lead.truth.path.map((step) => ({ ...step, at: step.at + ms })) },
  };
}

function* layOut(seed: number, leads: number, now: number): Generator<DemoLead> {
  const companies = demoCompanies(seed, leads);
  // Larger companies produce more leads, but far from in proportion: weight ∝ employees^0.25.
  const cumulative: number[] = [];
  let total = 0;
  for (const c of companies) {
    total += c.employees ** 0.25;
    cumulative.push(total);
  }
  const companyAt = (u: number): DemoCompany => {
    const target = u * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return companies[lo]!;
  };
  const emails = new Set<string>();
  for (let index = 0; index < leads; index++) {
    const rng = createRng(streamSeed(seed, 'lead', index));
    yield generateLead(rng, index, now, companyAt, emails);
  }
}

type Person = {
  first: string;
  last: string;
  country: Country;
  city: string;
  company: DemoCompany | null;
  seniority: Seniority;
  department: Department | null;
  title: string;
};

function seniorityWeights(employees: number | null): [Seniority, number][] {
  if (employees !== null && employees <= 10)
    return [
      ['c_level', 30],
      ['vp', 2],
      ['director', 3],
      ['head', 5],
      ['manager', 15],
      ['senior', 10],
      ['individual', 32],
      ['intern', 3],
    ];
  return [
    ['c_level', employees !== null && employees <= 50 ? 12 : 4],
    ['vp', 6],
    ['director', 10],
    ['head', 7],
    ['manager', 24],
    ['senior', 16],
    ['individual', 27],
    ['intern', 3],
  ];
}

function titleOf(rng: Rng, seniority: Seniority, department: Department): string {
  const d = departmentTitles[department];
  switch (seniority) {
    case 'c_level':
      return rng.pick(d.chief);
    case 'vp':
      return rng.pick([`VP of ${d.label}`, `Vice President, ${d.label}`, `SVP ${d.label}`]);
    case 'director':
      return rng.chance(0.5) ? `Director of ${rng.pick(d.areas)}` : `${rng.pick(d.areas)} Director`;
    case 'head':
      return `Head of ${rng.pick(d.areas)}`;
    case 'manager':
      return `${rng.pick(d.areas)} Manager`;
    case 'senior':
      return `Senior ${rng.pick(d.roles)}`;
    case 'individual':
      return rng.pick(d.roles);
    case 'intern':
      return rng.chance(0.3) ? 'Working Student' : `${d.label} Intern`;
    case 'student':
      return rng.pick(studentTitles);
    default: {
      const never: never = seniority;
      return never;
    }
  }
}

function person(rng: Rng, companyAt: (u: number) => DemoCompany): Person {
  const freeMail = rng.chance(freeMailShare);
  const company = freeMail ? null : companyAt(rng.next());
  const country = company?.country ?? rng.weighted(countries.map((c) => [c, c.weight] as const));
  const names = namesByCulture[country.culture];
  const first = rng.pick(names.first);
  const last = rng.pick(names.last);
  const city = company && rng.chance(0.75) ? company.city : rng.pick(country.cities);
  let seniority: Seniority;
  let department: Department | null;
  let title: string;
  if (!company && rng.chance(0.35)) {
    seniority = 'student';
    department = null;
    title = rng.pick(studentTitles);
  } else if (!company && rng.chance(0.5)) {
    seniority = 'individual';
    department = 'marketing';
    title = rng.pick(freelanceTitles);
  } else {
    seniority = rng.weighted(seniorityWeights(company?.employees ?? null));
    department = rng.weighted(entries(departmentWeights));
    if (seniority === 'c_level' && rng.chance(0.45)) {
      // General management counts as operations in the model.
      department = 'operations';
      title = rng.pick(
        (company?.employees ?? 0) <= 50
          ? ['CEO', 'Founder & CEO', 'Co-founder', 'Owner', 'Managing Director']
          : ['CEO', 'Chief Executive Officer', 'Managing Director', 'President'],
      );
    } else title = titleOf(rng, seniority, department);
  }
  return { first, last, country, city, company, seniority, department, title };
}

function emailOf(rng: Rng, p: Person, taken: Set<string>): string {
  const f = asciiSlug(p.first);
  const l = asciiSlug(p.last);
  let local: string;
  let domain: string;
  if (p.company) {
    domain = p.company.domain;
    local = rng.weighted([
      [`${f}.${l}`, 55],
      [`${f[0]}${l}`, 20],
      [f, 10],
      [`${f}${l[0]}`, 10],
      [`${f}_${l}`, 5],
    ]);
  } else {
    domain = rng.pick(p.country.freeMail);
    local = rng.weighted([
      [`${f}.${l}${rng.int(1, 99)}`, 50],
      [`${f}${l}`, 20],
      [`${f[0]}${l}${rng.int(1960, 2004)}`, 30],
    ]);
  }
  let email = `${local}@${domain}`;
  for (let n = 2; taken.has(email); n++) email = `${local}${n}@${domain}`;
  taken.add(email);
  return email;
}

function digitsOf(rng: Rng): (n: number) => string {
  return (n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
    return s;
  };
}

const localHours: [number, number][] = [
  [7, 2],
  [8, 5],
  [9, 9],
  [10, 11],
  [11, 11],
  [12, 7],
  [13, 8],
  [14, 10],
  [15, 10],
  [16, 9],
  [17, 6],
  [18, 4],
  [19, 3],
  [20, 3],
  [21, 2],
  [22, 1],
];

/** A moment on the given UTC day at a plausible local office hour for the country. */
function atLocalHour(rng: Rng, dayStart: number, country: Country): number {
  const hour = rng.weighted(localHours);
  return dayStart + (hour - country.utcOffset) * HOUR + rng.int(0, 59) * MINUTE + rng.int(0, 59) * 1000;
}

/** When the lead was created: more leads lately (marketing grows), fewer at weekends. */
function creationTime(rng: Rng, now: number, country: Country, channel: Channel): number {
  const today = Math.floor(now / DAY) * DAY;
  let t: number;
  if (channel === 'events') {
    const event = rng.pick(tradeEvents);
    const day = today - event.daysAgo * DAY + Math.floor(rng.exponential(2)) * DAY;
    t = atLocalHour(rng, day, country);
  } else {
    // Density ∝ a + b·x over the history (x = 0 oldest … 1 today): solve the quadratic CDF.
    const a = 0.55;
    const b = 0.9;
    let day = today;
    for (let attempt = 0; attempt < 3; attempt++) {
      const u = rng.next() * (a + b / 2);
      const x = (-a + Math.sqrt(a * a + 2 * b * u)) / b;
      day = today - (historyDays - 1 - Math.min(historyDays - 1, Math.floor(x * historyDays))) * DAY;
      const weekday = new Date(day).getUTCDay();
      if ((weekday !== 0 && weekday !== 6) || rng.chance(0.35)) break;
    }
    t = atLocalHour(rng, day, country);
  }
  if (t > now - MINUTE) t = now - rng.int(5, 600) * MINUTE;
  return t;
}

type Visit = {
  referrer: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
};

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function monthTag(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** How a session arrived, as the tracking snippet would see it (referrer and UTM parameters). */
function visitOf(rng: Rng, channel: Channel, at: number, returning: boolean): Visit {
  const none: Visit = { referrer: null, source: null, medium: null, campaign: null };
  switch (channel) {
    case 'organic_search':
      return { ...none, referrer: rng.weighted(searchEngines) };
    case 'paid_search': {
      const bing = rng.chance(0.15);
      return {
        referrer: bing ? 'https://www.bing.com/' : 'https://www.google.com/',
        source: bing ? 'bing' : 'google',
        medium: 'cpc',
        campaign: rng.pick(paidSearchCampaigns),
      };
    }
    case 'organic_social':
      return { ...none, referrer: rng.weighted(socialNetworks) };
    case 'paid_social': {
      const linkedin = rng.chance(0.7);
      return {
        referrer: linkedin ? 'https://www.linkedin.com/' : 'https://www.facebook.com/',
        source: linkedin ? 'linkedin' : 'facebook',
        medium: 'paid_social',
        campaign: rng.pick(paidSocialCampaigns),
      };
    }
    case 'email':
      return returning
        ? { referrer: null, source: 'tidewell', medium: 'email', campaign: `newsletter-${monthTag(at)}` }
        : {
            referrer: null,
            source: rng.pick(['growthnotes', 'revops-digest', 'partner-newsletter']),
            medium: 'email',
            campaign: `sponsored-${monthTag(at)}`,
          };
    case 'referral':
      return { ...none, referrer: rng.pick(referrers) };
    case 'direct':
      return none;
    case 'events':
      // The caller names the event (source and campaign): it depends on when the lead was created.
      return { ...none, medium: 'event' };
    default: {
      const never: never = channel;
      return never;
    }
  }
}

function landingOf(rng: Rng, channel: Channel): Page {
  switch (channel) {
    case 'organic_search':
      return rng.weighted<Page>([
        [rng.pick(blogPosts), 55],
        [pages.home, 25],
        [pages.product, 12],
        [pages.forecasting, 8],
      ]);
    case 'paid_search':
      return rng.weighted<Page>([
        [pages.landing, 40],
        [pages.home, 30],
        [pages.product, 20],
        [pages.compare, 10],
      ]);
    case 'organic_social':
      return rng.weighted<Page>([
        [rng.pick(blogPosts), 70],
        [pages.home, 15],
        [rng.pick(ebooks), 15],
      ]);
    case 'paid_social':
      return rng.weighted<Page>([
        [rng.pick(ebooks), 50],
        [rng.pick(webinars), 25],
        [pages.landing, 25],
      ]);
    case 'email':
      return rng.weighted<Page>([
        [rng.pick(blogPosts), 50],
        [rng.pick(webinars), 25],
        [pages.product, 25],
      ]);
    case 'referral':
      return rng.weighted<Page>([
        [pages.home, 40],
        [pages.customers, 25],
        [pages.integrations, 20],
        [pages.product, 15],
      ]);
    case 'direct':
      return rng.weighted<Page>([
        [pages.home, 80],
        [pages.product, 10],
        [pages.docs, 10],
      ]);
    case 'events':
      return rng.weighted<Page>([
        [pages.demo, 40],
        [pages.landing, 40],
        [pages.home, 20],
      ]);
    default: {
      const never: never = channel;
      return never;
    }
  }
}

const browsePages: [Page, number][] = [
  [pages.home, 10],
  [pages.product, 12],
  [pages.integrations, 6],
  [pages.forecasting, 5],
  [pages.dashboards, 5],
  [pages.customers, 6],
  [pages.security, 3],
  [pages.about, 3],
  [pages.careers, 1],
  [pages.docs, 4],
  [pages.compare, 3],
  ...blogPosts.map((p) => [p, 2] as [Page, number]),
];

const returnChannels = (consent: boolean): [Channel, number][] => [
  ['direct', 35],
  ['organic_search', 25],
  ['email', consent ? 15 : 0],
  ['paid_search', 8],
  ['paid_social', 6],
  ['organic_social', 6],
  ['referral', 5],
];

/** A session: page views from a landing page on, a form submission at its end when given. */
type Session = { at: number; visit: Visit; pages: Page[]; form?: { name: FormName; page: Page; at: number } };

function formPage(rng: Rng, form: FormName): Page {
  switch (form) {
    case 'demo-request':
      return pages.demo;
    case 'contact-sales':
      return pages.contactSales;
    case 'ebook':
      return rng.pick(ebooks);
    case 'webinar':
      return rng.pick(webinars);
    case 'newsletter':
      return rng.pick(blogPosts);
    default: {
      const never: never = form;
      return never;
    }
  }
}

function generateLead(
  rng: Rng,
  index: number,
  now: number,
  companyAt: (u: number) => DemoCompany,
  taken: Set<string>,
): DemoLead {
  const p = person(rng, companyAt);
  const email = emailOf(rng, p, taken);
  const channel = rng.weighted(entries(channelWeights));
  const createdAt = creationTime(rng, now, p.country, channel);
  const employees = p.company?.employees ?? null;
  const industry = p.company?.industry ?? null;
  const student = p.seniority === 'student';

  // ── Fit: what the lead is ────────────────────────────────────────────────────────────────────
  let fit = model.seniority[p.seniority] + model.channel[channel];
  if (p.department) fit += model.department[p.department];
  if (p.company) fit += model.size(p.company.employees) + model.industry[p.company.industry];
  else fit += model.freeMail;
  const intent = rng.normal(model.intentShift[channel], 1);

  // ── Behaviour within the engagement window (driven by the hidden intent, a little by fit) ──────
  const end = createdAt + engagementDays * DAY;
  const handRaiseDamp = student ? 0.15 : 1;
  const entryForm = rng.weighted<FormName>([
    ['demo-request', Math.exp(-1.6 + 1.0 * intent + 0.35 * fit) * handRaiseDamp],
    ['contact-sales', Math.exp(-2.6 + 0.8 * intent + 0.35 * fit) * handRaiseDamp],
    ['ebook', Math.exp(0.7)],
    ['webinar', Math.exp(-0.3 + 0.2 * intent)],
    ['newsletter', Math.exp(0.1 - 0.4 * intent)],
  ]);
  const laterForms: { name: FormName; at: number }[] = [];
  const extraChance: Record<FormName, number> = {
    'demo-request': sigmoid(-2.8 + 1.0 * intent + 0.35 * fit) * handRaiseDamp,
    'contact-sales': sigmoid(-3.6 + 0.8 * intent + 0.35 * fit) * handRaiseDamp,
    webinar: sigmoid(-2.0 + 0.2 * intent),
    ebook: sigmoid(-1.6 + 0.1 * intent),
    newsletter: sigmoid(-2.4),
  };
  for (const name of ['demo-request', 'contact-sales', 'webinar', 'ebook', 'newsletter'] as const) {
    if (name !== entryForm && rng.chance(extraChance[name])) {
      laterForms.push({ name, at: createdAt + Math.floor(rng.between(0.5, engagementDays) * DAY) });
    }
  }
  laterForms.sort((a, b) => a.at - b.at);
  const forms: FormName[] = [entryForm, ...laterForms.map((f) => f.name)];
  const pricingViews = Math.min(15, rng.poisson(0.55 * Math.exp(0.75 * intent + 0.15 * fit)));
  const trial = rng.chance(sigmoid(-2.4 + 0.9 * intent + 0.2 * fit));
  const trialAt = createdAt + Math.floor(rng.between(0.2, engagementDays) * DAY);
  const webinarForms = forms.filter((f) => f === 'webinar').length;
  const webinarAttended = webinarForms > 0 && rng.chance(sigmoid(0.2 + 0.5 * intent));

  // Consent to marketing email: given on the newsletter form, or ticked on another form.
  const optIn = entryForm === 'newsletter' || rng.chance(0.45);
  const newsletterLater = laterForms.find((f) => f.name === 'newsletter');
  const consentAt = optIn ? createdAt : (newsletterLater?.at ?? null);
  const consentForm = optIn ? entryForm : 'newsletter';

  // ── Email: monthly newsletters from consent on, a short nurture after an ebook or webinar ───────
  const touchpoints: DemoTouchpoint[] = [];
  let emailClicksInWindow = 0;
  if (consentAt !== null) {
    const sends: { at: number; campaign: string; subject: string; url: string }[] = [];
    const firstMonth = new Date(consentAt);
    for (let m = 1; m <= 13; m++) {
      const at = Date.UTC(firstMonth.getUTCFullYear(), firstMonth.getUTCMonth() + m, 2, 14, 0, 0);
      if (at > now) break;
      sends.push({
        at,
        campaign: `newsletter-${monthTag(at)}`,
        subject: `The Tidewell brief: ${monthNames[new Date(at).getUTCMonth()]}`,
        url: `${site}${rng.pick(blogPosts).path}`,
      });
    }
    for (const f of [{ name: entryForm, at: createdAt }, ...laterForms]) {
      if (f.name !== 'ebook' && f.name !== 'webinar') continue;
      if (f.at < consentAt) continue;
      [1, 4, 9].forEach((days, k) => {
        sends.push({
          at: f.at + days * DAY + 2 * HOUR,
          campaign: `nurture-${f.name}`,
          subject: [
            'Your copy, and three ideas to try this week',
            'How teams like yours forecast pipeline',
            'See Tidewell on your own data',
          ][k]!,
          url: `${site}${k === 2 ? pages.demo.path : rng.pick(blogPosts).path}`,
        });
      });
    }
    for (const s of sends) {
      if (!rng.chance(sigmoid(-0.6 + 0.5 * intent))) continue;
      const openedAt = s.at + Math.floor(rng.exponential(8 * HOUR));
      touchpoints.push({
        type: 'email_opened',
        occurredAt: openedAt,
        properties: { campaign: s.campaign, subject: s.subject },
      });
      if (!rng.chance(sigmoid(-1.5 + 0.5 * intent))) continue;
      const clickedAt = openedAt + rng.int(10, 600) * 1000;
      touchpoints.push({
        type: 'email_clicked',
        occurredAt: clickedAt,
        properties: { campaign: s.campaign, subject: s.subject, url: s.url },
      });
      if (clickedAt <= end) emailClicksInWindow++;
    }
  }

  // ── The outcome ──────────────────────────────────────────────────────────────────────────────
  const only = (name: FormName) => forms.every((f) => f === name);
  const b = model.behaviour;
  let behaviour = 0;
  if (forms.includes('demo-request')) behaviour += b.demoRequest;
  if (forms.includes('contact-sales')) behaviour += b.contactSales;
  if (pricingViews >= 3) behaviour += b.pricing3;
  else if (pricingViews >= 1) behaviour += b.pricing1;
  if (trial) behaviour += b.trial;
  if (webinarAttended) behaviour += b.webinarAttended;
  if (emailClicksInWindow >= 2) behaviour += b.emailClicks2;
  if (only('ebook')) behaviour += b.ebookOnly;
  if (only('newsletter')) behaviour += b.newsletterOnly;
  const noise = rng.normal(0, model.noiseSd);
  const observableLogit = model.base + fit + behaviour;
  const logit = observableLogit + model.intentWeight * intent + noise;
  const converts = rng.chance(sigmoid(logit));

  // ── Sessions and page views ─────────────────────────────────────────────────────────────────
  const sessions: Session[] = [];
  const firstVisit = visitOf(rng, channel, createdAt, false);
  if (channel === 'events') {
    const event = tradeEvents.reduce((best, e) =>
      Math.abs(now - e.daysAgo * DAY - createdAt) < Math.abs(now - best.daysAgo * DAY - createdAt) ? e : best,
    );
    firstVisit.source = event.source;
    firstVisit.campaign = `${event.source}-booth`;
  }
  const landing = landingOf(rng, channel);
  const entryPage = formPage(rng, entryForm);
  const convertsOnFirstVisit = channel === 'events' ? rng.chance(0.8) : rng.chance(0.55);
  const browse = (n: number) => Array.from({ length: n }, () => rng.weighted(browsePages));
  if (convertsOnFirstVisit) {
    const path = [landing, ...browse(rng.int(0, 2))];
    if (path.at(-1) !== entryPage) path.push(entryPage);
    sessions.push({
      at: createdAt - path.length * rng.int(30, 150) * 1000,
      visit: firstVisit,
      pages: path,
      form: { name: entryForm, page: entryPage, at: createdAt },
    });
  } else {
    const firstAt = createdAt - Math.floor(rng.between(0.05, 30) * DAY);
    sessions.push({ at: firstAt, visit: firstVisit, pages: [landing, ...browse(rng.int(0, 3))] });
    const back = rng.weighted(returnChannels(false));
    const path = [landingOf(rng, back), ...browse(rng.int(0, 1))];
    if (path.at(-1) !== entryPage) path.push(entryPage);
    sessions.push({
      at: createdAt - path.length * rng.int(30, 150) * 1000,
      visit: visitOf(rng, back, createdAt, true),
      pages: path,
      form: { name: entryForm, page: entryPage, at: createdAt },
    });
  }
  const conversionSession = sessions.length - 1;
  for (const f of laterForms) {
    const back = rng.weighted(returnChannels(consentAt !== null && consentAt < f.at));
    const page = formPage(rng, f.name);
    const path = [landingOf(rng, back)];
    if (path[0] !== page) path.push(page);
    sessions.push({
      at: f.at - path.length * rng.int(30, 150) * 1000,
      visit: visitOf(rng, back, f.at, true),
      pages: path,
      form: { name: f.name, page, at: f.at },
    });
  }
  const browsing = Math.min(20, rng.poisson(1.6 * Math.exp(0.45 * intent)));
  for (let k = 0; k < browsing; k++) {
    const at = createdAt + Math.floor(engagementDays * DAY * rng.next() ** 1.5) + HOUR;
    const back = rng.weighted(returnChannels(consentAt !== null && consentAt < at));
    sessions.push({
      at,
      visit: visitOf(rng, back, at, true),
      pages: [landingOf(rng, back), ...browse(rng.poisson(1.2))],
    });
  }
  // Later, occasional visits for the rest of the lead's life.
  const lateMonths = Math.max(0, (now - end) / (30 * DAY));
  const late = Math.min(10, rng.poisson(0.12 * lateMonths * Math.exp(0.3 * intent)));
  for (let k = 0; k < late; k++) {
    const at = end + Math.floor(rng.next() * (now - end));
    const back = rng.weighted(returnChannels(consentAt !== null && consentAt < at));
    sessions.push({
      at,
      visit: visitOf(rng, back, at, true),
      pages: [landingOf(rng, back), ...browse(rng.poisson(0.8))],
    });
  }
  // /pricing views go into sessions of the engagement window, after the landing page.
  const windowSessions = sessions
    .map((_s, k) => k)
    .filter((k) => k >= conversionSession && sessions[k]!.at <= end);
  for (let k = 0; k < pricingViews; k++) {
    const s = sessions[rng.pick(windowSessions)]!;
    // After the landing page; before the form page when the session ends with a form.
    const last = s.form && s.pages.length > 1 ? s.pages.length - 1 : s.pages.length;
    s.pages.splice(rng.int(1, last), 0, pages.pricing);
  }

  // ── Funnel: stage path after the initial stage ─────────────────────────────────────────────────
  const initial: LifecycleStage = entryForm === 'newsletter' ? 'subscriber' : 'lead';
  const path: StageStep[] = [];
  const handRaises = [{ name: entryForm, at: createdAt }, ...laterForms].filter(
    (f) => f.name === 'demo-request' || f.name === 'contact-sales',
  );
  const handRaiseAt = handRaises[0]?.at ?? null;
  const firstInterest = [{ name: entryForm, at: createdAt }, ...laterForms].find(
    (f) => f.name === 'ebook' || f.name === 'webinar',
  );
  const fitLow = fit < -0.5;
  const tiny = employees !== null && employees <= 10;
  const plan = employees === null || employees < 50 ? 'Starter' : employees <= 1000 ? 'Growth' : 'Enterprise';
  const seats =
    employees === null
      ? rng.int(1, 5)
      : Math.max(3, Math.min(2000, Math.round(employees * rng.between(0.01, 0.06))));
  const pricePerSeat = { Starter: 3000, Growth: 5500, Enterprise: 9000 }[plan];
  const dealAmount = { amount: seats * pricePerSeat * 12, currency: 'USD' };
  const cycleDays = () =>
    employees === null || employees < 50
      ? rng.between(14, 45)
      : employees < 1000
        ? rng.between(25, 75)
        : rng.between(40, 120);

  let mqlAt: number | null = null;
  if (handRaiseAt !== null) mqlAt = handRaiseAt;
  else if (converts) {
    mqlAt = Math.min(
      createdAt + 75 * DAY,
      trial ? trialAt : Number.POSITIVE_INFINITY,
      createdAt + HOUR + Math.floor(rng.exponential(18 * DAY)),
    );
  } else if (rng.chance(sigmoid(fit + behaviour + model.intentWeight * intent - 1.5))) {
    mqlAt = createdAt + Math.floor(rng.between(2, engagementDays) * DAY);
  }
  if (initial === 'subscriber' && firstInterest && (mqlAt === null || firstInterest.at < mqlAt))
    path.push({ stage: 'lead', at: firstInterest.at });
  let demoAttendedAt: number | null = null;
  if (mqlAt === null) {
    const dq = student || !p.company ? 0.15 : 0.04;
    if (rng.chance(dq)) {
      path.push({
        stage: 'disqualified',
        at: createdAt + Math.floor(rng.between(1, 30) * DAY),
        reason: student
          ? disqualifyReasons.student
          : p.company
            ? disqualifyReasons.badData
            : disqualifyReasons.noCompany,
      });
    }
  } else {
    path.push({ stage: 'mql', at: mqlAt });
    const salAt = mqlAt + Math.floor(rng.between(1, 48) * HOUR);
    if (converts) {
      path.push({ stage: 'sal', at: salAt });
      if (forms.includes('demo-request')) demoAttendedAt = salAt + Math.floor(rng.between(1, 7) * DAY);
      const sqlAt = salAt + Math.floor(rng.between(3, 15) * DAY);
      path.push({ stage: 'sql', at: sqlAt });
      const oppAt = sqlAt + Math.floor(rng.between(2, 12) * DAY);
      path.push({ stage: 'opportunity', at: oppAt, dealAmount });
      path.push({ stage: 'customer', at: oppAt + Math.floor(cycleDays() * DAY), dealAmount });
    } else {
      const rejectChance = 0.3 + (fitLow ? 0.35 : 0);
      let lost: StageStep;
      if (rng.chance(rejectChance)) {
        const at = mqlAt + Math.floor(rng.between(2, 72) * HOUR);
        const obvious = student || !p.company || tiny;
        lost = rng.chance(obvious ? 0.8 : 0.5)
          ? {
              stage: 'disqualified',
              at,
              reason: student
                ? disqualifyReasons.student
                : !p.company
                  ? disqualifyReasons.noCompany
                  : tiny
                    ? disqualifyReasons.tooSmall
                    : rng.pick([
                        disqualifyReasons.notAFit,
                        disqualifyReasons.noBudget,
                        disqualifyReasons.competitor,
                      ]),
            }
          : { stage: 'recycled', at, reason: rng.pick([recycleReasons.notReady, recycleReasons.timing]) };
      } else {
        path.push({ stage: 'sal', at: salAt });
        if (rng.chance(0.4)) {
          const at = salAt + Math.floor(rng.between(5, 25) * DAY);
          lost = rng.chance(0.6)
            ? { stage: 'recycled', at, reason: recycleReasons.noResponse }
            : {
                stage: 'disqualified',
                at,
                reason: rng.pick([disqualifyReasons.notAFit, disqualifyReasons.noBudget]),
              };
        } else {
          if (forms.includes('demo-request')) demoAttendedAt = salAt + Math.floor(rng.between(1, 7) * DAY);
          const sqlAt = salAt + Math.floor(rng.between(3, 15) * DAY);
          path.push({ stage: 'sql', at: sqlAt });
          if (rng.chance(0.35)) {
            const at = sqlAt + Math.floor(rng.between(7, 30) * DAY);
            lost = rng.chance(0.5)
              ? { stage: 'recycled', at, reason: recycleReasons.timing }
              : { stage: 'disqualified', at, reason: disqualifyReasons.noBudget };
          } else {
            const oppAt = sqlAt + Math.floor(rng.between(2, 12) * DAY);
            path.push({ stage: 'opportunity', at: oppAt, dealAmount });
            lost = {
              stage: 'recycled',
              at: oppAt + Math.floor(cycleDays() * DAY),
              reason: rng.pick([
                recycleReasons.lostPrice,
                recycleReasons.lostCompetitor,
                recycleReasons.lostNoDecision,
              ]),
              dealAmount,
            };
          }
        }
      }
      path.push(lost);
      if (lost.stage === 'recycled' && rng.chance(0.15 + 0.1 * Math.max(0, intent))) {
        path.push({
          stage: 'mql',
          at: lost.at + Math.floor(rng.between(45, 120) * DAY),
          reason: 're-engaged',
        });
      }
    }
  }

  // A step never precedes the one before it (a late interest form vs. an early clean-up, say).
  for (let k = 1; k < path.length; k++) {
    const previous = path[k - 1]!.at;
    if (path[k]!.at <= previous) path[k]!.at = previous + Math.floor(rng.between(1, 48) * HOUR);
  }

  // ── Touchpoints up to now ─────────────────────────────────────────────────────────────────────
  for (const s of sessions) {
    const gaps = s.pages.map(() => rng.int(20, 180) * 1000);
    let at = s.at;
    if (s.form) {
      // The page holding the form is the last one viewed before the submission.
      const formIndex = s.pages.lastIndexOf(s.form.page);
      at = s.form.at - gaps.slice(0, formIndex + 1).reduce((x, y) => x + y, 0);
    }
    let previous: string | null = null;
    s.pages.forEach((page, k) => {
      const url = `${site}${page.path}`;
      const first = k === 0;
      const pageUrl =
        first && s.visit.source
          ? `${url}?utm_source=${s.visit.source}&utm_medium=${s.visit.medium}&utm_campaign=${s.visit.campaign}`
          : url;
      const referrer = first ? s.visit.referrer : previous;
      touchpoints.push({
        type: 'page_viewed',
        occurredAt: at,
        properties: {
          url: pageUrl,
          path: page.path,
          title: page.title,
          referrer,
          utm_source: first ? s.visit.source : null,
          utm_medium: first ? s.visit.medium : null,
          utm_campaign: first ? s.visit.campaign : null,
          // The page as the tracking snippet records it (contracts/capture.ts), so filters and
          // scoring rules on `page.path` read demo and live page views alike.
          page: { url: pageUrl, path: page.path, title: page.title, referrer: referrer ?? '' },
        },
      });
      if (page === pages.pricing && rng.chance(0.6)) {
        touchpoints.push({
          type: 'event',
          occurredAt: at + rng.int(5, 60) * 1000,
          properties: { name: 'pricing_viewed', page: page.path },
        });
      }
      previous = url;
      at += gaps[k]!;
    });
    if (s.form) {
      touchpoints.push({
        type: 'form_submitted',
        occurredAt: s.form.at,
        properties: {
          form: s.form.name,
          page: `${site}${s.form.page.path}`,
          fields: formFields(
            s.form.name,
            s.form.page,
            p,
            plan,
            seats,
            employees,
            s.form.name === consentForm && s.form.at === consentAt,
          ),
        },
      });
    }
  }
  if (trial) {
    touchpoints.push({ type: 'event', occurredAt: trialAt, properties: { name: 'trial_started', plan } });
    if (rng.chance(0.5))
      touchpoints.push({
        type: 'event',
        occurredAt: trialAt + Math.floor(rng.between(1, 10) * DAY),
        properties: { name: 'trial_activated', plan },
      });
  }
  if (webinarAttended) {
    const at = createdAt + Math.floor(rng.between(3, 20) * DAY);
    touchpoints.push({ type: 'event', occurredAt: at, properties: { name: 'webinar_attended' } });
  }
  if (demoAttendedAt !== null)
    touchpoints.push({ type: 'event', occurredAt: demoAttendedAt, properties: { name: 'demo_attended' } });
  let from: LifecycleStage = initial;
  for (const step of path) {
    touchpoints.push({
      type: 'stage_changed',
      occurredAt: step.at,
      properties: {
        from,
        to: step.stage,
        ...(step.reason ? { reason: step.reason } : {}),
        ...(step.dealAmount ? { dealAmount: step.dealAmount } : {}),
      },
    });
    from = step.stage;
  }
  const recorded = touchpoints
    .filter((t) => t.occurredAt <= now)
    .sort((a, b2) => a.occurredAt - b2.occurredAt);

  // ── The lead as a form or CRM would hand it over, as of now ────────────────────────────────────
  const stage = path.filter((s) => s.at <= now).at(-1)?.stage ?? initial;
  const submitted = (name: FormName) =>
    [{ name: entryForm, at: createdAt }, ...laterForms].some((f) => f.name === name && f.at <= now);
  const reached = (s: LifecycleStage) => path.some((x) => x.stage === s && x.at <= now);
  const customFields: Record<string, string | number | boolean> = {};
  if (submitted('demo-request')) {
    customFields.plan_interest = plan;
    customFields.seats = seats;
  }
  if (reached('opportunity')) customFields.seats = seats;
  if (submitted('contact-sales') || reached('sql')) customFields.budget_band = budgetOf(dealAmount.amount);
  customFields.newsletter = consentAt !== null && consentAt <= now;
  const phoneChance = handRaiseAt !== null ? 0.9 : p.company ? 0.6 : 0.35;
  const input: DemoLead['input'] = {
    email,
    firstName: p.first,
    lastName: p.last,
    phone: rng.chance(phoneChance) ? p.country.phone(digitsOf(rng)) : null,
    jobTitle: p.title,
    companyName: p.company?.name ?? null,
    website: p.company && rng.chance(0.5) ? `https://www.${p.company.domain}` : null,
    country: p.country.code,
    city: p.city,
    industry: industry ? industryLabel[industry] : null,
    companySize: employees,
    customFields,
    lifecycleStage: stage,
    createdAt: new Date(createdAt).toISOString(),
    ...(consentAt !== null && consentAt <= now
      ? {
          consent: {
            emailMarketing: {
              status: 'granted' as const,
              source: `form:${consentForm}`,
              textVersion: '2026-01',
            },
          },
        }
      : {}),
  };
  return {
    index,
    input,
    touchpoints: recorded,
    truth: {
      channel,
      seniority: p.seniority,
      department: p.department,
      freeMail: !p.company,
      industry,
      employees,
      fit,
      behaviour,
      intent,
      noise,
      observableLogit,
      logit,
      converts,
      entryForm,
      forms,
      pricingViews,
      trial,
      webinarAttended,
      emailClicks: emailClicksInWindow,
      path,
    },
  };
}

function budgetOf(amountCents: number): string {
  const dollars = amountCents / 100;
  if (dollars < 10_000) return budgetOptions[0];
  if (dollars < 50_000) return budgetOptions[1];
  if (dollars < 250_000) return budgetOptions[2];
  return budgetOptions[3];
}

/** What the form asked; personal data stays on the lead, not in the submission record. */
function formFields(
  form: FormName,
  page: Page,
  p: Person,
  plan: (typeof planOptions)[number],
  seats: number,
  employees: number | null,
  newsletter: boolean,
): Record<string, unknown> {
  const company = p.company ? { company: p.company.name, jobTitle: p.title } : { jobTitle: p.title };
  switch (form) {
    case 'demo-request':
      return { ...company, country: p.country.code, plan_interest: plan, seats, newsletter };
    case 'contact-sales':
      return {
        ...company,
        country: p.country.code,
        topic: employees !== null && employees > 1000 ? 'security review' : 'pricing',
        newsletter,
      };
    case 'ebook':
      return { ...company, ebook: page.title, newsletter };
    case 'webinar':
      return { ...company, webinar: page.title, newsletter };
    case 'newsletter':
      return { newsletter: true };
    default: {
      const never: never = form;
      return never;
    }
  }
}
