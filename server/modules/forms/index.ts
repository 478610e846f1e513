/**
 * Forms module: the form builder, hosted pages, the embed script, the public JSON and
 * HubSpot-compatible submission endpoints, spam protection and double opt-in. Every submission
 * reaches leads through the identity resolver, as a `form_submitted` touchpoint.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { iso } from '../../platform/http/schemas.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { Secrets } from '../../platform/secrets.ts';
import type { AuditService } from '../audit/index.ts';
import type { LeadsApi } from '../leads/index.ts';
import type { MailService } from '../mail/index.ts';
import { formsPublicRoutes } from './forms.public.ts';
import { createFormsRepo } from './forms.repo.ts';
import { formsRoutes } from './forms.routes.ts';
import { createFormsService } from './forms.service.ts';
import { createSubmissions, type Stitch, type StitchMany } from './forms.submit.ts';
import { createFormTokens } from './forms.tokens.ts';

export type { FormsService, LoadedForm } from './forms.service.ts';
export type { Stitch, SubmitRequest, SubmitResult } from './forms.submit.ts';

type Deps = {
  database: Database;
  clock: Clock;
  secrets: Secrets;
  audit: Pick<AuditService, 'record'>;
  leads: Pick<LeadsApi, 'resolveBatch' | 'definitions' | 'onLeadData'>;
  mail: Pick<MailService, 'send' | 'redact' | 'about'>;
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
  /** Everyone who may be notified (the auth module's users). */
  users: () => Promise<{ id: string; email: string; active: boolean }[]>;
  /** Joins a visitor's anonymous history to the lead (the tracking module's); optional. */
  stitch?: Stitch;
  /** The same for a group of submissions at once (the tracking module's); optional. */
  stitchMany?: StitchMany;
  /** The URL people reach Leadloop at, for links in mails and the embed's submit URL. */
  publicUrl: () => string;
  /** Submissions per IP address and minute on the public endpoints. */
  rateLimit: number;
};

export function createFormsModule(deps: Deps) {
  const repo = createFormsRepo(deps.database.dialect);
  const tokens = createFormTokens(deps.secrets);
  const service = createFormsService({
    database: deps.database,
    repo,
    clock: deps.clock,
    audit: deps.audit,
    definitions: (tx) => deps.leads.definitions(tx),
    activeUserIds: deps.activeUserIds,
  });
  const submissions = createSubmissions({
    database: deps.database,
    repo,
    forms: service,
    clock: deps.clock,
    tokens,
    secrets: deps.secrets,
    leads: deps.leads,
    mail: deps.mail,
    users: deps.users,
    stitch: deps.stitch,
    stitchMany: deps.stitchMany,
    publicUrl: deps.publicUrl,
  });
  // An erased person's submissions lose what names them, and so do the mails about them (the
  // double opt-in went to the person: its address goes too). Merges leave submissions as they
  // were; a deletion keeps them, without the lead: they are the record of what the form received.
  deps.leads.onLeadData({
    name: 'forms',
    merged: async () => null,
    unmerged: async () => {},
    async erased(tx, leadIds) {
      const ids = await repo.eraseOfLeads(tx, leadIds);
      await deps.mail.redact(tx, { type: 'form_submission', ids }, { toPerson: true });
    },
    async deleted(tx, leadIds) {
      await tx
        .updateTable('form_submissions')
        .set({ lead_id: null })
        .where('lead_id', 'in', leadIds)
        .execute();
    },
    async exported(tx, leadIds) {
      const rows = await tx
        .selectFrom('form_submissions')
        .innerJoin('forms', 'forms.id', 'form_submissions.form_id')
        .select([
          'form_submissions.id',
          'forms.name',
          'form_submissions.status',
          'form_submissions.email',
          'form_submissions.data',
          'form_submissions.consents',
          'form_submissions.page_url',
          'form_submissions.utm',
          'form_submissions.created_at',
        ])
        .where('form_submissions.lead_id', 'in', leadIds)
        .orderBy('form_submissions.created_at')
        .execute();
      return {
        formSubmissions: rows.map((r) => ({
          form: r.name,
          status: r.status,
          at: iso(Number(r.created_at)),
          email: r.email,
          values: fromJson(r.data, {}),
          consents: fromJson(r.consents, {}),
          page: r.page_url,
          utm: fromJson(r.utm, {}),
        })),
        // What was mailed to the person about their submissions (double opt-in).
        formMails: await deps.mail.about(
          tx,
          'form_submission',
          rows.map((r) => r.id),
        ),
      };
    },
  });
  const routes = bindRoutes(formsRoutes, { forms: service });
  const publicRoutes = bindRoutes(formsPublicRoutes, {
    forms: service,
    submissions,
    tokens,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
    rateLimit: deps.rateLimit,
  });
  const parts: ModuleParts = {
    name: 'forms',
    routes: async (app) => {
      await routes(app, {});
      await publicRoutes(app, {});
    },
  };
  return {
    api: {
      ...service,
      submit: submissions.submit,
      confirm: submissions.confirm,
      /** A render token for a published form, as its definition hands out (benchmarks, tests). */
      renderToken: (formId: string, issuedAt: number, consents: Record<string, number> = {}) =>
        tokens.issueRender(formId, issuedAt, consents),
      /** Row counts, to prove in tests that a refused submission stored nothing. */
      counts: () => repo.counts(deps.database.db),
    },
    parts,
  };
}

export type FormsApi = ReturnType<typeof createFormsModule>['api'];
