/**
 * stitchMany (a group of form submissions at once) and stitch one by one must leave the same
 * records: for generated groups of browsers — new ones, ones with waiting anonymous events, ones
 * already stitched to the lead or to another lead, the same browser twice — two mirrored set-ups
 * (fresh ids and emails each) are stitched each way and compared position by position.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const browser =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
type Kind = 'fresh' | 'waiting' | 'stitched_same' | 'stitched_other' | 'repeat';
const groups = fc.array(
  fc.record({
    kind: fc.constantFrom<Kind>('fresh', 'fresh', 'waiting', 'stitched_same', 'stitched_other', 'repeat'),
    events: fc.integer({ min: 1, max: 3 }),
    lead: fc.integer({ min: 0, max: 2 }),
  }),
  { minLength: 1, maxLength: 6 },
);

for (const dialect of testDialects) {
  describe(`stitchMany agrees with stitch (${dialect})`, () => {
    let t: TestApp;
    let headers: Record<string, string>;
    let n = 0;
    before(async () => {
      t = await createTestApp(dialect);
      headers = (await t.apiKey(['admin'])).headers;
    });
    after(async () => t.close());

    const track = async (visitorId: string, events: unknown[]) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/public/track',
        headers: { 'content-type': 'application/json', 'user-agent': browser },
        payload: { visitorId, events },
        remoteAddress: '10.9.8.7',
      });
      assert.equal(res.statusCode, 202, res.body);
    };
    const page = (path: string) => ({ type: 'page', page: { url: `https://www.example.com${path}` } });
    const newLead = async (email: string) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/leads', headers, payload: { email } });
      assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
      return res.json().id as string;
    };

    /** Builds one side's browsers and leads; returns the stitch inputs and the lead ids by label. */
    async function setUp(group: { kind: Kind; events: number; lead: number }[]) {
      const side = `s${n++}`;
      const leads = [
        await newLead(`a.${side}@stitch.example`),
        await newLead(`b.${side}@stitch.example`),
        await newLead(`c.${side}@stitch.example`),
      ];
      const other = await newLead(`other.${side}@stitch.example`);
      const inputs: { visitorId: string; leadId: string; reason: 'form' }[] = [];
      for (const [i, g] of group.entries()) {
        const leadId = leads[g.lead]!;
        if (g.kind === 'repeat' && inputs.length > 0) {
          inputs.push({ ...inputs[inputs.length - 1]!, leadId });
          continue;
        }
        const visitorId = `v${side}x${i}xxxxxxx`;
        if (g.kind === 'waiting')
          await track(
            visitorId,
            Array.from({ length: g.events }, (_, k) => page(`/p${k}`)),
          );
        if (g.kind === 'stitched_same' || g.kind === 'stitched_other') {
          await track(visitorId, [page('/before')]);
          const target = g.kind === 'stitched_same' ? leadId : other;
          await t.runtime.database.db
            .transaction()
            .execute((tx) => t.runtime.api.tracking.stitch(tx, { visitorId, leadId: target, reason: 'api' }));
          await track(visitorId, [page('/after')]);
        }
        inputs.push({ visitorId, leadId, reason: 'form' });
      }
      const label = new Map<string, string>([
        ...leads.map((id, k) => [id, `lead${k}`] as const),
        [other, 'other'],
      ]);
      const visitorLabel = new Map(inputs.map((x, k) => [x.visitorId, `visitor${k}`]));
      // Repeated browsers share the label of their first position.
      for (const [k, x] of inputs.entries())
        if (!visitorLabel.has(x.visitorId)) visitorLabel.set(x.visitorId, `visitor${k}`);
      return { inputs, leads: [...leads, other], label, visitorLabel };
    }

    /** What a side ended with, in labels (no ids, no times). */
    async function outcome(side: Awaited<ReturnType<typeof setUp>>) {
      const db = t.runtime.database.db;
      const visitors = [...new Set(side.inputs.map((x) => x.visitorId))];
      const stitches = await db
        .selectFrom('visitor_stitches')
        .select([
          'visitor_id',
          'lead_id',
          'reason',
          'outcome',
          'previous_lead_id',
          'event_count',
          'undone_at',
        ])
        .where('visitor_id', 'in', visitors)
        .orderBy('at')
        .orderBy('id')
        .execute();
      const identities = await db
        .selectFrom('lead_identities')
        .select(['value', 'lead_id'])
        .where('kind', '=', 'visitor')
        .where('value', 'in', visitors)
        .execute();
      const touchpoints = await db
        .selectFrom('touchpoints')
        .select(['lead_id', 'type', 'source'])
        .where('lead_id', 'in', side.leads)
        .execute();
      const waiting = await db
        .selectFrom('visitor_events')
        .select(['visitor_id'])
        .where('visitor_id', 'in', visitors)
        .execute();
      const L = (id: string | null) => (id === null ? null : (side.label.get(id) ?? 'unknown'));
      const V = (id: string) => side.visitorLabel.get(id) ?? 'unknown';
      const count = <T>(rows: T[], key: (r: T) => string) => {
        const m = new Map<string, number>();
        for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
        return [...m.entries()].sort();
      };
      return {
        stitches: count(
          stitches,
          (s) =>
            `${V(s.visitor_id)} ${L(s.lead_id)} ${s.reason} ${s.outcome} ${L(s.previous_lead_id)} ${s.event_count} ${s.undone_at === null}`,
        ),
        identities: identities.map((i) => `${V(i.value)} ${L(i.lead_id)}`).sort(),
        touchpoints: count(touchpoints, (tp) => `${L(tp.lead_id)} ${tp.type} ${tp.source}`),
        waiting: count(waiting, (w) => V(w.visitor_id)),
      };
    }

    it('leaves the same stitches, identities, touchpoints and waiting events', async () => {
      await fc.assert(
        fc.asyncProperty(groups, async (group) => {
          const many = await setUp(group);
          const one = await setUp(group);
          await t.runtime.database.db
            .transaction()
            .execute((tx) => t.runtime.api.tracking.stitchMany(tx, many.inputs));
          await t.runtime.database.db.transaction().execute(async (tx) => {
            for (const input of one.inputs) await t.runtime.api.tracking.stitch(tx, input);
          });
          assert.deepEqual(await outcome(many), await outcome(one));
        }),
        { numRuns: dialect === 'sqlite' ? 40 : 20 },
      );
    });
  });
}
