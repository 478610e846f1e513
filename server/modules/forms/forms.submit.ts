/**
 * Submissions: from whichever door (hosted page, embed, API, HubSpot-compatible), a submission is
 * checked (render token, honeypot, fill time, bot agent, fields, disposable email) and then stored
 * in one transaction with everything it causes: the submission row, the lead through the identity
 * resolver with a `form_submitted` touchpoint, notification and confirmation mails, and the
 * stitching of the visitor's anonymous history. Concurrent submissions share a transaction (group
 * commit); a batch that fails is retried one submission at a time, so one bad submission never
 * fails the others, and nothing is ever stored half-way.
 */
import type { FormSubmittedProperties } from '../../../contracts/capture.ts';
import type { SpamReason } from '../../../contracts/forms.ts';
import type { Clock } from '../../platform/clock.ts';
import { createCoalescer, groupCommitLingerMs, groupCommitMax } from '../../platform/db/coalesce.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { AppError, type ErrorDetail } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { keyedHash, type Secrets } from '../../platform/secrets.ts';
import type { Actor } from '../audit/index.ts';
import type { LeadsApi, ResolveItem, ResolveResult } from '../leads/index.ts';
import type { MailService } from '../mail/index.ts';
import { isDisposableEmail } from './disposable.ts';
import type { FormsRepo, SubmissionRow } from './forms.repo.ts';
import { type CheckedSubmission, checkSubmission, isBotAgent, type RawSubmission } from './forms.rules.ts';
import type { FormsService, LoadedForm } from './forms.service.ts';
import { confirmTokenTtlMs, type FormTokens, renderTokenTtlMs } from './forms.tokens.ts';

export type Via = 'hosted' | 'embed' | 'api' | 'hubspot';

/**
 * Joins a visitor's anonymous history to a lead (the tracking module's, when it runs); called in
 * the submission's transaction.
 */
type StitchRequest = { visitorId: string; leadId: string; reason: 'form' };
export type Stitch = (tx: Tx, input: StitchRequest) => Promise<unknown>;
/** Stitch for a group at once: the same records, fewer queries. */
export type StitchMany = (tx: Tx, inputs: StitchRequest[]) => Promise<unknown>;

export type SubmitRequest = {
  form: LoadedForm;
  via: Via;
  token?: string;
  raw: RawSubmission;
  visitorId?: string;
  honeypot?: string;
  userAgent?: string;
  ip?: string;
};

export type SubmitResult = {
  submissionId: string;
  /** Looks accepted to the sender either way; spam is stored apart and makes no lead. */
  spam: boolean;
  leadId: string | null;
  confirmationRequired: boolean;
};

type Deps = {
  database: Database;
  repo: FormsRepo;
  forms: Pick<FormsService, 'byIdCached'>;
  clock: Clock;
  tokens: FormTokens;
  secrets: Secrets;
  leads: Pick<LeadsApi, 'resolveBatch'>;
  mail: Pick<MailService, 'send'>;
  users: () => Promise<{ id: string; email: string; active: boolean }[]>;
  stitch?: Stitch;
  stitchMany?: StitchMany;
  publicUrl: () => string;
};

type Item = {
  form: LoadedForm;
  submissionId: string;
  via: Via;
  tokenId: string | null;
  spam: SpamReason | null;
  checked: CheckedSubmission | null;
  rawValues: Record<string, unknown>;
  disposable: boolean;
  visitorId: string | null;
  ipHash: string | null;
  userAgent: string | null;
  at: number;
};

/** A failure is the submission's own: an AppError answers 4xx, anything else a 500 to that sender only. */
type Outcome = { ok: true; result: SubmitResult } | { ok: false; error: unknown };

const visitorPattern = /^[A-Za-z0-9_.:-]{1,100}$/;

/** A value list short enough to keep when a submission is spam (nothing was checked). */
function clipped(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values).slice(0, 50)) {
    if (typeof v === 'string') out[k.slice(0, 64)] = v.slice(0, 500);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k.slice(0, 64)] = v;
    else if (Array.isArray(v)) out[k.slice(0, 64)] = v.slice(0, 20).map((x) => String(x).slice(0, 200));
  }
  return out;
}

export function createSubmissions(deps: Deps) {
  const { database, repo, clock, tokens, secrets, leads, mail } = deps;
  const db = database.db;

  /** Keyed hashes of recent addresses: one sender's submissions reuse theirs. */
  const ipHashes = new Map<string, string>();
  function ipHashOf(ip: string): string {
    let hash = ipHashes.get(ip);
    if (hash === undefined) {
      hash = keyedHash(secrets, `ip:${ip}`).slice(0, 32);
      if (ipHashes.size >= 4096) ipHashes.clear();
      ipHashes.set(ip, hash);
    }
    return hash;
  }

  /** Checks everything that needs no database; throws the answer a bad submission gets. */
  function prepare(req: SubmitRequest): Item {
    const now = clock.now();
    const { form } = req;
    let tokenId: string | null = null;
    let tokenConsents: Record<string, number> | null = null;
    let tooFast = false;
    if (req.token !== undefined && req.token !== '') {
      const t = tokens.readRender(req.token);
      const invalid = (why: string) =>
        new AppError('FORM_TOKEN_INVALID', `The form's token ${why}; reload the form and send it again.`, {
          details: [{ field: 'token', rule: 'valid', message: why }],
        });
      if (!t || t.formId !== form.id) throw invalid('is not valid for this form');
      if (now - t.issuedAt > renderTokenTtlMs) throw invalid('has expired');
      if (t.issuedAt - now > 60_000) throw invalid('is not valid for this form');
      tokenId = t.nonce;
      tokenConsents = t.consents;
      tooFast = now - t.issuedAt < form.def.minFillSeconds * 1000;
    } else if (!(form.def.allowTokenless && (req.via === 'api' || req.via === 'hubspot'))) {
      throw new AppError(
        'FORM_TOKEN_INVALID',
        'This form needs the token its definition gives (GET /api/v1/public/forms/{slug}); posts without one are off for it.',
        { details: [{ field: 'token', rule: 'required', message: 'is required by this form' }] },
      );
    }
    const visitorId = req.visitorId && visitorPattern.test(req.visitorId) ? req.visitorId : null;
    const base = {
      form,
      submissionId: newId('sub', now),
      via: req.via,
      tokenId,
      visitorId,
      ipHash: req.ip ? ipHashOf(req.ip) : null,
      userAgent: req.userAgent ? req.userAgent.slice(0, 300) : null,
      at: now,
      rawValues: req.raw.values,
    };
    // Bots get the answer people get: they learn nothing from it.
    const spam: SpamReason | null =
      req.honeypot !== undefined && req.honeypot !== ''
        ? 'honeypot'
        : tooFast
          ? 'too_fast'
          : isBotAgent(req.userAgent)
            ? 'bot'
            : null;
    if (spam) return { ...base, spam, checked: null, disposable: false };

    const checked = checkSubmission(form, form.fields, form.custom, req.raw, tokenConsents);
    if (checked.errors.length > 0) throw invalidSubmission(checked.errors, checked);
    const disposable = checked.email !== null && isDisposableEmail(checked.email);
    if (disposable && form.def.disposableEmails === 'reject') {
      throw new AppError(
        'DISPOSABLE_EMAIL_REJECTED',
        'fields.email: addresses at disposable-mail services are not accepted; use your own address',
        {
          details: [
            {
              field: 'fields.email',
              rule: 'disposable',
              message: 'is at a disposable-mail service; use your own address',
            },
          ],
        },
      );
    }
    return { ...base, spam: null, checked, disposable };
  }

  async function submit(req: SubmitRequest): Promise<SubmitResult> {
    const item = prepare(req);
    const outcome = await together(item);
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  const together = createCoalescer<Item, Outcome>(
    async (items) => {
      try {
        return await commit(items);
      } catch (error) {
        if (items.length === 1) return [{ ok: false, error }];
        // One of them broke the batch: each again on its own, so only that one fails.
        const out: Outcome[] = [];
        for (const item of items) {
          try {
            out.push(...(await commit([item])));
          } catch (e) {
            out.push({ ok: false, error: e });
          }
        }
        return out;
      }
    },
    { maxBatch: groupCommitMax, lingerMs: groupCommitLingerMs },
  );

  // Notification recipients, by user id: read outside the transaction, kept for ten seconds.
  let recipients: { at: number; byId: Map<string, string> } | undefined;
  async function recipientsOf(items: Item[]): Promise<Map<string, string>> {
    if (!items.some((i) => !i.spam && i.form.def.notify.length > 0)) return new Map();
    if (!recipients || performance.now() - recipients.at > 10_000) {
      const users = await deps.users();
      recipients = {
        at: performance.now(),
        byId: new Map(users.filter((u) => u.active).map((u) => [u.id, u.email])),
      };
    }
    return recipients.byId;
  }

  async function commit(items: Item[]): Promise<Outcome[]> {
    const emails = await recipientsOf(items);
    const base = deps.publicUrl();
    return db.transaction().execute(async (tx) => {
      const out: Outcome[] = new Array(items.length);
      // A render token works once: against stored submissions and within this batch.
      const used = await repo.usedTokens(
        tx,
        items.map((i) => i.tokenId).filter((t): t is string => t !== null),
      );
      const live: number[] = [];
      items.forEach((item, i) => {
        if (item.tokenId && used.has(item.tokenId)) {
          out[i] = {
            ok: false,
            error: new AppError('SUBMISSION_REPLAYED', 'This form was already sent; it is accepted once.', {
              details: [{ field: 'token', rule: 'unique', message: 'was already used for a submission' }],
            }),
          };
          return;
        }
        if (item.tokenId) used.add(item.tokenId);
        live.push(i);
      });

      // Leads, one resolver call per form (its actor and source).
      const leadOf = new Map<number, string>();
      const wanted = live.filter((i) => !items[i]!.spam);
      const byForm = Map.groupBy(wanted, (i) => items[i]!.form.id);
      for (const group of byForm.values()) {
        const form = items[group[0]!]!.form;
        const actor: Actor = { type: 'anonymous', label: `Form: ${form.name}`.slice(0, 200) };
        const results = await leads.resolveBatch(
          tx,
          group.map((i) => resolveItemOf(items[i]!)),
          { source: 'form', actor },
        );
        results.forEach((r: ResolveResult, k) => {
          const i = group[k]!;
          if (r.status === 'error') {
            out[i] = {
              ok: false,
              error: new AppError(r.error.code, r.error.message, { details: r.error.details }),
            };
          } else leadOf.set(i, r.leadId);
        });
      }

      const rows: SubmissionRow[] = [];
      const stitches: StitchRequest[] = [];
      const counters = new Map<string, { accepted: number; spam: number; last: number }>();
      for (const i of live) {
        if (out[i]) continue;
        const item = items[i]!;
        const leadId = leadOf.get(i) ?? null;
        const c = item.checked;
        const pending =
          !item.spam && item.form.def.doubleOptIn && c?.lead.consent?.emailMarketing?.status === 'pending';
        rows.push({
          id: item.submissionId,
          form_id: item.form.id,
          status: item.spam ? 'spam' : pending ? 'pending' : 'accepted',
          spam_reason: item.spam,
          disposable: item.disposable ? 1 : 0,
          lead_id: leadId,
          email: c?.email ?? null,
          data: JSON.stringify(c ? c.values : clipped(item.rawValues)),
          consents: JSON.stringify(c?.consents ?? {}),
          page_url: c?.page?.url ?? null,
          utm: JSON.stringify(c?.utm ?? {}),
          visitor_id: item.visitorId,
          via: item.via,
          token_id: item.tokenId,
          ip_hash: item.ipHash,
          user_agent: item.userAgent,
          created_at: item.at,
          confirmed_at: null,
        });
        const count = counters.get(item.form.id) ?? { accepted: 0, spam: 0, last: 0 };
        if (item.spam) count.spam++;
        else count.accepted++;
        count.last = Math.max(count.last, item.at);
        counters.set(item.form.id, count);
        out[i] = {
          ok: true,
          result: {
            submissionId: item.submissionId,
            spam: !!item.spam,
            leadId,
            confirmationRequired: !!pending,
          },
        };
        if (item.spam || !c || !leadId) continue;
        if (pending && c.email) {
          const token = tokens.issueConfirm(item.submissionId, item.at + confirmTokenTtlMs);
          await mail.send(tx, confirmationMail(item, c.email, `${base}/f/confirm/${token}`));
        }
        for (const userId of item.form.def.notify) {
          const to = emails.get(userId);
          if (to) await mail.send(tx, notificationMail(item, c, leadId, to, base));
        }
        if (item.visitorId) stitches.push({ visitorId: item.visitorId, leadId, reason: 'form' });
      }
      if (deps.stitchMany) await deps.stitchMany(tx, stitches);
      else if (deps.stitch) for (const s of stitches) await deps.stitch(tx, s);
      await repo.insertSubmissions(tx, rows);
      for (const [formId, c] of counters) {
        await repo.bumpCounters(tx, formId, c.accepted, c.spam, c.accepted > 0 ? c.last : null);
      }
      return out;
    });
  }

  function resolveItemOf(item: Item): ResolveItem {
    const c = item.checked!;
    const form = item.form;
    const properties: FormSubmittedProperties = {
      form: { id: form.id, slug: form.slug, name: form.name },
      submissionId: item.submissionId,
      ...(c.page ? { page: c.page } : {}),
      ...(c.utm ? { utm: c.utm } : {}),
      ...(c.clickIds ? { clickIds: c.clickIds } : {}),
      ...(form.def.handRaise ? { handRaise: true } : {}),
      ...(item.visitorId ? { visitorId: item.visitorId } : {}),
    };
    return {
      input: c.lead,
      ...(item.visitorId ? { visitorId: item.visitorId } : {}),
      touchpoint: { type: 'form_submitted', properties, occurredAt: item.at },
      stage: {
        initial: form.def.leadStage,
        advanceFrom: form.def.leadStage === 'lead' ? ['subscriber'] : [],
      },
    };
  }

  function confirmationMail(item: Item, to: string, link: string) {
    const name = item.form.name;
    return {
      to,
      subject: `Please confirm: ${name}`.slice(0, 200),
      text: [
        'Hello,',
        '',
        `You (or someone using this address) filled in “${name}”.`,
        'Please confirm that it was you, and that you want to hear from us, by opening this link:',
        '',
        link,
        '',
        `The link works for ${Math.round(confirmTokenTtlMs / 86_400_000)} days. If it was not you, ignore this email: nothing more will be sent.`,
      ].join('\n'),
      category: 'double_opt_in',
      related: { type: 'form_submission', id: item.submissionId },
    };
  }

  function notificationMail(item: Item, c: CheckedSubmission, leadId: string, to: string, base: string) {
    const labels = new Map(item.form.fields.map((f) => [f.name, f.label]));
    const lines = Object.entries(c.values).map(([k, v]) => {
      const text = Array.isArray(v) ? v.join(', ') : String(v);
      return `${labels.get(k) ?? k}: ${text.length > 500 ? `${text.slice(0, 500)}…` : text}`;
    });
    const consents = Object.entries(c.consents).map(
      ([k, v]) => `Consent ${k} (${v.purpose}): ${v.given ? 'given' : 'not given'}`,
    );
    const notes = [
      item.disposable ? 'Note: the email is at a disposable-mail service.' : null,
      item.form.def.handRaise ? 'This is a hand-raise (demo or contact-sales request).' : null,
      c.page ? `Page: ${c.page.url}` : null,
      c.utm
        ? `UTM: ${Object.entries(c.utm)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`
        : null,
    ].filter((l): l is string => l !== null);
    return {
      to,
      subject: `New submission: ${item.form.name}${c.email ? ` from ${c.email}` : ''}`.slice(0, 200),
      text: [
        `A new submission of “${item.form.name}” arrived.`,
        '',
        ...lines,
        ...consents,
        '',
        ...notes,
        '',
        `Open the lead: ${base}/leads/${leadId}`,
      ].join('\n'),
      category: 'form_notification',
      related: { type: 'lead', id: leadId },
    };
  }

  /** Confirms a double opt-in: the email-marketing consent becomes granted, with a touchpoint. */
  async function confirm(token: string): Promise<{ form: LoadedForm | null; already: boolean }> {
    const t = tokens.readConfirm(token);
    if (!t) throw new AppError('CONFIRMATION_INVALID', 'This confirmation link is not valid.');
    const sub = await repo.submission(db, t.submissionId);
    if (!sub) throw new AppError('CONFIRMATION_INVALID', 'This confirmation link is not valid.');
    const form = await deps.forms.byIdCached(sub.form_id);
    if (sub.status === 'confirmed') return { form, already: true };
    if (clock.now() > t.expiresAt)
      throw new AppError(
        'CONFIRMATION_EXPIRED',
        'This confirmation link has expired; fill in the form again.',
      );
    if (sub.status !== 'pending' || !sub.email)
      throw new AppError('CONFIRMATION_INVALID', 'This confirmation link is not valid.');
    const consents = fromJson<CheckedSubmission['consents']>(sub.consents, {});
    const marketing = Object.values(consents).find((c) => c.purpose === 'emailMarketing' && c.given);
    const now = clock.now();
    const already = await db.transaction().execute(async (tx) => {
      if (!(await repo.confirm(tx, sub.id, now))) return true;
      const [r] = await leads.resolveBatch(
        tx,
        [
          {
            input: {
              email: sub.email,
              consent: {
                emailMarketing: {
                  status: 'granted',
                  textVersion: marketing?.textVersion ?? undefined,
                  source: `form:${form?.slug ?? sub.form_id}`.slice(0, 100),
                },
              },
            },
            touchpoint: {
              type: 'consent_confirmed',
              properties: {
                purpose: 'emailMarketing',
                textVersion: marketing?.textVersion ?? null,
                submissionId: sub.id,
                form: form ? { id: form.id, slug: form.slug, name: form.name } : { id: sub.form_id },
              },
            },
          },
        ],
        { source: 'form', actor: { type: 'anonymous', label: 'Confirmation link' } },
      );
      if (!r) throw new AppError('CONFIRMATION_INVALID', 'This confirmation link is not valid.');
      if (r.status === 'error')
        throw new AppError(r.error.code, r.error.message, { details: r.error.details });
      return false;
    });
    return { form, already };
  }

  return { submit, prepare, confirm };
}

/** A 400 naming each field and rule; carries what was checked so a page can show the values again. */
export function invalidSubmission(details: ErrorDetail[], checked?: CheckedSubmission): AppError {
  const first = details[0]!;
  const error = new AppError(
    'VALIDATION_FAILED',
    `${first.field}: ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
    { details },
  );
  if (checked) Object.assign(error, { checked });
  return error;
}

export type Submissions = ReturnType<typeof createSubmissions>;
