import nodemailer, { type Transporter } from 'nodemailer';
import Type from 'typebox';
import type { Clock } from '../../platform/clock.ts';
import type { Config } from '../../platform/config.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { MailOutboxTable } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor, type Page, pageOf } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { LeadDataListener } from '../leads/index.ts';
import type { createMailRepo } from './mail.repo.ts';

export type MailMessage = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** What the mail is for (double_opt_in, notification…): shown in the outbox, used in reports. */
  category: string;
  related?: { type: string; id: string };
};

export type OutboxEntry = {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  category: string;
  related: { type: string; id: string } | null;
  status: 'queued' | 'sent' | 'stored' | 'failed';
  error: string | null;
  createdAt: string;
  sentAt: string | null;
};

function view(r: MailOutboxTable): OutboxEntry {
  return {
    id: r.id,
    to: r.to_address,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    category: r.category,
    related: r.related_type && r.related_id ? { type: r.related_type, id: r.related_id } : null,
    status: r.status as OutboxEntry['status'],
    error: r.error,
    createdAt: iso(r.created_at),
    sentAt: iso(r.sent_at),
  };
}

/** What an erased person's mails say instead of what they said. */
export const redactedSubject = '(erased)';
const redactedText = 'This mail named a person who was later erased at their request; its text was removed.';

type Deps = {
  database: Database;
  repo: ReturnType<typeof createMailRepo>;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  config: Pick<Config, 'smtpUrl' | 'mailFrom'>;
};

export function createMailService({ database, repo, clock, jobs, config }: Deps) {
  let transport: Transporter | undefined;
  const transportOf = () => {
    transport ??= nodemailer.createTransport(config.smtpUrl!);
    return transport;
  };

  const deliver = defineJob({
    name: 'mail.deliver',
    schema: Type.Object({ id: Type.String() }),
    maxAttempts: 10,
    backoff: { baseMs: 5_000, maxMs: 3_600_000 },
    async handler(payload, ctx) {
      const row = await repo.get(ctx.db, payload.id);
      if (row?.status !== 'queued') return; // already delivered (a retry after a crash)
      if (!config.smtpUrl) {
        await repo.mark(ctx.db, row.id, { status: 'stored', sent_at: ctx.clock.now() });
        return;
      }
      const info = await transportOf().sendMail({
        from: config.mailFrom,
        to: row.to_address,
        subject: row.subject,
        text: row.text_body,
        ...(row.html_body ? { html: row.html_body } : {}),
        headers: { 'X-Leadloop-Mail-Id': row.id },
      });
      await repo.mark(ctx.db, row.id, {
        status: 'sent',
        sent_at: ctx.clock.now(),
        message_id: info.messageId ?? null,
        error: null,
      });
    },
    async onDead(payload, ctx, error) {
      await repo.mark(ctx.db, payload.id, { status: 'failed', error: error.message.slice(0, 1000) });
    },
  });

  /** Queues a message inside the caller's transaction: it goes out if and only if the caller commits. */
  async function send(tx: Tx, message: MailMessage): Promise<string> {
    const now = clock.now();
    const id = newId('mail', now);
    await repo.insert(tx, {
      id,
      to_address: message.to,
      subject: message.subject.slice(0, 300),
      text_body: message.text,
      html_body: message.html ?? null,
      category: message.category,
      related_type: message.related?.type ?? null,
      related_id: message.related?.id ?? null,
      status: 'queued',
      message_id: null,
      error: null,
      created_at: now,
      sent_at: null,
    });
    await jobs.enqueue(tx, deliver, { id }, { idempotencyKey: `mail:${id}` });
    return id;
  }

  async function list(f: {
    cursor?: string;
    limit?: number;
    status?: string;
    to?: string;
    relatedId?: string;
  }): Promise<Page<OutboxEntry>> {
    const limit = f.limit ?? 50;
    const before = f.cursor ? String(decodeCursor(f.cursor, 1)[0]) : undefined;
    const rows = await repo.list(database.db, { ...f, before, limit: limit + 1 });
    return pageOf(rows, limit, view, (r) => encodeCursor([r.id]));
  }

  async function get(id: string): Promise<OutboxEntry> {
    const row = await repo.get(database.db, id);
    if (!row) throw new AppError('MAIL_NOT_FOUND', `No mail ${id}`);
    return view(row);
  }

  /**
   * Removes what names a person from the mails about them (an erasure): subject and text go; the
   * recipient too when the mail went to the person themselves (`toPerson`). The rows stay, so the
   * outbox still shows that a mail of that kind went out and when. A mail not sent yet never goes:
   * it is marked failed, saying why. Returns how many mails were redacted.
   */
  async function redact(
    tx: Tx,
    of: { type: string; ids: string[] },
    o: { toPerson: boolean },
  ): Promise<number> {
    if (of.ids.length === 0) return 0;
    const rows = await repo.relatedTo(tx, of.type, of.ids);
    for (const r of rows)
      await repo.mark(tx, r.id, {
        subject: redactedSubject,
        text_body: redactedText,
        html_body: null,
        ...(o.toPerson ? { to_address: redactedSubject } : {}),
        ...(r.status === 'queued'
          ? { status: 'failed', error: 'Not sent: the person it was about was erased first.' }
          : {}),
      });
    return rows.length;
  }

  /** The mails about any of these (type, ids), oldest first, for a subject-access export. */
  async function about(tx: Tx, type: string, ids: string[]) {
    if (ids.length === 0) return [];
    const rows = await tx
      .selectFrom('mail_outbox')
      .select(['to_address', 'subject', 'text_body', 'category', 'status', 'created_at'])
      .where('related_type', '=', type)
      .where('related_id', 'in', ids)
      .orderBy('created_at')
      .execute();
    return rows.map((m) => ({
      to: m.to_address,
      subject: m.subject,
      text: m.text_body,
      category: m.category,
      status: m.status,
      at: iso(m.created_at),
    }));
  }

  /** Mails about a lead follow its erasure (nothing else: they are a record of what was sent). */
  const leadData: LeadDataListener = {
    name: 'mail',
    merged: async () => null,
    unmerged: async () => {},
    async erased(tx, leadIds) {
      await redact(tx, { type: 'lead', ids: leadIds }, { toPerson: false });
    },
    deleted: async () => {},
    async exported(tx, leadIds) {
      return { mails: await about(tx, 'lead', leadIds) };
    },
  };

  return { send, list, get, redact, about, leadData, deliver, smtpConfigured: Boolean(config.smtpUrl) };
}

export type MailService = ReturnType<typeof createMailService>;
