/**
 * The builder's side of forms: create, change, publish and list forms (consent texts versioned on
 * every change of wording), list their submissions, and load published forms for the public
 * endpoints (cached for a moment: they are read on every view and submission).
 */

import { publicFieldOf } from '../../../contracts/form-page.ts';
import type { Form, FormCreate, FormUpdate, PublicField, Submission } from '../../../contracts/forms.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Database, isUniqueViolation, type Tx } from '../../platform/db/db.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor, type Page, pageOf } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import type { FieldDefinition } from '../leads/index.ts';
import type { FormRow, FormsRepo, SubmissionRow } from './forms.repo.ts';
import {
  type CustomDefs,
  checkDefinition,
  consentVersionId,
  defaultDefinition,
  defaultFields,
  type FormDefinition,
  type StoredConsent,
} from './forms.rules.ts';

/** A form as the public endpoints use it: its definition and its fields resolved for drawing. */
export type LoadedForm = {
  id: string;
  slug: string;
  name: string;
  status: string;
  hubspotFormGuid: string | null;
  def: FormDefinition;
  fields: PublicField[];
  custom: CustomDefs;
};

export type BuilderContext = { actor: Actor; ip?: string | null };

type Deps = {
  database: Database;
  repo: FormsRepo;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
  /** Custom field definitions (the leads module's, cached there). */
  definitions: (tx: Tx) => Promise<{ custom: Map<string, FieldDefinition> }>;
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
};

const definitionKeys = [
  'fields',
  'hiddenFields',
  'consents',
  'submitLabel',
  'thankYouMessage',
  'redirectUrl',
  'notify',
  'allowedOrigins',
  'doubleOptIn',
  'handRaise',
  'leadStage',
  'disposableEmails',
  'allowTokenless',
  'minFillSeconds',
] as const satisfies readonly (keyof FormDefinition)[];

export function definitionOf(row: Pick<FormRow, 'definition'>): FormDefinition {
  const stored = fromJson<Partial<FormDefinition>>(row.definition, {});
  return { ...defaultDefinition, fields: [], consents: [], ...stored };
}

function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return s || 'form';
}

export function createFormsService({ database, repo, clock, audit, definitions, activeUserIds }: Deps) {
  const db = database.db;

  function view(row: FormRow): Form {
    const def = definitionOf(row);
    return {
      id: row.id,
      name: row.name,
      slug: row.slug,
      status: row.status as Form['status'],
      fields: def.fields,
      hiddenFields: def.hiddenFields,
      consents: def.consents.map(({ versionNumber: _n, ...c }) => c),
      submitLabel: def.submitLabel,
      thankYouMessage: def.thankYouMessage,
      redirectUrl: def.redirectUrl,
      notify: def.notify,
      allowedOrigins: def.allowedOrigins,
      doubleOptIn: def.doubleOptIn,
      handRaise: def.handRaise,
      leadStage: def.leadStage,
      disposableEmails: def.disposableEmails,
      allowTokenless: def.allowTokenless,
      minFillSeconds: def.minFillSeconds,
      hubspotFormGuid: row.hubspot_form_guid,
      submissionCount: Number(row.submission_count),
      spamCount: Number(row.spam_count),
      lastSubmissionAt: iso(row.last_submission_at),
      publishedAt: iso(row.published_at),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  }

  async function row(tx: Tx, id: string): Promise<FormRow> {
    const r = await repo.byId(tx, id);
    if (!r) throw new AppError('FORM_NOT_FOUND', `No form ${id}`);
    return r;
  }

  /** Problems with a definition as a 400 naming each field and rule. */
  async function validate(
    tx: Tx,
    def: FormDefinition & { slug: string; status: string },
    previousNotify: string[],
  ): Promise<void> {
    const { custom } = await definitions(tx);
    // A user who left keeps getting nothing, but a form that named them can still be saved.
    const wanted = def.notify.filter((id) => !previousNotify.includes(id));
    const active = wanted.length > 0 ? await activeUserIds(tx, wanted) : new Set<string>();
    for (const id of previousNotify) active.add(id);
    const problems = checkDefinition(def, custom, active);
    if (problems.length > 0) {
      const first = problems[0]!;
      throw new AppError(
        'VALIDATION_FAILED',
        `${first.field}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
        { details: problems },
      );
    }
  }

  /** Gives every consent its text version: the same while the wording stays, a new one when it changes. */
  async function versionConsents(
    tx: Tx,
    formId: string,
    consents: FormCreate['consents'],
    now: number,
  ): Promise<StoredConsent[]> {
    const existing = await repo.consentVersions(tx, formId);
    const fresh: Parameters<FormsRepo['insertConsentVersions']>[1] = [];
    const out: StoredConsent[] = [];
    for (const c of consents ?? []) {
      const versions = existing.filter((v) => v.consent_key === c.key);
      const latest = versions.at(-1);
      let n: number;
      if (latest && latest.text === c.text && latest.purpose === c.purpose) n = latest.version;
      else {
        n = (latest?.version ?? 0) + 1;
        fresh.push({
          id: consentVersionId(formId, c.key, n),
          form_id: formId,
          consent_key: c.key,
          version: n,
          purpose: c.purpose,
          text: c.text,
          created_at: now,
        });
      }
      out.push({
        key: c.key,
        purpose: c.purpose,
        text: c.text,
        required: c.required,
        versionNumber: n,
        version: consentVersionId(formId, c.key, n),
      });
    }
    await repo.insertConsentVersions(tx, fresh);
    return out;
  }

  function conflictOf(error: unknown, slug: string): never {
    if (isUniqueViolation(error)) {
      const text = String((error as Error).message);
      if (/hubspot/i.test(text))
        throw new AppError(
          'FORM_HUBSPOT_GUID_TAKEN',
          'Another form already answers to this HubSpot form GUID',
        );
      throw new AppError('FORM_SLUG_TAKEN', `Another form already uses the slug "${slug}"`, {
        details: [{ field: 'slug', rule: 'unique', message: 'is taken by another form' }],
      });
    }
    throw error;
  }

  async function create(input: FormCreate, ctx: BuilderContext): Promise<Form> {
    const now = clock.now();
    const id = newId('form', now);
    let slug = input.slug ?? slugify(input.name);
    if (!input.slug) {
      // A slug made from the name gets a number when the name is taken.
      for (let i = 2; (await repo.bySlug(db, slug)) && i < 1000; i++)
        slug = `${slugify(input.name).slice(0, 56)}-${i}`;
    }
    const status = input.status ?? 'draft';
    const base: FormDefinition = {
      ...defaultDefinition,
      fields: input.fields ?? defaultFields,
      consents: [],
    };
    for (const k of definitionKeys) {
      if (k === 'consents' || input[k] === undefined) continue;
      (base as Record<string, unknown>)[k] = input[k];
    }
    const consentsInput = input.consents ?? [];
    await validate(
      db,
      {
        ...base,
        consents: consentsInput.map((c) => ({ ...c, versionNumber: 0, version: '' })),
        slug,
        status,
      },
      [],
    );
    try {
      await db.transaction().execute(async (tx) => {
        const consents = await versionConsents(tx, id, consentsInput, now);
        await repo.insertForm(tx, {
          id,
          slug,
          name: input.name.trim(),
          status,
          definition: JSON.stringify({ ...base, consents }),
          hubspot_form_guid: input.hubspotFormGuid ?? null,
          submission_count: 0,
          spam_count: 0,
          last_submission_at: null,
          published_at: status === 'published' ? now : null,
          created_by: 'id' in ctx.actor ? ctx.actor.id : null,
          created_at: now,
          updated_at: now,
        });
        await audit.record(tx, {
          actor: ctx.actor,
          action: 'form.created',
          target: { type: 'form', id },
          ip: ctx.ip,
          details: { name: input.name, slug, status },
        });
      });
    } catch (error) {
      conflictOf(error, slug);
    }
    forget();
    return view(await row(db, id));
  }

  async function update(id: string, patch: FormUpdate, ctx: BuilderContext): Promise<Form> {
    const before = await row(db, id);
    const now = clock.now();
    const current = definitionOf(before);
    const next: FormDefinition = { ...current };
    for (const k of definitionKeys) {
      if (k === 'consents' || patch[k] === undefined) continue;
      (next as Record<string, unknown>)[k] = patch[k];
    }
    const slug = patch.slug ?? before.slug;
    const status = patch.status ?? before.status;
    const consentsInput =
      patch.consents ??
      current.consents.map(({ key, purpose, text, required }) => ({ key, purpose, text, required }));
    await validate(
      db,
      {
        ...next,
        consents: consentsInput.map((c) => ({ ...c, versionNumber: 0, version: '' })),
        slug,
        status,
      },
      current.notify,
    );
    try {
      await db.transaction().execute(async (tx) => {
        next.consents = await versionConsents(tx, id, consentsInput, now);
        await repo.updateForm(tx, id, {
          name: patch.name?.trim() ?? before.name,
          slug,
          status,
          definition: JSON.stringify(next),
          hubspot_form_guid:
            patch.hubspotFormGuid === undefined ? before.hubspot_form_guid : patch.hubspotFormGuid,
          published_at: status === 'published' && before.status !== 'published' ? now : before.published_at,
          updated_at: now,
        });
        await audit.record(tx, {
          actor: ctx.actor,
          action: status !== before.status ? `form.${status}` : 'form.updated',
          target: { type: 'form', id },
          ip: ctx.ip,
          details: { changed: Object.keys(patch) },
        });
      });
    } catch (error) {
      conflictOf(error, slug);
    }
    forget();
    return view(await row(db, id));
  }

  async function get(id: string): Promise<Form> {
    return view(await row(db, id));
  }

  async function list(q: {
    limit?: number;
    cursor?: string;
    q?: string;
    status?: string;
  }): Promise<Page<Form>> {
    const limit = q.limit ?? 50;
    const before = q.cursor ? String(decodeCursor(q.cursor, 1)[0]) : undefined;
    const rows = await repo.list(db, { before, limit: limit + 1, q: q.q, status: q.status });
    return pageOf(rows, limit, view, (r) => encodeCursor([r.id]));
  }

  /** Every version of each consent text the form has shown, oldest first. */
  async function consentHistory(id: string) {
    await row(db, id);
    return (await repo.consentVersions(db, id)).map((v) => ({
      version: v.id,
      key: v.consent_key,
      number: v.version,
      purpose: v.purpose,
      text: v.text,
      createdAt: iso(v.created_at),
    }));
  }

  function submissionView(r: SubmissionRow): Submission {
    return {
      id: r.id,
      formId: r.form_id,
      status: r.status as Submission['status'],
      spam: r.status === 'spam',
      spamReason: (r.spam_reason as Submission['spamReason']) ?? null,
      disposable: r.disposable === 1,
      pendingConfirmation: r.status === 'pending',
      leadId: r.lead_id,
      email: r.email,
      values: fromJson<Record<string, unknown>>(r.data, {}),
      consents: fromJson<Submission['consents']>(r.consents, {}),
      pageUrl: r.page_url,
      utm: fromJson<Record<string, string>>(r.utm, {}),
      visitorId: r.visitor_id,
      via: r.via as Submission['via'],
      createdAt: iso(r.created_at),
      confirmedAt: iso(r.confirmed_at),
    };
  }

  async function submissions(
    formId: string,
    q: { limit?: number; cursor?: string; status?: string },
  ): Promise<Page<Submission>> {
    await row(db, formId);
    const limit = q.limit ?? 50;
    const before = q.cursor ? String(decodeCursor(q.cursor, 1)[0]) : undefined;
    const rows = await repo.listSubmissions(db, formId, { before, limit: limit + 1, status: q.status });
    return pageOf(rows, limit, submissionView, (r) => encodeCursor([r.id]));
  }

  // ── Published forms for the public endpoints ─────────────────────────────
  // Read on every view and submission: kept for two seconds, dropped at once by changes made here.
  const cacheTtlMs = 2000;
  const cache = new Map<string, { value: LoadedForm | null; at: number }>();
  // Loads under way, shared by the requests that miss together (no stampede when an entry expires).
  const loading = new Map<string, Promise<LoadedForm | null>>();
  // Bumped by every change: a load that began before it must not put the old form back.
  let generation = 0;

  function forget(): void {
    generation++;
    cache.clear();
    loading.clear();
  }

  async function load(
    key: string,
    find: (tx: Tx) => Promise<FormRow | undefined>,
  ): Promise<LoadedForm | null> {
    const hit = cache.get(key);
    if (hit && performance.now() - hit.at < cacheTtlMs) return hit.value;
    const pending = loading.get(key);
    if (pending) return pending;
    const started = generation;
    const promise = (async () => {
      const r = await find(db);
      let value: LoadedForm | null = null;
      if (r) {
        const def = definitionOf(r);
        const { custom } = await definitions(db);
        value = {
          id: r.id,
          slug: r.slug,
          name: r.name,
          status: r.status,
          hubspotFormGuid: r.hubspot_form_guid,
          def,
          custom,
          fields: def.fields.map((f) => publicFieldOf(f, custom)).filter((f): f is PublicField => f !== null),
        };
      }
      if (started === generation) {
        if (cache.size > 5000) cache.clear();
        cache.set(key, { value, at: performance.now() });
      }
      return value;
    })().finally(() => {
      if (loading.get(key) === promise) loading.delete(key);
    });
    loading.set(key, promise);
    return promise;
  }

  /** The published form with this slug, or FORM_NOT_FOUND (drafts and archived forms are not public). */
  async function published(slug: string): Promise<LoadedForm> {
    const f = await load(`slug:${slug}`, (tx) => repo.bySlug(tx, slug));
    if (f?.status !== 'published') throw new AppError('FORM_NOT_FOUND', `No published form "${slug}"`);
    return f;
  }

  /** The published form a HubSpot form GUID (or a form id) names. */
  async function publishedForHubspot(guid: string): Promise<LoadedForm> {
    const f =
      (await load(`hs:${guid}`, (tx) => repo.byHubspotGuid(tx, guid))) ??
      (await load(`id:${guid}`, (tx) => repo.byId(tx, guid)));
    if (f?.status !== 'published') throw new AppError('FORM_NOT_FOUND', `No published form for ${guid}`);
    return f;
  }

  async function byIdCached(id: string): Promise<LoadedForm | null> {
    return load(`id:${id}`, (tx) => repo.byId(tx, id));
  }

  return {
    create,
    update,
    get,
    list,
    consentHistory,
    submissions,
    submissionView,
    published,
    publishedForHubspot,
    byIdCached,
    forget,
  };
}

export type FormsService = ReturnType<typeof createFormsService>;
