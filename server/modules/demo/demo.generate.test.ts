import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { lifecycleStages } from '../../../contracts/leads.ts';
import { isFreeMailDomain } from '../leads/index.ts';
import { channelWeights, countries, namesByCulture } from './demo.data.ts';
import { type DemoLead, generateDemoLeads } from './demo.generate.ts';
import { createRng } from './demo.random.ts';

const now = Date.UTC(2026, 10, 22, 9, 0, 0);
const DAY = 86_400_000;
const generate = (leads: number, seed: number, at = now) => [...generateDemoLeads({ leads, seed, now: at })];
const hashOf = (leads: DemoLead[]) => createHash('sha256').update(JSON.stringify(leads)).digest('hex');

/** Area under the ROC curve (Mann–Whitney): the chance a random customer outscores a random non-customer. */
function auc(scores: number[], positive: boolean[]): number {
  const order = scores.map((s, i) => [s, positive[i]!] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  order.forEach(([, p], i) => {
    if (p) {
      rankSum += i + 1;
      positives++;
    }
  });
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const isCustomer = (l: DemoLead) => l.input.lifecycleStage === 'customer';
const rateOf = (leads: DemoLead[]) => leads.filter(isCustomer).length / leads.length;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

describe('demo data generator', () => {
  it('draws from its own seeded generator: same seed, same numbers; never Math.random', () => {
    const a = createRng(1);
    const b = createRng(1);
    const c = createRng(2);
    const xs = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(
      Array.from({ length: 5 }, () => b.next()),
      xs,
    );
    assert.notDeepEqual(
      Array.from({ length: 5 }, () => c.next()),
      xs,
    );
    for (const x of xs) assert.ok(x >= 0 && x < 1);
    const random = Math.random;
    const dateNow = Date.now;
    Math.random = () => {
      throw new Error('Math.random is not seeded');
    };
    Date.now = () => {
      throw new Error('the clock must be injected');
    };
    try {
      assert.equal(generate(200, 5).length, 200);
    } finally {
      Math.random = random;
      Date.now = dateNow;
    }
  });

  it('is deterministic: the same seed, size and now give identical data; another seed or now differs', () => {
    const first = hashOf(generate(1000, 7));
    assert.equal(hashOf(generate(1000, 7)), first);
    assert.notEqual(hashOf(generate(1000, 8)), first);
    assert.notEqual(hashOf(generate(1000, 7, now + DAY)), first);
  });

  it('loaded on another day, holds the same leads and history, moved in time to end then', () => {
    const base = generate(1000, 7);
    for (const shift of [DAY, 16 * DAY + 7.25 * 3_600_000, -40 * DAY, 400 * DAY + 1234]) {
      const later = generate(1000, 7, now + shift);
      assert.equal(later.length, base.length);
      later.forEach((l, i) => {
        const b = base[i]!;
        assert.equal(Date.parse(l.input.createdAt) - Date.parse(b.input.createdAt), shift);
        assert.deepEqual(
          l.touchpoints.map((t) => t.occurredAt - shift),
          b.touchpoints.map((t) => t.occurredAt),
        );
        assert.deepEqual(
          l.truth.path.map((p) => p.at - shift),
          b.truth.path.map((p) => p.at),
        );
        // Everything else is the same lead: who, what they did, where they stand.
        const timeless = (x: DemoLead) => ({
          ...x,
          input: { ...x.input, createdAt: '' },
          touchpoints: x.touchpoints.map((t) => ({ ...t, occurredAt: 0 })),
          truth: { ...x.truth, path: x.truth.path.map((p) => ({ ...p, at: 0 })) },
        });
        assert.deepEqual(timeless(l), timeless(b));
      });
    }
  });

  describe('on 5,000 leads (seed 42)', () => {
    const leads = generate(5000, 42);
    const mature = leads.filter((l) => now - Date.parse(l.input.createdAt) >= 150 * DAY);

    it('has a real, documented signal: favoured leads become customers far more often', () => {
      const senior = new Set(['c_level', 'vp', 'director', 'head']);
      const signals = (l: DemoLead) =>
        [
          l.truth.employees !== null && l.truth.employees >= 200 && l.truth.employees <= 5000,
          l.truth.industry === 'software' || l.truth.industry === 'finance',
          senior.has(l.truth.seniority),
          l.truth.forms.includes('demo-request'),
          l.truth.pricingViews >= 3,
          ['events', 'referral', 'paid_search'].includes(l.truth.channel),
        ].filter(Boolean).length;
      const against = (l: DemoLead) => l.truth.freeMail || (l.truth.employees ?? 0) <= 10;
      const favoured = (l: DemoLead) => signals(l) >= 2 && !against(l);
      const fav = mature.filter(favoured);
      const rest = mature.filter((l) => !favoured(l));
      // Seed 42: 13.6% of 807 favoured leads vs 2.1% of 1,566 others.
      assert.ok(fav.length > 500 && rest.length > 1000, `${fav.length} favoured, ${rest.length} others`);
      assert.ok(
        rateOf(fav) > 3 * rateOf(rest) && rateOf(fav) - rateOf(rest) > 0.06,
        `favoured ${pct(rateOf(fav))} vs others ${pct(rateOf(rest))}`,
      );

      // Each documented effect points the documented way on its own.
      const contrast = (name: string, has: (l: DemoLead) => boolean, direction: 'up' | 'down') => {
        const yes = rateOf(mature.filter(has));
        const no = rateOf(mature.filter((l) => !has(l)));
        if (direction === 'up') assert.ok(yes > 1.4 * no, `${name}: ${pct(yes)} vs ${pct(no)}`);
        else assert.ok(yes < 0.6 * no, `${name}: ${pct(yes)} vs ${pct(no)}`);
      };
      contrast(
        'size 200–5,000',
        (l) => (l.input.companySize ?? 0) >= 200 && (l.input.companySize ?? 0) <= 5000,
        'up',
      );
      contrast('software or finance', (l) => ['Software', 'Finance'].includes(l.input.industry ?? ''), 'up');
      contrast('senior title', (l) => senior.has(l.truth.seniority), 'up');
      contrast('demo requested', (l) => l.truth.forms.includes('demo-request'), 'up');
      contrast('/pricing 3+ times', (l) => l.truth.pricingViews >= 3, 'up');
      contrast(
        'events, referral or paid search',
        (l) => ['events', 'referral', 'paid_search'].includes(l.truth.channel),
        'up',
      );
      contrast('free-mail', (l) => l.truth.freeMail, 'down');
      contrast('students', (l) => l.truth.seniority === 'student', 'down');
      contrast('10 employees or fewer', (l) => (l.input.companySize ?? 99) <= 10, 'down');
      contrast('ebooks only', (l) => l.truth.forms.every((f) => f === 'ebook'), 'down');
      contrast(
        'paid or organic social',
        (l) => ['paid_social', 'organic_social'].includes(l.truth.channel),
        'down',
      );
    });

    it('is learnable but noisy: the best observable score reaches an AUC around 0.8, not 1', () => {
      const customer = mature.map(isCustomer);
      const observable = auc(
        mature.map((l) => l.truth.observableLogit),
        customer,
      );
      const fitOnly = auc(
        mature.map((l) => l.truth.fit),
        customer,
      );
      const everything = auc(
        mature.map((l) => l.truth.logit),
        customer,
      );
      // Seed 42: fit alone 0.745, fit and behaviour 0.841, with the hidden intent and noise 0.900.
      assert.ok(observable > 0.75 && observable < 0.88, `observable AUC ${observable}`);
      assert.ok(fitOnly > 0.65 && fitOnly < observable - 0.04, `fit-only AUC ${fitOnly}`);
      assert.ok(everything < 0.97, `even the hidden log-odds leave chance: AUC ${everything}`);
    });

    it('has a plausible stage mix: older leads have converted, recent ones are mostly open', () => {
      const count = (s: string, xs = leads) => xs.filter((l) => l.input.lifecycleStage === s).length;
      for (const stage of lifecycleStages) assert.ok(count(stage) > 10, `${stage}: ${count(stage)}`);
      assert.ok(count('lead') + count('subscriber') > 0.5 * leads.length);
      // Seed 42: customers are 6.0% of leads older than 150 days and 15.1% of those decided.
      assert.ok(
        rateOf(mature) > 0.03 && rateOf(mature) < 0.12,
        `customers among mature: ${pct(rateOf(mature))}`,
      );
      const decided = mature.filter((l) =>
        ['customer', 'disqualified', 'recycled'].includes(l.input.lifecycleStage!),
      );
      assert.ok(
        rateOf(decided) > 0.05 && rateOf(decided) < 0.22,
        `customers among decided: ${pct(rateOf(decided))}`,
      );
      const open = (xs: DemoLead[]) =>
        xs.filter((l) => ['mql', 'sal', 'sql', 'opportunity'].includes(l.input.lifecycleStage!)).length /
        xs.length;
      const recent = leads.filter((l) => now - Date.parse(l.input.createdAt) < 30 * DAY);
      assert.ok(
        open(recent) > 2 * open(mature),
        `open: recent ${pct(open(recent))}, mature ${pct(open(mature))}`,
      );
      assert.ok(rateOf(recent) < 0.01, `customers among leads of the last 30 days: ${pct(rateOf(recent))}`);
      // Created over about a year, more lately than long ago.
      const ages = leads.map((l) => (now - Date.parse(l.input.createdAt)) / DAY);
      assert.ok(Math.max(...ages) > 330 && Math.min(...ages) >= 0);
      assert.ok(ages.filter((a) => a < 180).length > ages.filter((a) => a >= 180).length);
    });

    it('writes a consistent history: time-ordered, never after now, stage changes chaining to the stage', () => {
      for (const l of leads) {
        const created = Date.parse(l.input.createdAt);
        assert.ok(created <= now);
        let last = Number.NEGATIVE_INFINITY;
        for (const t of l.touchpoints) {
          assert.ok(t.occurredAt >= last && t.occurredAt <= now, `${l.input.email} ${t.type}`);
          last = t.occurredAt;
        }
        assert.equal(l.touchpoints[0]?.type, 'page_viewed', l.input.email);
        const entry = l.touchpoints.find((t) => t.type === 'form_submitted');
        assert.equal(entry?.occurredAt, created, `${l.input.email}: created by its first form`);
        assert.equal(entry?.properties.form, l.truth.entryForm);
        let stage = l.truth.entryForm === 'newsletter' ? 'subscriber' : 'lead';
        for (const t of l.touchpoints.filter((x) => x.type === 'stage_changed')) {
          assert.equal(t.properties.from, stage, l.input.email);
          stage = t.properties.to as string;
        }
        assert.equal(stage, l.input.lifecycleStage, l.input.email);
      }
      const types = new Set(leads.flatMap((l) => l.touchpoints.map((t) => t.type)));
      assert.deepEqual([...types].sort(), [
        'email_clicked',
        'email_opened',
        'event',
        'form_submitted',
        'page_viewed',
        'stage_changed',
      ]);
      const events = new Set(
        leads.flatMap((l) => l.touchpoints.filter((t) => t.type === 'event').map((t) => t.properties.name)),
      );
      for (const name of ['pricing_viewed', 'trial_started', 'webinar_attended', 'demo_attended'])
        assert.ok(events.has(name), name);
    });

    it('encodes each first-touch channel in the first page view’s UTM values and referrer', () => {
      const classify = (p: Record<string, unknown>): string => {
        const medium = p.utm_medium;
        const referrer = String(p.referrer ?? '');
        if (medium === 'cpc') return 'paid_search';
        if (medium === 'paid_social') return 'paid_social';
        if (medium === 'email') return 'email';
        if (medium === 'event') return 'events';
        if (/google|bing|duckduckgo/.test(referrer)) return 'organic_search';
        if (/linkedin|t\.co|facebook|reddit|youtube/.test(referrer)) return 'organic_social';
        if (referrer) return 'referral';
        return 'direct';
      };
      const seen: Record<string, number> = {};
      for (const l of leads) {
        const first = l.touchpoints[0]!;
        assert.equal(classify(first.properties), l.truth.channel, l.input.email);
        assert.match(String(first.properties.url), /^https:\/\/www\.tidewell\.example\//);
        seen[l.truth.channel] = (seen[l.truth.channel] ?? 0) + 1;
      }
      for (const [channel, weight] of Object.entries(channelWeights)) {
        const share = (seen[channel] ?? 0) / leads.length;
        assert.ok(Math.abs(share - weight / 100) < 0.03, `${channel}: ${pct(share)} (expected ~${weight}%)`);
      }
    });

    it('makes people and companies look real: names of their country, company domains under .example', () => {
      const emails = new Set(leads.map((l) => l.input.email));
      assert.equal(emails.size, leads.length);
      const countryCodes = new Set(leads.map((l) => l.input.country));
      const industries = new Set(leads.map((l) => l.input.industry).filter(Boolean));
      assert.ok(countryCodes.size >= 12 && industries.size >= 10);
      for (const l of leads) {
        const domain = l.input.email.split('@')[1]!;
        const country = countries.find((c) => c.code === l.input.country)!;
        assert.ok(
          namesByCulture[country.culture].first.includes(l.input.firstName!),
          `${l.input.firstName} in ${country.code}`,
        );
        assert.ok(country.cities.includes(l.input.city!));
        if (l.truth.freeMail) {
          assert.ok(isFreeMailDomain(domain), domain);
          assert.equal(l.input.companyName, null);
          assert.equal(l.input.companySize, null);
          assert.equal(l.input.industry, null);
        } else {
          assert.match(domain, /^[a-z0-9-]+\.example$/);
          assert.ok(l.input.companyName && l.input.companySize && l.input.industry);
          if (l.input.website) assert.equal(l.input.website, `https://www.${domain}`);
        }
      }
      const freeMail = leads.filter((l) => l.truth.freeMail).length / leads.length;
      assert.ok(freeMail > 0.12 && freeMail < 0.22, `free-mail share ${pct(freeMail)}`);
      // Company sizes with a long tail: mostly small and mid-sized, a few giants.
      const sizes = leads
        .flatMap((l) => (l.input.companySize ? [l.input.companySize] : []))
        .sort((a, b) => a - b);
      const median = sizes[sizes.length >> 1]!;
      assert.ok(median > 50 && median < 1000, `median ${median}`);
      assert.ok(sizes.filter((s) => s <= 10).length > 100 && sizes.filter((s) => s > 10_000).length > 50);
      // One company, one set of facts.
      const byDomain = new Map<string, string>();
      for (const l of leads.filter((x) => !x.truth.freeMail)) {
        const facts = JSON.stringify([
          l.input.companyName,
          l.input.companySize,
          l.input.industry,
          l.input.country,
        ]);
        const domain = l.input.email.split('@')[1]!;
        assert.equal(byDomain.get(domain) ?? facts, facts, domain);
        byDomain.set(domain, facts);
      }
      const titles = new Set(leads.map((l) => l.input.jobTitle));
      assert.ok(titles.size > 150, `${titles.size} distinct job titles`);
    });
  });
});
