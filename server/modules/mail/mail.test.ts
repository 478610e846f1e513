/** Mail through a real SMTP server started in the test, and the outbox without one. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../app.ts';
import { createManualClock } from '../../platform/clock.ts';
import { testConfig } from '../../test-support/app.ts';
import { createTestDatabase, testDialects } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';
import { type SmtpPeer, startSmtp } from '../../test-support/smtp.ts';

for (const dialect of testDialects) {
  describe(`mail (${dialect})`, () => {
    let smtp: SmtpPeer;
    before(async () => {
      smtp = await startSmtp();
    });
    after(async () => smtp.close());

    it('sends through SMTP only when the caller commits, and records it as sent', async () => {
      const tdb = await createTestDatabase(dialect);
      const clock = createManualClock();
      const app = await buildApp(
        testConfig({ smtpUrl: smtp.url, mailFrom: 'Leadloop <noreply@leadloop.test>' }),
        {
          database: tdb,
          clock,
          logger: testLogger,
        },
      );
      const { mail } = app.runtime.api;
      const worker = app.runtime.createJobWorker();
      const id = await tdb.db.transaction().execute((tx) =>
        mail.send(tx, {
          to: 'ada@example.test',
          subject: 'Confirm your subscription',
          text: 'Click: https://x.test/c',
          category: 'double_opt_in',
        }),
      );
      await assert.rejects(
        tdb.db.transaction().execute(async (tx) => {
          await mail.send(tx, {
            to: 'ghost@example.test',
            subject: 'Never',
            text: 'Never',
            category: 'test',
          });
          throw new Error('rolled back');
        }),
      );
      await worker.drain();
      assert.equal(smtp.received.length, 1);
      assert.deepEqual(smtp.received[0]!.to, ['ada@example.test']);
      assert.equal(smtp.received[0]!.from, 'noreply@leadloop.test');
      assert.match(smtp.received[0]!.raw, /Subject: Confirm your subscription/);
      assert.match(smtp.received[0]!.raw, /Click: https:\/\/x\.test\/c/);
      const entry = await mail.get(id);
      assert.equal(entry.status, 'sent');
      await app.close();
      await tdb.cleanup();
    });

    it('retries while the SMTP server refuses, then delivers once it accepts', async () => {
      const tdb = await createTestDatabase(dialect);
      const clock = createManualClock();
      const app = await buildApp(testConfig({ smtpUrl: smtp.url }), {
        database: tdb,
        clock,
        logger: testLogger,
      });
      const { mail } = app.runtime.api;
      const worker = app.runtime.createJobWorker();
      const before = smtp.received.length;
      smtp.setDown(true);
      const id = await tdb.db
        .transaction()
        .execute((tx) =>
          mail.send(tx, { to: 'bob@example.test', subject: 'Hello', text: 'Hi', category: 'notification' }),
        );
      await worker.drain();
      assert.equal((await mail.get(id)).status, 'queued');
      smtp.setDown(false);
      clock.advance(60_000);
      await worker.drain();
      assert.equal((await mail.get(id)).status, 'sent');
      assert.equal(smtp.received.length, before + 1);
      await app.close();
      await tdb.cleanup();
    });

    it('keeps mail in the outbox, readable by admins, when no SMTP server is configured', async () => {
      const tdb = await createTestDatabase(dialect);
      const app = await buildApp(testConfig(), { database: tdb, logger: testLogger });
      const worker = app.runtime.createJobWorker();
      await tdb.db.transaction().execute((tx) =>
        app.runtime.api.mail.send(tx, {
          to: 'cy@example.test',
          subject: 'Welcome <b>Cy</b>',
          text: 'Plain',
          category: 'notification',
          related: { type: 'lead', id: 'lead_x' },
        }),
      );
      await worker.drain();
      const { secret } = await app.runtime.api.auth.createApiKey(
        { type: 'system', label: 't' },
        { name: 'admin', scopes: ['admin'] },
        { ip: null, userAgent: null },
      );
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/mail/outbox',
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.smtpConfigured, false);
      assert.equal(body.data.length, 1);
      assert.equal(body.data[0].status, 'stored');
      assert.equal(body.data[0].subject, 'Welcome <b>Cy</b>');
      assert.deepEqual(body.data[0].related, { type: 'lead', id: 'lead_x' });
      const filtered = await app.inject({
        method: 'GET',
        url: '/api/v1/mail/outbox?relatedId=lead_other',
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(filtered.json().data.length, 0);
      await app.close();
      await tdb.cleanup();
    });
  });
}
