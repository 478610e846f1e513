/**
 * The permissions matrix through the API: caller × endpoint × how the lead relates to the caller
 * (their own, a teammate's, their team's queue, another team's, another team's queue, nobody's),
 * asserting the status of every lead route and the exact contents of every list (list, count,
 * stats, search, filter=, segment=, exports, segment history, inbox), and of the deals, activities
 * and tasks about those leads. Expectations are written out here, not computed by the rule under
 * test; docs/permissions.md has the same table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../app.ts';
import { access } from '../../platform/http/access.ts';
import { type Caller, createTestApp, type TestApp, testConfig } from '../../test-support/app.ts';
import { createTestDatabase, testDialects } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';

const relations = [
  'own',
  'teammate',
  'teamQueue',
  'managerOwn',
  'otherTeam',
  'otherQueue',
  'nobody',
] as const;
type Relation = (typeof relations)[number];
const callers = ['admin', 'marketing', 'manager', 'rep', 'keyRead', 'keyWrite'] as const;
type CallerName = (typeof callers)[number];

/**
 * Who sees which lead. The relations are the rep's: the rep and a teammate are in team A, which the
 * manager manages; "otherTeam" belongs to a rep of team B, "nobody" is unowned and in no queue.
 */
const sees: Record<CallerName, readonly Relation[]> = {
  admin: relations,
  marketing: relations,
  keyRead: relations,
  keyWrite: relations,
  manager: ['own', 'teammate', 'teamQueue', 'managerOwn'],
  rep: ['own', 'teamQueue'],
};

type Endpoint = {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: (id: string) => string;
  body?: object;
  /** Callers the route lets through at all (others get 403 FORBIDDEN whatever the lead). */
  callers: readonly CallerName[];
  /**
   * The answer for a lead in scope when it is not a success: the body is refused after the lead
   * check (so nothing changes and one fixture serves the whole table).
   */
  inScope?: { status: number; code: string };
};

const people = ['admin', 'marketing', 'manager', 'rep'] as const;
// Reads and writes that leave every relation as it was, so one fixture serves the whole table.
const repeatable: Endpoint[] = [
  { name: 'get', method: 'GET', path: (id) => `/api/v1/leads/${id}`, callers: [...people, 'keyRead'] },
  {
    name: 'touchpoints',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/touchpoints`,
    callers: [...people, 'keyRead'],
  },
  {
    name: 'stages',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/stages`,
    callers: [...people, 'keyRead'],
  },
  {
    name: 'score',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/score`,
    callers: [...people, 'keyRead'],
  },
  {
    name: 'score history',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/score/history`,
    callers: [...people, 'keyRead'],
  },
  {
    name: 'assignments',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/assignments`,
    callers: [...people, 'keyRead'],
  },
  {
    name: 'stitches',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/stitches`,
    callers: [...people, 'keyRead'],
  },
  {
    name: 'merges',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/merges`,
    callers: [...people, 'keyRead'],
  },
  {
    name: 'subject-access export',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/export`,
    callers: ['admin', 'marketing'],
  },
  {
    name: 'patch a field',
    method: 'PATCH',
    path: (id) => `/api/v1/leads/${id}`,
    body: { jobTitle: 'Head of Matrix' },
    callers: [...people, 'keyWrite'],
  },
  {
    name: 'activities',
    method: 'GET',
    path: (id) => `/api/v1/leads/${id}/activities`,
    callers: [...people, 'keyRead'],
  },
  {
    // 'edit': marketing logs its own touches too (they never count as sales' first touch).
    name: 'log an activity',
    method: 'POST',
    path: (id) => `/api/v1/leads/${id}/activities`,
    body: { type: 'note', body: 'Matrix note' },
    callers: [...people, 'keyWrite'],
  },
  {
    // 'sell': without the answers the policy requires, after the lead check.
    name: 'qualify',
    method: 'POST',
    path: (id) => `/api/v1/leads/${id}/qualify`,
    body: {},
    callers: ['admin', 'manager', 'rep', 'keyWrite'],
    inScope: { status: 422, code: 'STAGE_REQUIREMENTS_MISSING' },
  },
  {
    // 'sell': into a stage that does not exist, after the lead check (deals:write, not leads:write).
    name: 'open a deal',
    method: 'POST',
    path: (id) => `/api/v1/leads/${id}/deals`,
    body: { stageId: 'stage_missing' },
    callers: ['admin', 'manager', 'rep'],
    inScope: { status: 422, code: 'DEAL_STAGE_INVALID' },
  },
];

const matrixCompany = 'Matrix Co';

describe('lead route declarations', () => {
  it('refuses to start when a route about one lead declares no lead action', async () => {
    const tdb = await createTestDatabase('sqlite');
    const app = await buildApp(testConfig(), { database: tdb, logger: testLogger });
    app.get('/api/v1/leads/:id/undeclared', { config: { access: access.signedIn() } }, async () => ({}));
    await assert.rejects(async () => {
      await app.ready();
    }, /Lead routes without a lead action \(config.lead\): GET \/api\/v1\/leads\/:id\/undeclared/);
    await app.close();
    await tdb.cleanup();
  });

  it('declares one on every lead sub-resource there is', async () => {
    const t = await createTestApp('sqlite');
    const leadRoutes = t.app.registeredRoutes().filter((r) => /^\/api\/v1\/leads\/:id(\/|$)/.test(r.url));
    assert.ok(leadRoutes.length >= 18, `only ${leadRoutes.length} lead routes`);
    assert.deepEqual(
      leadRoutes.filter((r) => !r.config?.lead).map((r) => r.url),
      [],
    );
    await t.close();
  });
});

for (const dialect of testDialects) {
  describe(`permissions matrix (${dialect})`, () => {
    let t: TestApp;
    const who = {} as Record<CallerName, Caller>;
    let repB: Caller;
    let teammate: Caller;
    let segmentId: string;
    let n = 0;

    const call = (caller: Caller, method: Endpoint['method'], url: string, payload?: object) =>
      t.request({ method, url, headers: caller.headers, ...(payload ? { payload } : {}) });
    const ok = async (caller: Caller, method: Endpoint['method'], url: string, payload?: object) => {
      const res = await call(caller, method, url, payload);
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.statusCode === 204 ? null : res.json();
    };

    /** A fresh lead of every relation (queued ones through routing: every rep is at capacity 0). */
    async function fixture(company = matrixCompany): Promise<Record<Relation, string>> {
      const lead = async (ownerId: string | null, country = 'ZZ') =>
        (
          await ok(who.keyWrite, 'POST', '/api/v1/leads', {
            email: `matrix${++n}@perm${n}.example`,
            firstName: 'Matrix',
            lastName: `Lead ${n}`,
            companyName: company,
            country,
            lifecycleStage: 'lead',
            ...(ownerId ? { ownerId } : {}),
          })
        ).id as string;
      const queued = async (country: string) => {
        const id = await lead(null, country);
        await ok(who.admin, 'POST', `/api/v1/leads/${id}/stage`, { to: 'mql' });
        const [a] = (await ok(who.admin, 'GET', `/api/v1/leads/${id}/assignments`)).data;
        assert.equal(a.status, 'queued', 'routing queues it: every rep is at capacity');
        return id;
      };
      return {
        own: await lead(who.rep.userId!),
        teammate: await lead(teammate.userId!),
        teamQueue: await queued('AA'),
        managerOwn: await lead(who.manager.userId!),
        otherTeam: await lead(repB.userId!),
        otherQueue: await queued('BB'),
        nobody: await lead(null),
      };
    }

    const idsOf = (rows: { id: string }[]) => new Set(rows.map((r) => r.id));
    const expectedIds = (caller: CallerName, leads: Record<Relation, string>) =>
      new Set(sees[caller].map((r) => leads[r]));
    const csvIds = (csv: string) =>
      new Set(
        csv
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(',')[0]!.replace(/^"|"$/g, '')),
      );

    let leads: Record<Relation, string>;

    before(async () => {
      t = await createTestApp(dialect);
      who.admin = await t.signIn('admin');
      who.marketing = await t.signIn('marketing');
      who.manager = await t.signIn('sales_manager');
      who.rep = await t.signIn('sales_rep');
      who.keyRead = await t.apiKey(['leads:read']);
      who.keyWrite = await t.apiKey(['leads:write']);
      teammate = await t.signIn('sales_rep');
      repB = await t.signIn('sales_rep');
      const managerB = await t.signIn('sales_manager');
      const teamA = await ok(who.admin, 'POST', '/api/v1/routing/teams', {
        name: 'Team A',
        managerId: who.manager.userId,
        members: [{ userId: who.rep.userId }, { userId: teammate.userId }],
      });
      const teamB = await ok(who.admin, 'POST', '/api/v1/routing/teams', {
        name: 'Team B',
        managerId: managerB.userId,
        members: [{ userId: repB.userId }],
      });
      await ok(who.admin, 'PUT', '/api/v1/routing/rules', {
        rules: [
          {
            name: 'A',
            condition: { field: 'country', op: 'eq', value: 'AA' },
            teamId: teamA.id,
            strategy: 'round_robin',
          },
          { name: 'Rest', isDefault: true, teamId: teamB.id, strategy: 'round_robin' },
        ],
      });
      for (const rep of [who.rep, teammate, repB])
        await ok(who.admin, 'PATCH', `/api/v1/routing/reps/${rep.userId}`, { capacity: 0 });
      // A segment of the matrix leads, made before them so their entries are in its history.
      segmentId = (
        await ok(who.admin, 'POST', '/api/v1/segments', {
          name: 'Matrix',
          kind: 'dynamic',
          filter: { field: 'companyName', op: 'eq', value: matrixCompany },
        })
      ).id;
      leads = await fixture();
    });
    after(async () => t.close());

    it('answers every lead route by relation: 200 in scope, 404 outside it, 403 where the role may not call', async () => {
      const failures: string[] = [];
      let checks = 0;
      for (const endpoint of repeatable) {
        for (const caller of callers) {
          for (const relation of relations) {
            const [expected, expectedCode] = !endpoint.callers.includes(caller)
              ? [403, 'FORBIDDEN']
              : sees[caller].includes(relation)
                ? endpoint.inScope
                  ? [endpoint.inScope.status, endpoint.inScope.code]
                  : [200, '']
                : [404, 'LEAD_NOT_FOUND'];
            const res = await call(
              who[caller],
              endpoint.method,
              endpoint.path(leads[relation]),
              endpoint.body,
            );
            checks++;
            const code = res.statusCode >= 400 ? res.json().error.code : '';
            // 200 stands for success (a POST that logs answers 201).
            const status = res.statusCode >= 200 && res.statusCode < 300 ? 200 : res.statusCode;
            if (status !== expected || code !== expectedCode)
              failures.push(
                `${endpoint.name} as ${caller} on ${relation}: ${res.statusCode} ${code} (expected ${expected})`,
              );
          }
        }
      }
      assert.deepEqual(failures, []);
      assert.equal(checks, repeatable.length * callers.length * relations.length);
    });

    it('answers 404 alike for a lead outside the scope and one that does not exist', async () => {
      const outside = await call(who.rep, 'GET', `/api/v1/leads/${leads.otherTeam}`);
      const missing = await call(who.rep, 'GET', '/api/v1/leads/lead_does_not_exist');
      assert.equal(outside.statusCode, 404);
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(
        { ...outside.json().error, message: '' },
        { ...missing.json().error, message: '' },
        'same code and details',
      );
      assert.match(outside.json().error.message, /^No lead lead_/);
      // A write to a lead outside the scope is a 404 too, even with a body that would be refused.
      const write = await call(who.rep, 'PATCH', `/api/v1/leads/${leads.otherTeam}`, { companySize: -1 });
      assert.equal(write.statusCode, 404);
    });

    it('lists, counts, searches, filters and exports only the leads in scope', async () => {
      const filter = encodeURIComponent(
        JSON.stringify({ field: 'companyName', op: 'eq', value: matrixCompany }),
      );
      // Every caller that may read lead lists (a write-only key may not).
      for (const caller of callers.filter((c) => c !== 'keyWrite')) {
        const expected = expectedIds(caller, leads);
        const c = who[caller];
        const label = (what: string) => `${what} as ${caller}`;
        const list = await ok(
          c,
          'GET',
          `/api/v1/leads?companyName=${encodeURIComponent(matrixCompany)}&limit=200`,
        );
        assert.deepEqual(idsOf(list.data), expected, label('list'));
        // Cursor pages hold the same set, page by page.
        const paged = new Set<string>();
        let cursor: string | null = null;
        do {
          const page: { data: { id: string }[]; nextCursor: string | null } = await ok(
            c,
            'GET',
            `/api/v1/leads?companyName=${encodeURIComponent(matrixCompany)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          );
          for (const l of page.data) paged.add(l.id);
          cursor = page.nextCursor;
        } while (cursor);
        assert.deepEqual(paged, expected, label('cursor pages'));
        const count = await ok(
          c,
          'GET',
          `/api/v1/leads/count?companyName=${encodeURIComponent(matrixCompany)}`,
        );
        assert.equal(count.count, expected.size, label('count'));
        const stats = await ok(
          c,
          'GET',
          `/api/v1/leads/stats?companyName=${encodeURIComponent(matrixCompany)}`,
        );
        assert.equal(stats.total, expected.size, label('stats'));
        const search = await ok(c, 'GET', '/api/v1/leads?q=matrix&limit=200');
        assert.deepEqual(idsOf(search.data), expected, label('search'));
        const filtered = await ok(c, 'GET', `/api/v1/leads?filter=${filter}&limit=200`);
        assert.deepEqual(idsOf(filtered.data), expected, label('filter='));
        const inSegment = await ok(c, 'GET', `/api/v1/leads?segment=${segmentId}&limit=200`);
        assert.deepEqual(idsOf(inSegment.data), expected, label('segment='));
        const csv = await call(
          c,
          'GET',
          `/api/v1/leads/export.csv?columns=id,email&companyName=${encodeURIComponent(matrixCompany)}`,
        );
        assert.equal(csv.statusCode, 200, label('export'));
        assert.deepEqual(csvIds(csv.body), expected, label('export.csv'));
        // A selection naming leads outside the scope exports only those inside it.
        const every = Object.values(leads).join(',');
        const picked = await call(c, 'GET', `/api/v1/leads/export.csv?ids=${every}&columns=id,email`);
        assert.deepEqual(csvIds(picked.body), expected, label('export.csv?ids='));
        const segmentCsv = await call(c, 'GET', `/api/v1/segments/${segmentId}/export.csv`);
        assert.equal(segmentCsv.statusCode, 200, label('segment export'));
        assert.deepEqual(csvIds(segmentCsv.body), expected, label('segment export.csv'));
        const history = await ok(c, 'GET', `/api/v1/segments/${segmentId}/history?limit=200`);
        const named = new Set<string>(history.data.map((h: { leadId: string }) => h.leadId));
        assert.deepEqual(
          new Set([...named].filter((id) => Object.values(leads).includes(id))),
          expected,
          label('segment history'),
        );
      }
    });

    it("shows sales people their scope's assignments in the inbox, and refuses marketing", async () => {
      const repInbox = await ok(who.rep, 'GET', '/api/v1/inbox');
      const queueIds = new Set(repInbox.queue.map((i: { lead: { id: string } }) => i.lead.id));
      assert.ok(queueIds.has(leads.teamQueue), 'the team queue');
      assert.ok(!queueIds.has(leads.otherQueue), "not another team's queue");
      const managerInbox = await ok(who.manager, 'GET', '/api/v1/inbox');
      assert.ok(managerInbox.queue.some((i: { lead: { id: string } }) => i.lead.id === leads.teamQueue));
      assert.ok(!managerInbox.queue.some((i: { lead: { id: string } }) => i.lead.id === leads.otherQueue));
      assert.equal((await call(who.marketing, 'GET', '/api/v1/inbox')).statusCode, 403);
    });

    it('lets each caller move stages within its scope; marketing hands off at MQL', async () => {
      const fresh = await fixture('Stage Co');
      // Disqualifying a lead (any stage) and accepting an MQL, per caller and relation.
      const table: [CallerName, Relation, 'disqualified' | 'sal', number][] = [
        ['rep', 'own', 'disqualified', 200],
        ['rep', 'teammate', 'disqualified', 404],
        ['rep', 'teamQueue', 'sal', 200],
        ['rep', 'otherQueue', 'sal', 404],
        ['manager', 'teammate', 'disqualified', 200],
        ['manager', 'otherTeam', 'disqualified', 404],
        ['marketing', 'nobody', 'disqualified', 200], // before MQL: marketing's
        ['marketing', 'otherQueue', 'sal', 403], // accepting is sales'
        ['marketing', 'otherQueue', 'disqualified', 403], // rejecting an MQL is sales' too
        ['keyRead', 'managerOwn', 'disqualified', 403],
        ['keyWrite', 'managerOwn', 'disqualified', 200],
      ];
      for (const [caller, relation, to, status] of table) {
        const res = await call(who[caller], 'POST', `/api/v1/leads/${fresh[relation]}/stage`, {
          to,
          ...(to === 'disqualified' ? { reason: 'Matrix test' } : {}),
        });
        assert.equal(res.statusCode, status, `${caller} → ${to} on ${relation}: ${res.body}`);
        if (status === 403 && caller === 'marketing') {
          assert.equal(res.json().error.code, 'LEAD_ACTION_NOT_ALLOWED');
          assert.equal(res.json().error.details[0].field, 'to');
        }
      }
      // The moves offered are the ones the caller may make.
      const offered = async (caller: CallerName, id: string) =>
        (await ok(who[caller], 'GET', `/api/v1/leads/${id}/stages`)).allowed.map((a: { to: string }) => a.to);
      const other = await fixture('Offered Co');
      assert.deepEqual(await offered('marketing', other.otherQueue), []);
      assert.deepEqual(await offered('marketing', other.nobody), ['mql', 'disqualified']);
      assert.ok((await offered('admin', other.otherQueue)).includes('sal'));
      assert.ok((await offered('rep', other.teamQueue)).includes('sal'));
    });

    it('claims, deletes and bulk-deletes only within scope', async () => {
      const fresh = await fixture('Claim Co');
      const claims: [CallerName, Relation, number][] = [
        ['marketing', 'teamQueue', 403],
        ['rep', 'otherQueue', 404],
        ['rep', 'nobody', 404],
        ['rep', 'own', 409], // in scope, but nothing to claim
        ['rep', 'teamQueue', 200],
      ];
      for (const [caller, relation, status] of claims) {
        const res = await call(who[caller], 'POST', `/api/v1/leads/${fresh[relation]}/claim`);
        assert.equal(res.statusCode, status, `${caller} claims ${relation}: ${res.body}`);
      }
      assert.equal((await ok(who.admin, 'GET', `/api/v1/leads/${fresh.teamQueue}`)).ownerId, who.rep.userId);

      const doomed = await fixture('Delete Co');
      assert.equal((await call(who.rep, 'DELETE', `/api/v1/leads/${doomed.own}`)).statusCode, 403);
      assert.equal((await call(who.manager, 'DELETE', `/api/v1/leads/${doomed.otherTeam}`)).statusCode, 404);
      assert.equal((await call(who.manager, 'DELETE', `/api/v1/leads/${doomed.teammate}`)).statusCode, 204);
      const bulk = await ok(who.manager, 'POST', '/api/v1/leads/bulk-delete', { ids: Object.values(doomed) });
      // own, teamQueue and managerOwn are left of the manager's four (teammate's went first).
      assert.equal(bulk.deleted, 3);
      const left = await ok(who.admin, 'GET', '/api/v1/leads?companyName=Delete%20Co&limit=50');
      assert.deepEqual(idsOf(left.data), new Set([doomed.otherTeam, doomed.otherQueue, doomed.nobody]));
    });

    it('lets reps create leads they then own, never reassign, and never touch a lead outside through its email', async () => {
      const created = await call(who.rep, 'POST', '/api/v1/leads', {
        email: `mine${++n}@rep.example`,
        companyName: 'Rep Co',
      });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().ownerId, who.rep.userId, 'a rep owns what they create');
      assert.equal((await call(who.rep, 'GET', `/api/v1/leads/${created.json().id}`)).statusCode, 200);
      // "No owner" from a rep is the rep too: an unowned lead would drop out of their sight at once.
      const noOwner = await call(who.rep, 'POST', '/api/v1/leads', {
        email: `none${++n}@rep.example`,
        ownerId: null,
      });
      assert.equal(noOwner.statusCode, 201, noOwner.body);
      assert.equal(noOwner.json().ownerId, who.rep.userId);

      const forOther = await call(who.rep, 'POST', '/api/v1/leads', {
        email: `given${++n}@rep.example`,
        ownerId: teammate.userId,
      });
      assert.equal(forOther.statusCode, 403);
      assert.equal(forOther.json().error.code, 'LEAD_ACTION_NOT_ALLOWED');
      assert.equal(forOther.json().error.details[0].field, 'ownerId');

      const reassign = await call(who.rep, 'PATCH', `/api/v1/leads/${leads.own}`, {
        ownerId: teammate.userId,
      });
      assert.equal(reassign.statusCode, 403);
      assert.equal(reassign.json().error.details[0].field, 'ownerId');

      // The email of another team's lead: refused, and that lead is untouched.
      const other = await ok(who.admin, 'GET', `/api/v1/leads/${leads.otherTeam}`);
      const sneaky = await call(who.rep, 'POST', '/api/v1/leads', {
        email: other.email,
        jobTitle: 'Taken over',
        ownerId: who.rep.userId,
      });
      assert.equal(sneaky.statusCode, 409);
      assert.equal(sneaky.json().error.code, 'LEAD_OUT_OF_SCOPE');
      assert.doesNotMatch(sneaky.body, new RegExp(leads.otherTeam), 'the other lead is not named');
      const after = await ok(who.admin, 'GET', `/api/v1/leads/${leads.otherTeam}`);
      assert.equal(after.jobTitle, other.jobTitle);
      assert.equal(after.ownerId, repB.userId);

      // The batch answers per item: the rep's own lead updated, a new one created, the other refused.
      const own = await ok(who.admin, 'GET', `/api/v1/leads/${leads.own}`);
      const batch = await ok(who.rep, 'POST', '/api/v1/leads/batch', {
        items: [
          { email: own.email, city: 'Lisbon' },
          { email: `batch${++n}@rep.example` },
          { email: other.email, city: 'Nowhere' },
        ],
      });
      assert.deepEqual(
        batch.results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status),
        ['updated', 'created', 'LEAD_OUT_OF_SCOPE'],
      );
      assert.equal(
        (await ok(who.admin, 'GET', `/api/v1/leads/${batch.results[1].id}`)).ownerId,
        who.rep.userId,
      );
      assert.equal((await ok(who.admin, 'GET', `/api/v1/leads/${leads.otherTeam}`)).city, other.city);

      // Changing an email to one another lead holds does not name a lead the rep cannot see.
      const clash = await call(who.rep, 'PATCH', `/api/v1/leads/${leads.own}`, { email: other.email });
      assert.equal(clash.statusCode, 409);
      assert.doesNotMatch(clash.body, new RegExp(leads.otherTeam));
    });

    it('lets managers give leads to their teams only, and marketing not set sales stages', async () => {
      const fresh = await fixture('Owner Co');
      const toTeammate = await call(who.manager, 'PATCH', `/api/v1/leads/${fresh.own}`, {
        ownerId: teammate.userId,
      });
      assert.equal(toTeammate.statusCode, 200, toTeammate.body);
      const toOther = await call(who.manager, 'PATCH', `/api/v1/leads/${fresh.managerOwn}`, {
        ownerId: repB.userId,
      });
      assert.equal(toOther.statusCode, 403);
      const toNobody = await call(who.manager, 'PATCH', `/api/v1/leads/${fresh.managerOwn}`, {
        ownerId: null,
      });
      assert.equal(toNobody.statusCode, 403);
      assert.equal(
        (await call(who.marketing, 'PATCH', `/api/v1/leads/${fresh.nobody}`, { ownerId: repB.userId }))
          .statusCode,
        200,
      );

      const qualify = await call(who.marketing, 'PATCH', `/api/v1/leads/${fresh.otherTeam}`, {
        lifecycleStage: 'sql',
      });
      assert.equal(qualify.statusCode, 403);
      assert.equal(qualify.json().error.details[0].field, 'lifecycleStage');
      const asCustomer = await call(who.marketing, 'POST', '/api/v1/leads', {
        email: `customer${++n}@mkt.example`,
        lifecycleStage: 'customer',
      });
      assert.equal(asCustomer.statusCode, 403);
      const asMql = await call(who.marketing, 'PATCH', `/api/v1/leads/${fresh.nobody}`, {
        lifecycleStage: 'mql',
      });
      assert.equal(asMql.statusCode, 200, asMql.body);
    });

    it('keeps merges, stitches, previews and static lists within scope', async () => {
      const fresh = await fixture('Merge Co');
      const intoOwn = await call(who.rep, 'POST', `/api/v1/leads/${fresh.own}/merge`, {
        mergedId: fresh.otherTeam,
      });
      assert.equal(intoOwn.statusCode, 404);
      assert.equal(intoOwn.json().error.details[0].field, 'mergedId');
      // A merge an admin made between leads of another team does not exist for the rep.
      const merged = await ok(who.admin, 'POST', `/api/v1/leads/${fresh.otherTeam}/merge`, {
        mergedId: fresh.nobody,
      });
      const undo = await call(who.rep, 'POST', `/api/v1/lead-merges/${merged.merge.id}/undo`);
      assert.equal(undo.statusCode, 404);
      assert.equal(undo.json().error.code, 'MERGE_NOT_FOUND');
      assert.equal(
        (await call(who.admin, 'POST', `/api/v1/lead-merges/${merged.merge.id}/undo`)).statusCode,
        200,
      );

      const stitch = await ok(who.admin, 'POST', `/api/v1/leads/${fresh.otherTeam}/visitors`, {
        visitorId: 'v_0123456789abcdef0123',
      });
      const undoStitch = await call(who.rep, 'POST', `/api/v1/stitches/${stitch.id}/undo`);
      assert.equal(undoStitch.statusCode, 404);
      assert.equal(undoStitch.json().error.code, 'STITCH_NOT_FOUND');

      const preview = await call(who.rep, 'POST', '/api/v1/scoring/preview', { leadId: fresh.otherTeam });
      assert.equal(preview.statusCode, 404);
      assert.equal(preview.json().error.details[0].field, 'leadId');
      assert.equal(
        (await call(who.rep, 'POST', '/api/v1/scoring/preview', { leadId: fresh.own })).statusCode,
        200,
      );

      const list = await ok(who.admin, 'POST', '/api/v1/segments', { name: `Static ${++n}`, kind: 'static' });
      const added = await ok(who.rep, 'POST', `/api/v1/segments/${list.id}/members`, {
        leadIds: [fresh.own, fresh.otherTeam],
      });
      assert.equal(added.added, 1);
      assert.deepEqual(added.skipped, [fresh.otherTeam]);
      await ok(who.admin, 'POST', `/api/v1/segments/${list.id}/members`, { leadIds: [fresh.otherTeam] });
      const removed = await ok(who.rep, 'POST', `/api/v1/segments/${list.id}/members/remove`, {
        leadIds: [fresh.own, fresh.otherTeam],
      });
      assert.equal(removed.removed, 1, 'the rep removes only their own lead from the list');
    });

    it('shows deals, activities and tasks of a lead only to those who see the lead', async () => {
      // Deals owned by nobody in anyone's scope (an admin), each linked to one lead of a relation:
      // a deal is seen exactly where its lead is. Linking makes the leads opportunities, so the
      // queued ones go back to the queue through nurture (recycled → MQL, routed again).
      const fresh = await fixture('Deal Co');
      const deals = {} as Record<Relation, string>;
      for (const relation of relations) {
        const deal = await ok(who.admin, 'POST', '/api/v1/deals', {
          name: `Matrixdeal ${relation}`,
          leadIds: [fresh[relation]],
          ownerId: who.admin.userId,
        });
        deals[relation] = deal.id;
      }
      for (const relation of ['teamQueue', 'otherQueue'] as const) {
        const id = fresh[relation];
        await ok(who.admin, 'POST', `/api/v1/leads/${id}/stage`, { to: 'recycled', reason: 'Matrix' });
        await ok(who.admin, 'POST', `/api/v1/leads/${id}/stage`, { to: 'mql' });
        const open = (await ok(who.admin, 'GET', `/api/v1/leads/${id}/assignments`)).data.filter(
          (a: { status: string }) => a.status === 'queued',
        );
        assert.equal(open.length, 1, `${relation} is queued again`);
      }
      // Activities and tasks an admin logged on each lead of the first fixture.
      const activities = {} as Record<Relation, string>;
      const tasks = {} as Record<Relation, string>;
      for (const relation of relations) {
        activities[relation] = (
          await ok(who.admin, 'POST', `/api/v1/leads/${leads[relation]}/activities`, {
            type: 'call',
            outcome: 'connected',
            body: `Matrix call ${relation}`,
          })
        ).id;
        tasks[relation] = (
          await ok(who.admin, 'POST', '/api/v1/tasks', {
            title: `Matrix task ${relation}`,
            dueAt: new Date(t.clock.now() + 3_600_000).toISOString(),
            leadId: leads[relation],
          })
        ).id;
      }

      const failures: string[] = [];
      const expect = (what: string, got: unknown, want: unknown) => {
        if (JSON.stringify(got) !== JSON.stringify(want))
          failures.push(`${what}: ${JSON.stringify(got)} (expected ${JSON.stringify(want)})`);
      };
      for (const caller of people) {
        const seen = (r: Relation) => sees[caller].includes(r);
        const list = await ok(who[caller], 'GET', '/api/v1/deals?q=Matrixdeal&limit=200');
        expect(
          `deal list as ${caller}`,
          list.data.map((d: { id: string }) => d.id).sort(),
          relations
            .filter(seen)
            .map((r) => deals[r])
            .sort(),
        );
        for (const relation of relations) {
          const at = `${relation} as ${caller}`;
          const deal = await call(who[caller], 'GET', `/api/v1/deals/${deals[relation]}`);
          expect(`deal of ${at}`, deal.statusCode, seen(relation) ? 200 : 404);
          // The author (an admin) or an admin may change an activity: others who see it get 403.
          const patch = await call(who[caller], 'PATCH', `/api/v1/activities/${activities[relation]}`, {
            body: `Matrix call ${relation}`,
          });
          expect(
            `activity of ${at}`,
            [patch.statusCode, patch.statusCode >= 400 ? patch.json().error.code : ''],
            caller === 'admin'
              ? [200, '']
              : seen(relation)
                ? [403, 'ACTIVITY_NOT_YOURS']
                : [404, 'ACTIVITY_NOT_FOUND'],
          );
          const task = await call(who[caller], 'GET', `/api/v1/tasks/${tasks[relation]}`);
          expect(`task of ${at}`, task.statusCode, seen(relation) ? 200 : 404);
          const ofLead = await ok(who[caller], 'GET', `/api/v1/tasks?leadId=${leads[relation]}`);
          expect(
            `tasks of the lead of ${at}`,
            ofLead.data.map((x: { id: string }) => x.id),
            seen(relation) ? [tasks[relation]] : [],
          );
        }
      }
      assert.deepEqual(failures, []);
    });

    it('keeps form submissions and imports to marketing', async () => {
      for (const caller of ['rep', 'manager'] as const) {
        assert.equal((await call(who[caller], 'GET', '/api/v1/forms/x/submissions')).statusCode, 403);
        assert.equal((await call(who[caller], 'GET', '/api/v1/imports')).statusCode, 403);
      }
      assert.equal((await call(who.marketing, 'GET', '/api/v1/imports')).statusCode, 200);
    });
  });
}
