/**
 * Where webhooks may point: admins anywhere (internal systems included), everyone else only public
 * https addresses — on the URL when it is saved, and on the resolved address of every delivery.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { checkWebhookUrl, isPrivateAddress, type LookupFunction, publicOnlyLookup } from './targets.ts';
import { createHttpSender } from './webhooks.service.ts';

describe('webhook targets', () => {
  it('knows private, loopback, link-local and reserved addresses from public ones', () => {
    const privateOnes = [
      '10.1.2.3',
      '127.0.0.1',
      '127.255.0.9',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.10',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      'not-an-address',
    ];
    const publicOnes = [
      '8.8.8.8',
      '172.32.0.1',
      '172.15.255.255',
      '93.184.216.34',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
    ];
    for (const a of privateOnes) assert.equal(isPrivateAddress(a), true, a);
    for (const a of publicOnes) assert.equal(isPrivateAddress(a), false, a);
  });

  it('judges an IPv4-mapped IPv6 address exactly as the IPv4 address (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        assert.equal(isPrivateAddress(`::ffff:${v4}`), isPrivateAddress(v4));
      }),
    );
  });

  const rule = (url: string, restricted: boolean, allowHttp = false) => {
    try {
      return checkWebhookUrl(url, { restricted, allowHttp });
    } catch (error) {
      const e = error as { code: string; details: { field: string; rule: string }[] };
      assert.equal(e.code, 'WEBHOOK_URL_INVALID');
      assert.equal(e.details[0]!.field, 'url');
      return `refused:${e.details[0]!.rule}`;
    }
  };

  it('lets anyone use a public https URL, and only admins reach internal ones', () => {
    assert.equal(rule('https://hooks.example.com/in', true), 'https://hooks.example.com/in');
    assert.equal(rule('https://93.184.216.34/x', true), 'https://93.184.216.34/x');
    for (const url of [
      'https://10.0.0.8/hook',
      'https://192.168.1.1/',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/',
      'https://[fd00::5]/',
      'https://[::ffff:127.0.0.1]/',
      'https://localhost/',
      'https://api.localhost/',
      'https://metadata.google.internal/',
      'https://printer/',
      'https://nas.local/',
    ])
      assert.equal(rule(url, true), 'refused:public_address', url);
    assert.equal(rule('http://hooks.example.com/', true), 'refused:protocol');
    assert.equal(rule('http://127.0.0.1:8080/', true), 'refused:protocol');
    assert.equal(rule('http://hooks.example.com/', true, true), 'refused:protocol');
    assert.equal(rule('ftp://hooks.example.com/', true), 'refused:protocol');
    assert.equal(rule('file:///etc/passwd', false), 'refused:protocol');
    assert.equal(rule('https://u:p@hooks.example.com/', false), 'refused:credentials');
    assert.equal(rule('not a url', false), 'refused:url');
    // Admins: internal addresses, http to loopback, and http anywhere when the server allows it.
    assert.equal(rule('https://10.0.0.8/hook', false), 'https://10.0.0.8/hook');
    assert.equal(rule('http://127.0.0.1:8080/x', false), 'http://127.0.0.1:8080/x');
    assert.equal(rule('http://crm.internal/x', false), 'refused:protocol');
    assert.equal(rule('http://crm.internal/x', false, true), 'http://crm.internal/x');
  });

  const fakeDns =
    (answers: Record<string, string[]>): LookupFunction =>
    (hostname, _options, callback) => {
      const found = answers[hostname];
      if (!found) {
        const e = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as NodeJS.ErrnoException;
        e.code = 'ENOTFOUND';
        return callback(e, [], 0);
      }
      callback(
        null,
        found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    };

  it('resolves a restricted host only to public addresses', async () => {
    const lookup = publicOnlyLookup(
      fakeDns({
        'hooks.example.com': ['93.184.216.34'],
        'rebind.example.com': ['93.184.216.34', '10.0.0.1'],
      }),
    );
    const resolve = (host: string) =>
      new Promise<string>((done) =>
        lookup(host, {}, (err, address) =>
          done(err ? `error:${(err as NodeJS.ErrnoException).code}` : String(address)),
        ),
      );
    assert.equal(await resolve('hooks.example.com'), '93.184.216.34');
    assert.equal(await resolve('rebind.example.com'), 'error:EPRIVATEADDRESS');
    assert.equal(await resolve('nowhere.example.com'), 'error:ENOTFOUND');
  });

  it('never connects a restricted delivery to a name that resolves to a private address', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      // The name looks public, but resolves to this machine (DNS rebinding).
      const send = createHttpSender(fakeDns({ 'hooks.example.com': ['127.0.0.1'] }));
      const outcome = await send({
        url: `http://hooks.example.com:${port}/in`,
        body: '{}',
        headers: { 'content-type': 'application/json' },
        timeoutMs: 2000,
        restricted: true,
      });
      assert.equal(outcome.ok, false);
      assert.equal(outcome.statusCode, null);
      assert.match(
        outcome.error ?? '',
        /hooks\.example\.com resolves to 127\.0\.0\.1, a private or reserved address/,
      );
      assert.equal(hits, 0);
      // The same sender reaches the server when the subscription is an admin's (not restricted).
      const direct = await send({
        url: `http://127.0.0.1:${port}/in`,
        body: '{}',
        headers: {},
        timeoutMs: 2000,
        restricted: false,
      });
      assert.deepEqual([direct.ok, direct.statusCode, direct.responseBody], [true, 200, 'ok']);
      assert.equal(hits, 1);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});

for (const dialect of testDialects) {
  describe(`webhook targets by role (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    let marketing: Caller;
    let manager: Caller;
    let rep: Caller;
    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      marketing = await t.signIn('marketing');
      manager = await t.signIn('sales_manager');
      rep = await t.signIn('sales_rep');
    });
    after(async () => t.close());

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who: Caller, payload?: object) =>
      t.request({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });

    it('marketing subscribes public https URLs; private and non-https ones are refused naming the rule', async () => {
      const ok = await call('POST', '/api/v1/webhooks', marketing, {
        url: 'https://hooks.example.com/leadloop',
        events: ['lead.created'],
      });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().subscription.restricted, true);
      for (const [url, ruleName] of [
        ['https://10.0.0.8/hook', 'public_address'],
        ['https://169.254.169.254/latest', 'public_address'],
        ['https://localhost:8443/x', 'public_address'],
        ['http://hooks.example.com/x', 'protocol'],
        ['ftp://hooks.example.com/x', 'protocol'],
      ] as const) {
        const res = await call('POST', '/api/v1/webhooks', marketing, { url, events: ['lead.created'] });
        assert.equal(res.statusCode, 422, `${url}: ${res.body}`);
        const error = res.json().error;
        assert.equal(error.code, 'WEBHOOK_URL_INVALID');
        assert.deepEqual([error.details[0].field, error.details[0].rule], ['url', ruleName]);
      }
      // Nothing half-written: only the accepted subscription exists.
      const list = await call('GET', '/api/v1/webhooks', marketing);
      assert.deepEqual(
        list.json().data.map((s: { url: string }) => s.url),
        ['https://hooks.example.com/leadloop'],
      );
    });

    it('an admin may target an internal system; marketing may look but not change it', async () => {
      const internal = await call('POST', '/api/v1/webhooks', admin, {
        url: 'https://10.0.0.8/crm-hook',
        events: ['lead.mql'],
      });
      assert.equal(internal.statusCode, 201, internal.body);
      const id = internal.json().subscription.id;
      assert.equal(internal.json().subscription.restricted, false);
      assert.equal((await call('GET', `/api/v1/webhooks/${id}`, marketing)).statusCode, 200);
      for (const [method, url, payload] of [
        ['PATCH', `/api/v1/webhooks/${id}`, { events: ['lead.created'] }],
        ['DELETE', `/api/v1/webhooks/${id}`, undefined],
        ['POST', `/api/v1/webhooks/${id}/rotate-secret`, undefined],
        ['POST', `/api/v1/webhooks/${id}/ping`, undefined],
      ] as const) {
        const res = await call(method, url, marketing, payload);
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.equal(res.json().error.code, 'WEBHOOK_ADMIN_ONLY');
      }
      const after = await call('GET', `/api/v1/webhooks/${id}`, admin);
      assert.deepEqual(after.json().events, ['lead.mql']);
    });

    it('a restricted subscription stays restricted when marketing edits it, until an admin sets its URL', async () => {
      const created = await call('POST', '/api/v1/webhooks', marketing, {
        url: 'https://tools.example.org/in',
        events: ['lead.created'],
      });
      const id = created.json().subscription.id;
      const toPrivate = await call('PATCH', `/api/v1/webhooks/${id}`, marketing, {
        url: 'https://192.168.0.4/in',
      });
      assert.equal(toPrivate.statusCode, 422);
      assert.equal(toPrivate.json().error.details[0].rule, 'public_address');
      const edited = await call('PATCH', `/api/v1/webhooks/${id}`, admin, { description: 'checked' });
      assert.equal(
        edited.json().restricted,
        true,
        'an admin editing the description does not vouch for the URL',
      );
      const moved = await call('PATCH', `/api/v1/webhooks/${id}`, admin, { url: 'https://192.168.0.4/in' });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(moved.json().restricted, false);
    });

    it('sales roles may not manage webhooks at all', async () => {
      for (const who of [manager, rep]) {
        assert.equal((await call('GET', '/api/v1/webhooks', who)).statusCode, 403);
        const res = await call('POST', '/api/v1/webhooks', who, {
          url: 'https://hooks.example.com/x',
          events: ['lead.created'],
        });
        assert.equal(res.statusCode, 403);
      }
    });
  });
}
