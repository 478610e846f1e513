/**
 * Double opt-in through a real SMTP server: the confirmation mail goes out only with the
 * submission, its signed link confirms once, expires, and the lead's email-marketing consent is
 * pending until then (granted consent is never put back to pending).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { createForm, draw, leadByEmail, rowCounts, submitJson, touchpointsOf } from './forms.fixtures.ts';

async function startSmtp() {
  const received: { to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => {
        raw += d.toString('utf8');
      });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    received,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The confirmation link in a raw message (quoted-printable soft breaks undone). */
function linkIn(raw: string): string {
  const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const m = /http:\/\/localhost:3000(\/f\/confirm\/[A-Za-z0-9._-]+)/.exec(text);
  if (!m) throw new Error(`no link in ${text}`);
  return m[1]!;
}

for (const dialect of testDialects) {
  describe(`forms double opt-in (${dialect})`, () => {
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let t: TestApp;
    let admin: Record<string, string>;
    let form: { id: string; slug: string };
    before(async () => {
      smtp = await startSmtp();
      t = await createTestApp(dialect, { config: { smtpUrl: smtp.url } });
      admin = (await t.apiKey(['admin'])).headers;
      const marketer = (await t.signIn('marketing')).headers;
      form = await createForm(t, marketer, {
        name: 'Weekly digest',
        status: 'published',
        leadStage: 'subscriber',
        doubleOptIn: true,
        fields: [{ key: 'email', label: 'Email', required: true }],
        consents: [
          { key: 'digest', purpose: 'emailMarketing', text: 'Send me the weekly digest.', required: true },
        ],
      });
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    async function subscribe(email: string) {
      const { token } = await draw(t, form.slug);
      t.clock.advance(5000);
      return submitJson(t, form.slug, { token, fields: { email }, consents: { digest: true } });
    }

    it('keeps consent pending, mails a signed link, and grants consent with a touchpoint when it is opened', async () => {
      const res = await subscribe('reader@digest.example');
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().confirmationRequired, true);
      assert.match(res.json().message, /open the link in it to confirm/);
      const lead = await leadByEmail(t, admin, 'reader@digest.example');
      assert.equal(lead.lifecycleStage, 'subscriber');
      assert.equal(lead.consent.emailMarketing.status, 'pending');
      assert.equal(lead.consent.emailMarketing.textVersion, `${form.id}/digest/v1`);
      const subs = (
        await t.request({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions`, headers: admin })
      ).json().data;
      assert.equal(subs[0].status, 'pending');
      assert.equal(subs[0].pendingConfirmation, true);

      const worker = t.runtime.createJobWorker();
      await worker.drain();
      const mail = smtp.received.find((m) => m.to.includes('reader@digest.example'));
      assert.ok(mail, 'the confirmation went out through SMTP');
      assert.match(mail.raw, /Subject: Please confirm: Weekly digest/);
      const link = linkIn(mail.raw);

      const page = await t.request({ method: 'GET', url: link });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes('your subscription is confirmed'));
      const confirmed = await leadByEmail(t, admin, 'reader@digest.example');
      assert.equal(confirmed.consent.emailMarketing.status, 'granted');
      assert.equal(confirmed.consent.emailMarketing.textVersion, `${form.id}/digest/v1`);
      const tps = await touchpointsOf(t, admin, confirmed.id);
      const tp = tps.find((x) => x.type === 'consent_confirmed');
      assert.ok(tp);
      assert.equal(tp.source, 'form');
      assert.equal(tp.properties.submissionId, subs[0].id);
      const after = (
        await t.request({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions`, headers: admin })
      ).json().data;
      assert.equal(after[0].status, 'confirmed');
      assert.ok(after[0].confirmedAt);
      // A second click changes nothing and says so.
      const before = await rowCounts(t);
      const again = await t.request({ method: 'GET', url: link });
      assert.equal(again.statusCode, 200);
      assert.ok(again.body.includes('already confirmed'));
      assert.deepEqual(await rowCounts(t), before);
    });

    it('expires links, refuses forged ones, and never puts granted consent back to pending', async () => {
      assert.equal((await subscribe('late@digest.example')).statusCode, 201);
      await t.runtime.createJobWorker().drain();
      const link = linkIn(smtp.received.find((m) => m.to.includes('late@digest.example'))!.raw);
      t.clock.advance(8 * 86_400_000);
      const expired = await t.request({ method: 'GET', url: link });
      assert.equal(expired.statusCode, 422);
      assert.ok(expired.body.includes('expired'));
      assert.equal(
        (await leadByEmail(t, admin, 'late@digest.example')).consent.emailMarketing.status,
        'pending',
      );
      const forged = await t.request({ method: 'GET', url: `${link.slice(0, -4)}abcd` });
      assert.equal(forged.statusCode, 404);
      assert.match(String(forged.headers['content-type']), /^text\/html/);

      // reader@ confirmed above: subscribing again leaves the consent granted, and a link is sent anyway.
      assert.equal((await subscribe('reader@digest.example')).statusCode, 201);
      assert.equal(
        (await leadByEmail(t, admin, 'reader@digest.example')).consent.emailMarketing.status,
        'granted',
      );
    });

    it('forgets an erased person: their submissions and mails lose what names them, a mail not yet sent never goes, the link stops working', async () => {
      assert.equal((await subscribe('sent@erase.example')).statusCode, 201);
      await t.runtime.createJobWorker().drain();
      const link = linkIn(smtp.received.find((m) => m.to.includes('sent@erase.example'))!.raw);
      assert.equal((await subscribe('queued@erase.example')).statusCode, 201);
      const leads = [
        await leadByEmail(t, admin, 'sent@erase.example'),
        await leadByEmail(t, admin, 'queued@erase.example'),
      ];
      // Before: the person's export shows what they submitted and the mail sent to them.
      const sar = (
        await t.request({ method: 'GET', url: `/api/v1/leads/${leads[0]!.id}/export`, headers: admin })
      ).json();
      assert.deepEqual(
        sar.formSubmissions.map((s: { form: string; email: string; status: string }) => [
          s.form,
          s.email,
          s.status,
        ]),
        [['Weekly digest', 'sent@erase.example', 'pending']],
      );
      assert.deepEqual(
        sar.formMails.map((m: { to: string; subject: string }) => [m.to, m.subject]),
        [['sent@erase.example', 'Please confirm: Weekly digest']],
      );
      for (const lead of leads) {
        const res = await t.request({
          method: 'POST',
          url: `/api/v1/leads/${lead.id}/erase`,
          headers: admin,
        });
        assert.equal(res.statusCode, 204, res.body);
      }
      const db = t.runtime.database.db;
      const subs = await db
        .selectFrom('form_submissions')
        .select(['id', 'email', 'data', 'consents', 'page_url', 'ip_hash', 'status', 'form_id'])
        .where(
          'lead_id',
          'in',
          leads.map((l) => l.id),
        )
        .execute();
      assert.equal(subs.length, 2);
      for (const s of subs) {
        assert.deepEqual(
          { email: s.email, data: s.data, consents: s.consents, page: s.page_url, ip: s.ip_hash },
          { email: null, data: '{}', consents: '{}', page: null, ip: null },
        );
        assert.equal(s.form_id, form.id, 'the form keeps the count of what it received');
      }
      const mails = await db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('related_type', '=', 'form_submission')
        .where(
          'related_id',
          'in',
          subs.map((s) => s.id),
        )
        .orderBy('id')
        .execute();
      assert.deepEqual(
        mails.map((m) => [m.to_address, m.subject, m.status]),
        [
          ['(erased)', '(erased)', 'sent'],
          ['(erased)', '(erased)', 'failed'],
        ],
      );
      assert.ok(
        mails.every((m) => !m.text_body.includes('erase.example') && !m.text_body.includes('/f/confirm/')),
      );
      assert.match(mails[1]!.error ?? '', /erased/);
      // The queued one never goes out; the link that did go out confirms nothing any more.
      const before = smtp.received.length;
      await t.runtime.createJobWorker().drain();
      assert.equal(smtp.received.length, before);
      const page = await t.request({ method: 'GET', url: link });
      assert.equal(page.statusCode, 404);
      const outbox = (
        await t.request({ method: 'GET', url: '/api/v1/mail/outbox?limit=200', headers: admin })
      ).json();
      assert.ok(!JSON.stringify(outbox).includes('erase.example'));
    });

    it('sends nothing when the submission is refused', async () => {
      const before = await rowCounts(t);
      const { token } = await draw(t, form.slug);
      t.clock.advance(5000);
      const res = await submitJson(t, form.slug, {
        token,
        fields: { email: 'nope' },
        consents: { digest: true },
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(await rowCounts(t), before);
    });
  });
}
