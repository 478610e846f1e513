import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { deferIndexes, deferrableIndexes } from '../../platform/db/deferred-indexes.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const header =
  'Record ID,First Name,Last Name,Email,Phone Number,Job Title,Company Name,Website URL,Country/Region,City,Industry,Number of Employees,Lifecycle Stage,Original Source,Create Date';

// A HubSpot contacts export: 3 new people, 1 known person with news, 1 known person unchanged,
// a bad email, an unknown stage, a ragged row and a blank line.
const hubspotFile = [
  header,
  '101,Ada,Lovelace,ada@analytical.example,+44 20 1234,CTO,"Analytical Engines, Ltd",https://analytical.example,United Kingdom,London,Computer Software,"1,200",Marketing Qualified Lead,Organic Search,2024-03-05 14:23',
  '102,Grace,Hopper,grace@navy.example,,Rear Admiral,US Navy,,United States,Arlington,Government,500,salesqualifiedlead,Referrals,2023-11-01 09:00',
  '103,Existing,Same,same@known.example,,,,,,,,,Lead,,',
  '104,Known,Person,known@known.example,,VP Sales,,,,,,,Customer,,2022-01-01 00:00',
  '105,Bad,Email,not-an-email,,,,,,,,,Lead,,',
  '106,Bad,Stage,stage@unknown.example,,,,,,,,,Hot prospect,,',
  '107,Ragged,Row,ragged@unknown.example',
  '',
  '108,José,Müller,jose@empresa.example,,Gerente,"Empresa ""Grande"" S.A.",,Spain,Sevilla,Retail,51-200,Customer,Offline Sources,05.03.2021',
  '',
].join('\r\n');

/** Uploads a file (the HubSpot one unless given) to `t` and starts it with the suggested mapping; returns its id. */
async function startImport(
  t: TestApp,
  key: Record<string, string>,
  name: string,
  file = hubspotFile,
): Promise<string> {
  const up = await t.request({
    method: 'POST',
    url: `/api/v1/imports?filename=${name}`,
    payload: file,
    headers: { ...key, 'content-type': 'text/csv' },
  });
  assert.equal(up.statusCode, 201, up.body);
  const id = up.json().id as string;
  const preview = (
    await t.request({ method: 'GET', url: `/api/v1/imports/${id}/preview`, headers: key })
  ).json();
  const started = await t.request({
    method: 'POST',
    url: `/api/v1/imports/${id}/start`,
    payload: { mapping: preview.mapping },
    headers: key,
  });
  assert.equal(started.statusCode, 202, started.body);
  return id;
}

for (const dialect of testDialects) {
  describe(`imports API (${dialect})`, () => {
    let t: TestApp;
    let writer: Record<string, string>;
    let admin: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      writer = (await t.apiKey(['leads:read', 'leads:write'])).headers;
      admin = (await t.apiKey(['admin'])).headers;
    });
    after(async () => t.close());

    const upload = (body: string | Buffer, filename = 'contacts.csv', headers = writer) =>
      t.request({
        method: 'POST',
        url: `/api/v1/imports?filename=${encodeURIComponent(filename)}`,
        payload: body,
        headers: { ...headers, 'content-type': 'text/csv' },
      });
    const post = (url: string, payload: unknown, headers = writer) =>
      t.request({ method: 'POST', url, payload: payload as object, headers });
    const get = (url: string, headers = writer) => t.request({ method: 'GET', url, headers });
    const drain = async () => {
      const worker = t.runtime.createJobWorker();
      await worker.drain();
    };
    /** Uploads, starts with the suggested mapping (plus `extra`), runs the job, returns the import. */
    async function importFile(body: string | Buffer, start: Record<string, unknown> = {}, filename?: string) {
      const up = await upload(body, filename);
      assert.equal(up.statusCode, 201, up.body);
      const id = up.json().id as string;
      const preview = (await get(`/api/v1/imports/${id}/preview`)).json();
      const started = await post(`/api/v1/imports/${id}/start`, { mapping: preview.mapping, ...start });
      assert.equal(started.statusCode, 202, started.body);
      await drain();
      return (await get(`/api/v1/imports/${id}`)).json();
    }
    const leadByEmail = async (email: string) => {
      const r = (await get(`/api/v1/leads?email=${encodeURIComponent(email)}`)).json();
      return r.data[0];
    };

    it('imports a HubSpot export end to end: exact counts, mapped fields, per-row errors as CSV', async () => {
      await post('/api/v1/leads', {
        email: 'same@known.example',
        firstName: 'Existing',
        lastName: 'Same',
        externalIds: [{ system: 'hubspot', id: '103' }],
      });
      await post('/api/v1/leads', { email: 'known@known.example', firstName: 'Known', lastName: 'Person' });

      const up = await upload(hubspotFile, 'hubspot-contacts.csv');
      assert.equal(up.statusCode, 201, up.body);
      const created = up.json();
      assert.equal(created.status, 'ready');
      assert.equal(created.filename, 'hubspot-contacts.csv');
      assert.equal(created.encoding, 'utf-8');
      assert.equal(created.delimiter, ',');
      assert.equal(created.headers.length, 15);

      const preview = (await get(`/api/v1/imports/${created.id}/preview`)).json();
      assert.equal(preview.detectedPreset, 'hubspot');
      assert.equal(preview.mapping['Record ID'], 'externalId:hubspot');
      assert.equal(preview.mapping['Original Source'], 'originalSource', 'the CRM source feeds attribution');
      assert.deepEqual(
        preview.rows.map((r: { row: number }) => r.row),
        [2, 3, 4, 5, 6, 7, 8, 10],
        'blank lines are not previewed; rows keep their file numbers',
      );
      assert.deepEqual(preview.rows[0].lead, {
        externalIds: [{ system: 'hubspot', id: '101' }],
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@analytical.example',
        phone: '+44 20 1234',
        jobTitle: 'CTO',
        companyName: 'Analytical Engines, Ltd',
        website: 'https://analytical.example',
        country: 'United Kingdom',
        city: 'London',
        industry: 'Computer Software',
        companySize: 1200,
        lifecycleStage: 'mql',
        createdAt: '2024-03-05T14:23:00.000Z',
        originalSource: 'Organic Search',
      });
      assert.deepEqual(
        preview.rows[4].problems.map((p: { field: string }) => p.field),
        ['email'],
      );
      assert.deepEqual(
        preview.rows[5].problems.map((p: { column: string; rule: string }) => `${p.column}:${p.rule}`),
        ['Lifecycle Stage:enum'],
      );

      const started = await post(
        `/api/v1/imports/${created.id}/start`,
        {
          mapping: preview.mapping,
        },
        admin,
      );
      assert.equal(started.statusCode, 202, started.body);
      assert.equal(started.json().status, 'queued');
      await drain();
      const done = (await get(`/api/v1/imports/${created.id}`)).json();
      assert.equal(done.status, 'completed');
      assert.deepEqual(done.counts, { created: 3, updated: 1, unchanged: 1, failed: 3 });
      assert.equal(done.progress.fraction, 1);
      assert.equal(done.progress.rows, 9);
      assert.equal(done.errorCount, 3);

      const ada = await leadByEmail('ada@analytical.example');
      assert.equal(ada.lifecycleStage, 'mql');
      assert.equal(ada.createdAt, '2024-03-05T14:23:00.000Z');
      assert.equal(ada.companySize, 1200);
      assert.equal(ada.companyName, 'Analytical Engines, Ltd');
      assert.deepEqual(ada.externalIds, [{ system: 'hubspot', id: '101' }]);
      assert.deepEqual(ada.customFields, {});
      assert.equal(ada.firstTouch?.channel, 'organic_search', 'Original Source became the first touch');
      assert.equal(ada.firstTouch?.source, 'Organic Search');
      assert.equal(ada.source, 'import');
      assert.ok(ada.companyId, 'linked to the company of its website');
      const tps = (await get(`/api/v1/leads/${ada.id}/touchpoints`)).json().data;
      assert.deepEqual(
        tps.map((x: { type: string }) => x.type),
        ['imported'],
      );
      assert.equal(tps[0].properties.importId, created.id);
      assert.equal(
        tps[0].occurredAt,
        '2024-03-05T14:23:00.000Z',
        'a historical lead was created when it was',
      );
      const jose = await leadByEmail('jose@empresa.example');
      assert.equal(jose.lastName, 'Müller');
      assert.equal(jose.companyName, 'Empresa "Grande" S.A.');
      assert.equal(jose.companySize, 51);
      assert.equal(jose.createdAt, '2021-03-05T00:00:00.000Z');
      const known = await leadByEmail('known@known.example');
      assert.equal(known.jobTitle, 'VP Sales');
      assert.equal(known.lifecycleStage, 'customer');
      assert.equal(known.createdAt, '2022-01-01T00:00:00.000Z', 'an earlier created date moves it back');
      const same = await leadByEmail('same@known.example');
      const sameTps = (await get(`/api/v1/leads/${same.id}/touchpoints`)).json().data;
      assert.deepEqual(
        sameTps.map((x: { type: string }) => x.type),
        ['created'],
        'an unchanged row records nothing',
      );
      assert.equal(await leadByEmail('stage@unknown.example'), undefined);

      const errors = await get(`/api/v1/imports/${created.id}/errors.csv`);
      assert.equal(errors.statusCode, 200);
      assert.match(String(errors.headers['content-type']), /^text\/csv/);
      assert.equal(
        errors.headers['content-disposition'],
        'attachment; filename="hubspot-contacts-errors.csv"',
      );
      assert.deepEqual(parse(errors.body), [
        ['row', 'column', 'field', 'rule', 'message', 'value'],
        ['6', 'Email', 'email', 'format', 'is not a valid email address', 'not-an-email'],
        [
          '7',
          'Lifecycle Stage',
          'lifecycleStage',
          'enum',
          '"Hot prospect" is not a lifecycle stage (subscriber, lead, mql, sal, sql, opportunity, customer, disqualified, recycled)',
          'Hot prospect',
        ],
        ['8', '', 'row', 'columns', 'has 4 values; the header has 15', ''],
      ]);

      const again = await post(`/api/v1/imports/${created.id}/start`, { mapping: preview.mapping });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'IMPORT_NOT_STARTABLE');
      const listed = (await get('/api/v1/imports')).json();
      assert.ok(listed.data.some((i: { id: string }) => i.id === created.id));
    });

    it('a dry run classifies every row and writes nothing; then it runs for real', async () => {
      const file = [
        'Email,First Name,Job Title,Lifecycle Stage',
        'ada@analytical.example,Ada,Chief Scientist,Marketing Qualified Lead',
        'dry1@run.example,Dry,One,Lead',
        'dry2@run.example,Dry,Two,Subscriber',
        'dry1@run.example,Dry,One,Lead',
        'broken,x,y,Lead',
      ].join('\n');
      const countBefore = (await get('/api/v1/leads/count')).json().count;
      const dry = await importFile(file, { dryRun: true });
      assert.equal(dry.status, 'completed');
      assert.equal(dry.dryRun, true);
      assert.deepEqual(dry.counts, { created: 2, updated: 1, unchanged: 1, failed: 1 });
      assert.equal((await get('/api/v1/leads/count')).json().count, countBefore);
      assert.equal((await leadByEmail('ada@analytical.example')).jobTitle, 'CTO');
      const ada = await leadByEmail('ada@analytical.example');
      assert.equal((await get(`/api/v1/leads/${ada.id}/touchpoints`)).json().data.length, 1);

      const real = await post(`/api/v1/imports/${dry.id}/start`, { mapping: dry.options.mapping });
      assert.equal(real.statusCode, 202, real.body);
      await drain();
      const done = (await get(`/api/v1/imports/${dry.id}`)).json();
      assert.equal(done.dryRun, false);
      assert.deepEqual(done.counts, { created: 2, updated: 1, unchanged: 1, failed: 1 });
      assert.equal((await get('/api/v1/leads/count')).json().count, countBefore + 2);
      assert.equal((await leadByEmail('ada@analytical.example')).jobTitle, 'Chief Scientist');
    });

    it('refuses empty, header-only and binary files with a 4xx naming the problem, keeping nothing', async () => {
      const before = (await get('/api/v1/imports?limit=200')).json().data.length;
      const empty = await upload('');
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().error.code, 'IMPORT_FILE_EMPTY');
      const headerOnly = await upload('Email,First Name\r\n\r\n');
      assert.equal(headerOnly.statusCode, 400);
      assert.equal(headerOnly.json().error.code, 'IMPORT_FILE_EMPTY');
      assert.equal(headerOnly.json().error.details[0].rule, 'headerOnly');
      const binary = await upload(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0, 8, 0, 0, 0, 0x21, 0]));
      assert.equal(binary.statusCode, 400);
      assert.equal(binary.json().error.code, 'IMPORT_FILE_UNREADABLE');
      assert.match(binary.json().error.message, /not a CSV file/);
      const badHeader = await upload('"Email,Name\nx,y\n');
      assert.equal(badHeader.statusCode, 400);
      assert.equal(badHeader.json().error.code, 'IMPORT_FILE_UNREADABLE');
      // A retried upload with the same Idempotency-Key answers the first import, not a second one.
      const keyed = (n: number) =>
        t.request({
          method: 'POST',
          url: '/api/v1/imports?filename=keyed.csv',
          payload: `Email\nkeyed${n}@idem.example\n`,
          headers: { ...writer, 'content-type': 'text/csv', 'idempotency-key': 'upload-1' },
        });
      const first = await keyed(1);
      assert.equal(first.statusCode, 201, first.body);
      const retried = await keyed(1);
      assert.equal(retried.statusCode, 201);
      assert.equal(retried.headers['idempotent-replayed'], 'true');
      assert.equal(retried.json().id, first.json().id);
      await post(`/api/v1/imports/${first.json().id}/cancel`, {});
      const noType = await t.request({
        method: 'POST',
        url: '/api/v1/imports',
        payload: { a: 1 },
        headers: writer,
      });
      assert.ok(noType.statusCode >= 400 && noType.statusCode < 500, noType.body);
      assert.equal((await get('/api/v1/imports?limit=200')).json().data.length, before + 1);
      const counted = await t.runtime.database.db
        .selectFrom('import_chunks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const live = (await get('/api/v1/imports?limit=200'))
        .json()
        .data.filter(
          (i: { status: string; dryRun: boolean }) =>
            i.status === 'ready' || (i.status === 'completed' && i.dryRun),
        ).length;
      assert.ok(Number(counted.n) <= live, 'no chunks are left behind by refused uploads');
    });

    it('reads BOMs, Latin-1 bytes, semicolons; reports bad quoting and unclosed quotes per row', async () => {
      const bom = await importFile(Buffer.from('\ufeffEmail,First Name\r\nbom@enc.example,Zoë\r\n', 'utf8'));
      assert.equal(bom.encoding, 'utf-8');
      assert.deepEqual(bom.headers, ['Email', 'First Name']);
      assert.equal(bom.counts.created, 1);
      assert.equal((await leadByEmail('bom@enc.example')).firstName, 'Zoë');

      const latin = await importFile(
        Buffer.from(
          'Email;Vorname;Nachname;Stadt\nlatin@enc.example;J\xfcrgen;M\xfcller;K\xf6ln\n',
          'latin1',
        ),
      );
      assert.equal(latin.encoding, 'windows-1252');
      assert.match(latin.encodingNote, /not valid UTF-8/);
      assert.equal(latin.delimiter, ';');
      const jurgen = await leadByEmail('latin@enc.example');
      assert.equal(jurgen.firstName, 'Jürgen');
      assert.equal(jurgen.city, 'Köln');

      const quoting = await importFile(
        [
          'Email,First Name,Last Name',
          'q1@quote.example,"Ann","Lee"',
          'q2@quote.example,"Bo"b,Smith',
          'q3@quote.example,Cy,Doe',
          'q4@quote.example,"never closed,Roe',
          'q5@quote.example,Di,Poe',
        ].join('\n'),
      );
      assert.deepEqual(quoting.counts, { created: 3, updated: 0, unchanged: 0, failed: 2 });
      const errors = parse((await get(`/api/v1/imports/${quoting.id}/errors.csv`)).body) as string[][];
      assert.deepEqual(
        errors.slice(1).map((e) => `${e[0]}:${e[3]}`),
        ['3:quote', '5:unclosedQuote'],
      );
      assert.ok(await leadByEmail('q5@quote.example'), 'the rows after an unclosed quote are imported');
    });

    it('imports identity-less rows with matchOn none, and matches on an external id with matchOn external', async () => {
      const bank = [
        '"age";"job";"marital";"y"',
        '58;"management";"married";"no"',
        '44;"technician";"single";"no"',
        '58;"management";"married";"no"',
      ].join('\n');
      const up = await upload(bank, 'bank.csv');
      const id = up.json().id;
      assert.equal(up.json().delimiter, ';');
      const noIdentity = await post(`/api/v1/imports/${id}/start`, { mapping: { job: 'jobTitle' } });
      assert.equal(noIdentity.statusCode, 400);
      assert.equal(noIdentity.json().error.code, 'IMPORT_MAPPING_INVALID');
      assert.equal(noIdentity.json().error.details[0].field, 'matchOn');
      const before = (await get('/api/v1/leads/count')).json().count;
      await post(`/api/v1/imports/${id}/start`, { mapping: { job: 'jobTitle' }, matchOn: 'none' });
      await drain();
      const done = (await get(`/api/v1/imports/${id}`)).json();
      assert.deepEqual(done.counts, { created: 3, updated: 0, unchanged: 0, failed: 0 });
      assert.equal((await get('/api/v1/leads/count')).json().count, before + 3);

      const crm =
        'CRM ID,Email,City\nC-1,ext1@crm.example,Oslo\nC-2,ext2@crm.example,Bergen\n,noid@crm.example,Oslo\n';
      const first = await importFile(crm, {
        mapping: { 'CRM ID': 'externalId:crm', Email: 'email', City: 'city' },
        matchOn: 'external',
      });
      assert.deepEqual(first.counts, { created: 2, updated: 0, unchanged: 0, failed: 1 });
      // Same ids, new emails: matched on the id, not the email.
      const second = await importFile('CRM ID,Email,City\nC-1,other@crm.example,Trondheim\n', {
        mapping: { 'CRM ID': 'externalId:crm', Email: 'email', City: 'city' },
        matchOn: 'external',
      });
      assert.deepEqual(second.counts, { created: 0, updated: 1, unchanged: 0, failed: 0 });
      const lead = await leadByEmail('ext1@crm.example');
      assert.equal(lead.city, 'Trondheim');
      assert.equal(await leadByEmail('other@crm.example'), undefined, 'the lead keeps its email');
    });

    it('checks mappings and access; cancels', async () => {
      const up = await upload('Email,Name\nc@cancel.example,C\n');
      const id = up.json().id;
      const bad = await post(`/api/v1/imports/${id}/start`, {
        mapping: { Nope: 'email', Name: 'cf.nothing' },
      });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(
        bad.json().error.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`),
        ['mapping.Nope:column', 'mapping.Name:customField'],
      );
      const fields = await post(`/api/v1/imports/${id}/start`, {
        mapping: { Email: 'email' },
        createCustomFields: [{ column: 'Name', key: 'nick', label: 'Nick', type: 'text' }],
      });
      assert.equal(fields.statusCode, 403, 'creating custom fields takes an admin');
      const rep = await t.signIn('sales_rep');
      assert.equal((await get('/api/v1/imports', rep.headers)).statusCode, 403);
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/imports' })).statusCode, 401);
      const cancelled = await post(`/api/v1/imports/${id}/cancel`, {});
      assert.equal(cancelled.statusCode, 200);
      assert.equal(cancelled.json().status, 'cancelled');
      assert.equal((await post(`/api/v1/imports/${id}/cancel`, {})).statusCode, 409);
      assert.equal(
        (await post(`/api/v1/imports/${id}/start`, { mapping: { Email: 'email' } })).statusCode,
        409,
      );
      assert.equal((await get('/api/v1/imports/imp_missing')).statusCode, 404);

      // Cancelled after it was queued: the job finds it cancelled and imports nothing.
      const queued = (await upload('Email\nqueued@cancel.example\n')).json().id;
      assert.equal(
        (await post(`/api/v1/imports/${queued}/start`, { mapping: { Email: 'email' } })).statusCode,
        202,
      );
      assert.equal((await post(`/api/v1/imports/${queued}/cancel`, {})).json().status, 'cancelled');
      await drain();
      const after = (await get(`/api/v1/imports/${queued}`)).json();
      assert.equal(after.status, 'cancelled');
      assert.deepEqual(after.counts, { created: 0, updated: 0, unchanged: 0, failed: 0 });
      assert.equal(await leadByEmail('queued@cancel.example'), undefined);
    });

    it('exports exactly the leads of a filter, with the chosen columns, streamed as CSV', async () => {
      await t.request({
        method: 'POST',
        url: '/api/v1/custom-fields',
        payload: { key: 'tier', label: 'Tier', type: 'select', options: ['Gold', 'Silver'] },
        headers: admin,
      });
      const tag = `export-${dialect}`;
      const people = [
        {
          email: `e1@${tag}.example`,
          firstName: 'Eve',
          country: 'DE',
          lifecycleStage: 'mql',
          customFields: { tier: 'Gold' },
        },
        { email: `e2@${tag}.example`, firstName: 'Finn, Jr.', country: 'DE', lifecycleStage: 'mql' },
        { email: `e3@${tag}.example`, firstName: 'Gus', country: 'FR', lifecycleStage: 'mql' },
        { email: `e4@${tag}.example`, firstName: '=HYPERLINK("x")', country: 'DE', lifecycleStage: 'sql' },
      ];
      const ids: string[] = [];
      for (const p of people) {
        t.clock.advance(1000);
        ids.push((await post('/api/v1/leads', p)).json().id);
      }
      const res = await get(
        `/api/v1/leads/export.csv?q=${tag}&stage=mql&country=de&sort=createdAt&columns=email,firstName,cf.tier,lifecycleStage`,
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/csv/);
      assert.match(
        String(res.headers['content-disposition']),
        /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      assert.deepEqual(parse(res.body), [
        ['email', 'firstName', 'cf.tier', 'lifecycleStage'],
        [`e1@${tag}.example`, 'Eve', 'Gold', 'mql'],
        [`e2@${tag}.example`, 'Finn, Jr.', '', 'mql'],
      ]);
      const selection = await get(
        `/api/v1/leads/export.csv?ids=${ids[3]},${ids[2]}&columns=id,firstName&sort=createdAt`,
      );
      assert.deepEqual(parse(selection.body), [
        ['id', 'firstName'],
        [ids[2], 'Gus'],
        [ids[3], `'=HYPERLINK("x")`],
      ]);
      const all = parse((await get(`/api/v1/leads/export.csv?q=${tag}`)).body) as string[][];
      assert.equal(all.length, 5);
      assert.ok(all[0]!.includes('email') && all[0]!.includes('cf.tier') && all[0]!.includes('createdAt'));
      const badColumn = await get('/api/v1/leads/export.csv?columns=email,password');
      assert.equal(badColumn.statusCode, 400);
      assert.equal(badColumn.json().error.details[0].field, 'columns');
      const badFilter = await get('/api/v1/leads/export.csv?stage=hot');
      assert.equal(badFilter.statusCode, 400);
      const rep = await t.signIn('sales_rep');
      assert.equal((await get(`/api/v1/leads/export.csv?q=${tag}`, rep.headers)).statusCode, 200);
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/leads/export.csv' })).statusCode, 401);
    });

    // Last in this suite: it changes the qualification policy.
    it('qualifies imported open leads under the policy once scored; a stage named in the file is kept', async () => {
      const system = { actor: { type: 'system' as const, label: 'test' } };
      const policy = t.runtime.api.lifecycle.policy;
      const base = (await policy.getActive()).definition;
      // Imported leads bring no engagement: a threshold that fit alone can meet (v1: size 20,
      // software 15, senior 15 = 50, grade A).
      const draft = await policy.createDraft(
        { definition: { ...base, mql: { ...base.mql, score: { minTotal: 45, minGrade: 'B' } } } },
        system,
      );
      await policy.override(draft.version, 'imports test', system);
      const file = [
        'Email,Job Title,Industry,Number of Employees,Lifecycle Stage',
        'vp@fitting.example,VP Sales,Software,900,',
        'kept@fitting.example,VP Sales,Software,900,Lead',
        'small@tiny-shop.example,Analyst,Retail,5,',
      ].join('\n');
      const policyRows = () =>
        t.tdb.db
          .selectFrom('lead_stage_history')
          .innerJoin('leads', 'leads.id', 'lead_stage_history.lead_id')
          .select(['leads.email', 'lead_stage_history.reason', 'lead_stage_history.details'])
          .where('lead_stage_history.source', '=', 'policy')
          .where('leads.email', 'in', [
            'vp@fitting.example',
            'kept@fitting.example',
            'small@tiny-shop.example',
          ])
          .execute();

      const dry = await importFile(file, { dryRun: true }, 'fit-dry.csv');
      assert.equal(dry.status, 'completed');
      assert.deepEqual(await policyRows(), [], 'a dry run moves no stage');

      const done = await importFile(file, {}, 'fit.csv');
      assert.deepEqual(done.counts, { created: 3, updated: 0, unchanged: 0, failed: 0 });
      const vp = await leadByEmail('vp@fitting.example');
      assert.equal(vp.lifecycleStage, 'mql');
      assert.deepEqual(vp.score, { fit: 50, engagement: 0, total: 50, grade: 'A' });
      assert.equal((await leadByEmail('kept@fitting.example')).lifecycleStage, 'lead', 'the file named it');
      assert.equal((await leadByEmail('small@tiny-shop.example')).lifecycleStage, 'lead');
      const rows = await policyRows();
      assert.deepEqual(
        rows.map((r) => [r.email, r.reason, JSON.parse(r.details).cause]),
        [['vp@fitting.example', 'Score 50 ≥ 45 and fit grade A ≥ B', 'import']],
      );
      const events = await t.runtime.api.lifecycle.eventsAfter({ types: ['lead.mql'], leadId: vp.id });
      assert.equal(events.data.length, 1, 'routing hears of the MQL');
      assert.equal((events.data[0]!.payload.explanation as { total: number }).total, 50);

      // The same file again changes nothing: only open leads that qualify now move.
      const again = await importFile(file, {}, 'fit-again.csv');
      assert.equal(again.counts.failed, 0);
      assert.equal((await policyRows()).length, 1);
      assert.equal((await leadByEmail('kept@fitting.example')).lifecycleStage, 'lead');
    });
  });
}

// A bulk load sets indexes aside while it runs (SQLite): what it imports must not depend on that.
describe('imports as a bulk load (sqlite)', () => {
  let rowByRow: TestApp;
  let bulk: TestApp;
  before(async () => {
    rowByRow = await createTestApp('sqlite');
    bulk = await createTestApp('sqlite', { importBulkMinRows: 1 });
  });
  after(async () => {
    await rowByRow.close();
    await bulk.close();
  });

  // The same people again with news, a person twice in one file, and rows that fail.
  const secondFile = [
    header,
    '101,Ada,King,ada@analytical.example,,Countess,,,,,,,,,',
    '109,Alan,Turing,alan@bletchley.example,,,,,United Kingdom,,,,Lead,Paid Search,2020-01-01 10:00',
    '110,Alan,Turing,ALAN@bletchley.example,+44 1908,Mathematician,,,,,,,,,',
    '111,,,,,,,,,,,,,,',
    '112,No,Email,bad@,,,,,,,,,,,',
  ].join('\n');

  /** Runs the same story on one app; returns everything it can observe of the result. */
  async function story(t: TestApp) {
    const key = (await t.apiKey(['leads:read', 'leads:write'])).headers;
    const call = (method: 'GET' | 'POST', url: string, payload?: unknown, headers = key) =>
      t.request({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    await call('POST', '/api/v1/leads', {
      email: 'same@known.example',
      firstName: 'Existing',
      lastName: 'Same',
      externalIds: [{ system: 'hubspot', id: '103' }],
    });
    await call('POST', '/api/v1/leads', {
      email: 'known@known.example',
      firstName: 'Known',
      lastName: 'Person',
    });
    const schemaVersion = () =>
      t.runtime.database.sqlite!.pragma('schema_version', { simple: true }) as number;
    const versionBefore = schemaVersion();
    // What the loads told the database about bulk writes (the WAL's limits, db.ts).
    const bulkCalls: boolean[] = [];
    const database = t.runtime.database;
    const bulkWrites = database.bulkWrites.bind(database);
    database.bulkWrites = (on) => {
      bulkCalls.push(on);
      bulkWrites(on);
    };
    const imports = [];
    for (const [name, body] of [
      ['first.csv', hubspotFile],
      ['second.csv', secondFile],
    ] as const) {
      const id = await startImport(t, key, name, body);
      await t.runtime.createJobWorker().drain();
      const done = (await call('GET', `/api/v1/imports/${id}`)).json();
      const errors = (await call('GET', `/api/v1/imports/${id}/errors.csv`)).body;
      imports.push({
        status: done.status,
        message: done.message,
        counts: done.counts,
        errorCount: done.errorCount,
        errors,
      });
    }
    const exported = parse((await call('GET', '/api/v1/leads/export.csv?sort=email')).body) as string[][];
    // Ids differ from run to run.
    const skip = new Set(exported[0]!.flatMap((column, i) => (column === 'id' ? [i] : [])));
    const leads = exported.map((row) => row.filter((_, i) => !skip.has(i)));
    const { rows: indexes } = await sql<{ name: string; sql: string }>`
        select name, sql from sqlite_master where type = 'index' order by name
      `.execute(t.runtime.database.db);
    database.bulkWrites = bulkWrites;
    return {
      imports,
      leads,
      indexes,
      schemaChanged: schemaVersion() !== versionBefore,
      bulkCalls,
      ownCheckpoint: database.sqlite!.pragma('wal_autocheckpoint', { simple: true }),
    };
  }

  it('imports exactly what a row-by-row load imports, and leaves the same indexes behind', async () => {
    const expected = await story(rowByRow);
    assert.equal(expected.schemaChanged, false, 'a small load into a small database changes no schema');
    assert.equal(expected.leads.length - 1, 7, 'seven leads, every column but their ids compared');
    assert.ok(expected.leads[0]!.includes('email') && expected.leads[0]!.includes('lifecycleStage'));
    const got = await story(bulk);
    assert.equal(got.schemaChanged, true, 'indexes were set aside and built again');
    assert.deepEqual(got.imports, expected.imports);
    assert.deepEqual(got.leads, expected.leads);
    assert.deepEqual(got.indexes, expected.indexes);
    assert.deepEqual(await bulk.runtime.database.db.selectFrom('deferred_indexes').selectAll().execute(), []);
    // The first file was a bulk load (the second, into a database holding more leads, was not):
    // the WAL's limits were raised for it and are back where they were.
    assert.deepEqual(expected.bulkCalls, []);
    assert.deepEqual(got.bulkCalls, [true, false]);
    assert.equal(got.ownCheckpoint, expected.ownCheckpoint);
    assert.equal(got.ownCheckpoint, 32_000);
  });

  it('builds what a load set aside once that load can no longer build it itself', async () => {
    const t = bulk;
    const key = (await t.apiKey(['leads:read', 'leads:write'])).headers;
    const db = t.runtime.database;
    const uploadAndStart = (name: string) => startImport(t, key, name);
    const recorded = async () =>
      (await db.db.selectFrom('deferred_indexes').select('owner').distinct().execute()).map((r) => r.owner);
    const missing = async () => {
      const { rows } = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'index'`.execute(db.db);
      const names = new Set(rows.map((r) => r.name));
      return deferrableIndexes.filter((n) => !names.has(n));
    };

    // A load whose process died with the indexes set aside, and which was then cancelled: its
    // job, when a worker picks it up again, finds it cancelled and builds them.
    const cancelled = await uploadAndStart('died-then-cancelled.csv');
    await deferIndexes(db, cancelled, Date.now());
    assert.equal((await missing()).length, deferrableIndexes.length);
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/imports/${cancelled}/cancel`,
      headers: key,
    });
    assert.equal(res.statusCode, 200, res.body);
    await t.runtime.createJobWorker().drain();
    assert.deepEqual(await missing(), []);
    assert.deepEqual(await recorded(), []);

    // At a start: a finished load's are built, a running one's are left to it.
    const running = await uploadAndStart('running.csv');
    await db.db.updateTable('imports').set({ status: 'running' }).where('id', '=', running).execute();
    await deferIndexes(db, running, Date.now());
    const logger = { info: () => {} };
    assert.deepEqual(await t.runtime.api.imports.restoreAbandonedIndexes(logger), []);
    assert.deepEqual(await recorded(), [running]);
    await db.db.updateTable('imports').set({ status: 'completed' }).where('id', '=', running).execute();
    assert.equal(
      (await t.runtime.api.imports.restoreAbandonedIndexes(logger)).length,
      deferrableIndexes.length,
    );
    assert.deepEqual(await missing(), []);
    assert.deepEqual(await recorded(), []);
  });
});

if (testDialects.includes('postgres'))
  describe('imports on PostgreSQL refresh table statistics as they load', () => {
    /** The planner's row count of a table: -1 until ANALYZE (or VACUUM) has looked at it. */
    const plannedRows = async (t: TestApp, table: string) => {
      const { rows } = await sql<{ n: number }>`
        select reltuples::float8 as n from pg_class where oid = to_regclass(${table})
      `.execute(t.runtime.database.db);
      return Number(rows[0]!.n);
    };
    /** Imports the HubSpot file into a fresh app; returns the planner's view of what it grew. */
    async function load(options: { importAnalyzeFirstAt?: number }) {
      const t = await createTestApp('postgres', options);
      try {
        const key = (await t.apiKey(['leads:read', 'leads:write'])).headers;
        const id = await startImport(t, key, 'contacts.csv');
        await t.runtime.createJobWorker().drain();
        const done = (await t.request({ method: 'GET', url: `/api/v1/imports/${id}`, headers: key })).json();
        assert.equal(done.status, 'completed');
        return {
          created: done.counts.created as number,
          leads: await plannedRows(t, 'leads'),
          identities: await plannedRows(t, 'lead_identities'),
        };
      } finally {
        await t.close();
      }
    }

    it('analyzes the tables it grows once it has added the rows given, without waiting for autovacuum', async () => {
      const small = await load({});
      assert.equal(small.created, 5);
      // A file far below the threshold leaves the statistics to autovacuum (which would not look at
      // a table of a few rows either): the tables stay unanalyzed.
      assert.deepEqual([small.leads, small.identities], [-1, -1]);
      const analyzed = await load({ importAnalyzeFirstAt: 2 });
      assert.equal(analyzed.created, 5);
      // The five new leads and their HubSpot ids, as ANALYZE counted them.
      assert.deepEqual([analyzed.leads, analyzed.identities], [5, 5]);
    });
  });
