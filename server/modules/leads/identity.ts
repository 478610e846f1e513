/**
 * The identity resolver: the one path every entry point (API, batch, import, forms, tracking) takes
 * to turn incoming person data into exactly one lead. Batch-first: a single upsert is a batch of one.
 *
 * Matching: normalised email, then external ids, then an anonymous visitor id. Merging: a blank never
 * overwrites; the newest non-blank value wins unless the field is marked "first value wins"; every
 * change is recorded on a touchpoint with its source. Concurrent creates of one new email end as
 * one lead: the loser of the insert race re-reads and updates instead.
 */
import { createHash } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { ErrorCode } from '../../../contracts/errors.ts';
import {
  type ConsentPurpose,
  type ConsentStatus,
  consentPurposes,
  type LeadInput,
  type LeadSource,
  type LifecycleStage,
  type MergeRule,
  type StandardField,
  standardFieldKeys,
} from '../../../contracts/leads.ts';
import { transitionOf, unvalidatedSources } from '../../../contracts/lifecycle.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Tx } from '../../platform/db/db.ts';
import type {
  CompaniesTable,
  LeadIdentitiesTable,
  LeadsTable,
  TouchpointsTable,
} from '../../platform/db/schema.ts';
import type { ErrorDetail } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor } from '../audit/index.ts';
import { checkCustomValue, type FieldDefinition } from './custom-fields.ts';
import { type ConsentState, columnOf, consentOf, customFieldsOf, type LeadRow } from './fields.ts';
import type { LeadsRepo } from './leads.repo.ts';
import {
  cleanText,
  companyDomainFor,
  isValidEmail,
  normaliseEmail,
  searchTextOf,
  websiteDomain,
} from './normalize.ts';

export type ResolveItem = {
  input: LeadInput;
  /** Apply to this lead instead of matching (explicit edits). */
  leadId?: string;
  /** An anonymous visitor id (tracking) to match on and to attach to the lead. */
  visitorId?: string;
  /** A touchpoint that happened, recorded whether or not any field changed (a form submission). */
  touchpoint?: { type: string; properties?: Record<string, unknown>; occurredAt?: number };
  /**
   * Properties added to the touchpoint recorded for this item, when one is recorded (a CSV row's
   * original source, which attribution reads).
   */
  touchpointProperties?: Record<string, unknown>;
  /**
   * The stage a new lead starts at (instead of `lead`), and the stages of existing leads it moves
   * forward from (forms: a newsletter makes subscribers; gated content turns a subscriber into a
   * lead). Unlike `input.lifecycleStage`, it never moves a lead backwards.
   */
  stage?: { initial: LifecycleStage; advanceFrom?: readonly LifecycleStage[] };
};

export type ResolveOptions = {
  source: LeadSource;
  actor: Actor;
  /** When the incoming values were true, epoch ms (default now); newer values win. */
  at?: number;
  /**
   * `identity` (default) matches existing leads by email, then external id, then visitor id;
   * `external` matches by external id only (an email never decides the match, and an email another
   * lead holds is not taken); `none` makes every item a new lead (identity-less data), still
   * without taking an email another lead holds.
   */
  match?: 'identity' | 'external' | 'none';
  /** Touchpoint type for the record of a create or update (default `created` / `updated`). */
  touchpointType?: string;
  touchpointProperties?: Record<string, unknown>;
  /** Decide and report, but write nothing. */
  dryRun?: boolean;
  /**
   * `merge` (default): the merge policy applies. `edit`: an explicit change by a person or an API
   * call on a known lead; given values are set as they are, and null clears a field.
   */
  mode?: 'merge' | 'edit';
};

export type ResolveError = { code: ErrorCode; message: string; details: ErrorDetail[] };

export type ResolveResult =
  | {
      index: number;
      status: 'created' | 'updated' | 'unchanged';
      leadId: string;
      changes: Record<string, [unknown, unknown]>;
      warnings: string[];
      /** The lead as written (external ids only when all are known, i.e. for a new lead). */
      snapshot: { row: LeadRow; externalIds: { system: string; id: string }[] | null };
    }
  | { index: number; status: 'error'; error: ResolveError };

/** A lead's stage as the resolver set it: its first stage (`from` null) or a change. */
export type StageMove = {
  from: LifecycleStage | null;
  to: LifecycleStage;
  at: number;
  source: LeadSource;
  actor: Actor;
};

/**
 * Sees the resolver's new leads just before they are inserted, in the same transaction, each with
 * the touchpoints recorded for it, and may set columns of their rows: what a new lead's own
 * touchpoints decide (its first and last touch, its scores) is written with the lead instead of by
 * an update right after. A row whose email another transaction took meanwhile is not inserted (its
 * items are resolved again, as updates), so a hook keeps nothing about a row past the row itself.
 */
export type LeadsInserting = (
  tx: Tx,
  leads: { row: LeadRow; touchpoints: Insertable<TouchpointsTable>[] }[],
) => Promise<void>;

/** Told about every lead the resolver created or changed, inside the same transaction. */
export type ResolvedListener = (
  tx: Tx,
  resolved: {
    leadId: string;
    created: boolean;
    /** True when an existing lead's own fields changed (not only new touchpoints). */
    updated?: boolean;
    touchpoints: Insertable<TouchpointsTable>[];
    /** Stage moves the resolver made (lifecycle records them); absent when there were none. */
    stageMoves?: StageMove[];
  }[],
) => Promise<void>;

export type Definitions = { custom: Map<string, FieldDefinition>; rules: Map<string, MergeRule> };

type Prepared = {
  index: number;
  leadId: string | undefined;
  email: string | null;
  emailGiven: boolean;
  fields: Partial<Record<StandardField, string | number | null>>;
  custom: Record<string, unknown>;
  externalIds: { system: string; id: string }[];
  visitorId: string | null;
  ownerId: string | null | undefined;
  stage: string | undefined;
  consent: Partial<
    Record<ConsentPurpose, { status: ConsentStatus; textVersion: string | null; source: string | null }>
  >;
  createdAt: number | undefined;
  touchpoint: ResolveItem['touchpoint'];
  touchpointProperties: ResolveItem['touchpointProperties'];
  stageRule: ResolveItem['stage'];
};

type State = {
  row: LeadRow;
  isNew: boolean;
  dirty: boolean;
  times: Record<string, number>;
  custom: Record<string, unknown>;
  consent: ConsentState;
  identities: Insertable<LeadIdentitiesTable>[];
  touchpoints: Insertable<TouchpointsTable>[];
  consentEvents: {
    purpose: string;
    status: string;
    source: string;
    text_version: string | null;
    at: number;
  }[];
  stageMoves: StageMove[];
  items: number[];
  /** The row `write` wrote, so the snapshots reuse it instead of serialising the lead again. */
  written?: LeadRow;
};

/** An explicit edit tried to give a lead an email another lead has. */
export class EmailTakenError extends Error {
  readonly email: string;
  readonly leadId: string;
  constructor(email: string, leadId: string) {
    super(`${email} belongs to lead ${leadId}`);
    this.email = email;
    this.leadId = leadId;
  }
}

export function emailHash(email: string): string {
  return createHash('sha256').update(normaliseEmail(email)).digest('hex');
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

const fail = (code: ErrorCode, field: string, rule: string, message: string): ResolveError => ({
  code,
  message: `${field}: ${message}`,
  details: [{ field, rule, message }],
});

type Deps = {
  repo: LeadsRepo;
  clock: Clock;
  definitions: (tx: Tx, options?: { fresh?: boolean }) => Promise<Definitions>;
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
  listeners: ResolvedListener[];
  inserting?: LeadsInserting[];
};

export function createIdentityResolver({
  repo,
  clock,
  definitions,
  activeUserIds,
  listeners,
  inserting = [],
}: Deps) {
  /** Company id by domain, for companies known to be committed. */
  const companyIds = new Map<string, string>();

  /** Resolves a batch of person records to leads inside `tx`; one result per item, in order. */
  async function resolveBatch(tx: Tx, items: ResolveItem[], opts: ResolveOptions): Promise<ResolveResult[]> {
    const now = clock.now();
    const at = opts.at ?? now;
    let defs = await definitions(tx);
    const unknownKey = (item: ResolveItem) =>
      Object.keys(item.input.customFields ?? {}).some((k) => !defs.custom.has(k));
    // Definitions may be a few seconds old: a key we do not know yet may have just been created.
    if (items.some(unknownKey)) defs = await definitions(tx, { fresh: true });
    const results: ResolveResult[] = new Array(items.length);
    const prepared: Prepared[] = [];
    for (let i = 0; i < items.length; i++) {
      const p = prepare(items[i]!, i, defs);
      if ('error' in p) results[i] = { index: i, status: 'error', error: p.error };
      else prepared.push(p);
    }

    // Owners must be active users.
    const owners = [
      ...new Set(prepared.map((p) => p.ownerId).filter((o): o is string => typeof o === 'string')),
    ];
    const active = owners.length > 0 ? await activeUserIds(tx, owners) : new Set<string>();
    // Erased people come back only with fresh consent. (Most installations never erased anyone:
    // then nobody's email needs hashing.)
    const hashes = (await repo.anyErased(tx))
      ? new Map(prepared.filter((p) => p.email).map((p) => [p, emailHash(p.email!)]))
      : new Map<Prepared, string>();
    const erased = await repo.erasedAmong(tx, [...new Set(hashes.values())]);
    const unblock: string[] = [];
    const live = prepared.filter((p) => {
      if (p.ownerId && !active.has(p.ownerId)) {
        results[p.index] = {
          index: p.index,
          status: 'error',
          error: fail('VALIDATION_FAILED', 'ownerId', 'exists', 'is not an active user'),
        };
        return false;
      }
      const hash = hashes.get(p);
      if (hash !== undefined && erased.has(hash)) {
        if (Object.values(p.consent).some((c) => c?.status === 'granted')) {
          unblock.push(hash);
          return true;
        }
        results[p.index] = {
          index: p.index,
          status: 'error',
          error: fail(
            'ERASED_EMAIL_BLOCKED',
            'email',
            'erased',
            'this person was erased at their request; send their fresh consent to add them again',
          ),
        };
        return false;
      }
      return true;
    });

    // Load every lead an item could match.
    const states = new Map<string, State>();
    const byEmail = new Map<string, string>();
    const byExternal = new Map<string, string>();
    const byVisitor = new Map<string, string>();
    if (opts.match !== 'none') await loadMatches(tx, live, states, byEmail, byExternal, byVisitor);
    else {
      // Nothing is matched, but an email stays with the lead that has it.
      const emails = [...new Set(live.map((p) => p.email).filter((e): e is string => !!e))];
      for (const r of await repo.byEmails(tx, emails)) if (r.email) byEmail.set(r.email, r.id);
    }

    for (const p of live) {
      let leadId =
        opts.match === 'none'
          ? undefined
          : matchOf(p, states, byEmail, byExternal, byVisitor, opts.match !== 'external');
      let state = leadId ? states.get(leadId) : undefined;
      const warnings: string[] = [];
      if (!state && p.leadId) {
        results[p.index] = {
          index: p.index,
          status: 'error',
          error: fail('LEAD_NOT_FOUND', 'id', 'exists', `no lead ${p.leadId}`),
        };
        continue;
      }
      if (!state) {
        if (opts.match === 'external' && p.externalIds.length === 0) {
          results[p.index] = {
            index: p.index,
            status: 'error',
            error: fail(
              'LEAD_IDENTITY_REQUIRED',
              'externalIds',
              'required',
              'an external id is required to match on',
            ),
          };
          continue;
        }
        if (opts.match !== 'none' && !p.email && p.externalIds.length === 0 && !p.visitorId) {
          results[p.index] = {
            index: p.index,
            status: 'error',
            error: fail(
              'LEAD_IDENTITY_REQUIRED',
              'email',
              'required',
              'is required (or an external id) to match the lead on',
            ),
          };
          continue;
        }
        state = newState(p, opts, now);
        leadId = state.row.id;
        states.set(leadId, state);
      }
      // A stage change by a person or an API call must be an allowed, forward move (backward
      // moves need a reason: POST /leads/{id}/stage). Imports and demo data carry history as it was.
      const stageError = checkStage(state, p, opts);
      if (stageError) {
        results[p.index] = { index: p.index, status: 'error', error: stageError };
        continue;
      }
      const changes = apply(state, p, defs, opts, at, now, byEmail, byExternal, byVisitor, warnings);
      state.items.push(p.index);
      const created = state.isNew && state.items.length === 1;
      const changed = Object.keys(changes).length > 0;
      if (changed || created || p.touchpoint) {
        state.touchpoints.push(touchpointOf(state, p, opts, created, changes, at, now));
      }
      results[p.index] = {
        index: p.index,
        status: created ? 'created' : changed ? 'updated' : 'unchanged',
        leadId: leadId!,
        changes,
        warnings,
        snapshot: { row: state.row, externalIds: null },
      };
    }

    if (opts.dryRun) return withSnapshots(results, states);
    await linkCompanies(tx, [...states.values()], now);
    const retry = await write(tx, [...states.values()], unblock, now);
    withSnapshots(results, states);
    if (retry.length > 0) {
      // Another transaction created these emails meanwhile: resolve those items again, now as updates.
      const again = await resolveBatch(
        tx,
        retry.map((i) => items[i]!),
        opts,
      );
      again.forEach((r, k) => {
        const index = retry[k]!;
        results[index] = { ...r, index } as ResolveResult;
      });
    }
    return results;
  }

  function checkStage(state: State, p: Prepared, opts: ResolveOptions): ResolveError | null {
    // A new lead may start at any stage.
    if (!p.stage || (state.isNew && state.items.length === 0)) return null;
    const from = state.row.lifecycle_stage as LifecycleStage;
    const to = p.stage as LifecycleStage;
    if (from === to || unvalidatedSources.includes(opts.source)) return null;
    const rule = transitionOf(from, to);
    const details = [
      { field: 'from', rule: 'stage', message: from },
      { field: 'to', rule: 'stage', message: to },
    ];
    if (!rule)
      return {
        code: 'STAGE_TRANSITION_NOT_ALLOWED',
        message: `lifecycleStage: a lead cannot move from ${from} to ${to}`,
        details,
      };
    if (rule.reasonRequired)
      return {
        code: 'STAGE_REASON_REQUIRED',
        message: `lifecycleStage: moving from ${from} to ${to} is a ${rule.kind} and needs a reason; use POST /api/v1/leads/{id}/stage`,
        details: [
          ...details,
          { field: 'reason', rule: 'required', message: `a ${rule.kind} needs a reason` },
        ],
      };
    return null;
  }

  function prepare(item: ResolveItem, index: number, defs: Definitions): Prepared | { error: ResolveError } {
    const input = item.input;
    let email: string | null = null;
    if (input.email !== undefined && input.email !== null && input.email.trim() !== '') {
      email = normaliseEmail(input.email);
      if (!isValidEmail(email))
        return { error: fail('VALIDATION_FAILED', 'email', 'format', 'is not a valid email address') };
    }
    const fields: Prepared['fields'] = {};
    for (const key of standardFieldKeys) {
      if (key === 'email') continue;
      const raw = input[key];
      if (raw === undefined) continue;
      if (key === 'companySize') fields[key] = raw as number | null;
      else if (key === 'website') {
        const v = cleanText(raw as string | null);
        if (v && !websiteDomain(v))
          return { error: fail('VALIDATION_FAILED', 'website', 'format', 'is not a web address') };
        fields[key] = v;
      } else fields[key] = cleanText(raw as string | null);
    }
    const custom: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(input.customFields ?? {})) {
      const def = defs.custom.get(key);
      if (!def)
        return { error: fail('VALIDATION_FAILED', `customFields.${key}`, 'known', 'is not a custom field') };
      if (def.archived)
        return { error: fail('VALIDATION_FAILED', `customFields.${key}`, 'archived', 'is archived') };
      const checked = checkCustomValue(def, raw);
      if (!checked.ok)
        return {
          error: {
            code: 'VALIDATION_FAILED',
            message: `${checked.detail.field}: ${checked.detail.message}`,
            details: [checked.detail],
          },
        };
      custom[key] = checked.value;
    }
    let createdAt: number | undefined;
    if (input.createdAt) {
      createdAt = Date.parse(input.createdAt);
      if (!Number.isFinite(createdAt))
        return { error: fail('VALIDATION_FAILED', 'createdAt', 'format', 'is not a date-time') };
    }
    const consent: Prepared['consent'] = {};
    for (const purpose of consentPurposes) {
      const c = input.consent?.[purpose];
      if (c)
        consent[purpose] = { status: c.status, textVersion: c.textVersion ?? null, source: c.source ?? null };
    }
    return {
      index,
      leadId: item.leadId,
      email,
      emailGiven: input.email !== undefined,
      fields,
      custom,
      externalIds: (input.externalIds ?? []).map((e) => ({ system: e.system, id: e.id.trim() })),
      visitorId: item.visitorId ?? null,
      ownerId: input.ownerId === undefined ? undefined : (input.ownerId ?? null),
      stage: input.lifecycleStage,
      consent,
      createdAt,
      touchpoint: item.touchpoint,
      touchpointProperties: item.touchpointProperties,
      stageRule: item.stage,
    };
  }

  async function loadMatches(
    tx: Tx,
    items: Prepared[],
    states: Map<string, State>,
    byEmail: Map<string, string>,
    byExternal: Map<string, string>,
    byVisitor: Map<string, string>,
  ) {
    const emails = [...new Set(items.map((p) => p.email).filter((e): e is string => !!e))];
    const rows = await repo.byEmails(tx, emails);
    const targets = await repo.byIds(
      tx,
      items.map((p) => p.leadId).filter((id): id is string => !!id),
    );
    const ext = await repo.identitiesFor(
      tx,
      'external',
      items.flatMap((p) => p.externalIds.map((e) => ({ system: e.system, value: e.id }))),
    );
    const vis = await repo.identitiesFor(
      tx,
      'visitor',
      items.filter((p) => p.visitorId).map((p) => ({ system: '', value: p.visitorId! })),
    );
    const loaded = new Map<string, LeadRow>([...rows, ...targets].map((r) => [r.id, r]));
    const missing = [...new Set([...ext, ...vis].map((i) => i.lead_id))].filter((id) => !loaded.has(id));
    for (const r of await repo.byIds(tx, missing)) loaded.set(r.id, r);
    // Merged leads are tombstones: follow them to the lead they live on as.
    const survivorOf = async (id: string): Promise<string> => {
      let current = loaded.get(id);
      for (let hops = 0; current?.merged_into && hops < 20; hops++) {
        const next = current.merged_into;
        if (!loaded.has(next)) for (const r of await repo.byIds(tx, [next])) loaded.set(r.id, r);
        current = loaded.get(next);
      }
      return current?.id ?? id;
    };
    for (const r of rows) if (r.email) byEmail.set(r.email, await survivorOf(r.id));
    for (const i of ext) byExternal.set(`${i.system}\u0000${i.value}`, await survivorOf(i.lead_id));
    for (const i of vis) byVisitor.set(i.value, await survivorOf(i.lead_id));
    for (const t of targets) if (!t.merged_into && t.erased_at === null) states.set(t.id, stateOf(t));
    for (const id of new Set([...byEmail.values(), ...byExternal.values(), ...byVisitor.values()])) {
      const row = loaded.get(id);
      if (row && !row.merged_into && row.erased_at === null && !states.has(id)) states.set(id, stateOf(row));
    }
  }

  function matchOf(
    p: Prepared,
    states: Map<string, State>,
    byEmail: Map<string, string>,
    byExternal: Map<string, string>,
    byVisitor: Map<string, string>,
    useEmail = true,
  ): string | undefined {
    if (p.leadId) return states.has(p.leadId) ? p.leadId : undefined;
    if (useEmail && p.email) {
      const id = byEmail.get(p.email);
      if (id && states.has(id)) return id;
    }
    for (const e of p.externalIds) {
      const id = byExternal.get(`${e.system}\u0000${e.id}`);
      if (id && states.has(id)) return id;
    }
    if (p.visitorId) {
      const id = byVisitor.get(p.visitorId);
      const lead = id ? states.get(id) : undefined;
      // A known browser with a new email is another person, not the same lead renamed.
      if (lead && (!p.email || !lead.row.email)) return id;
    }
    return undefined;
  }

  function stateOf(row: LeadRow): State {
    return {
      row: { ...row },
      isNew: false,
      dirty: false,
      times: JSON.parse(row.field_times || '{}') as Record<string, number>,
      custom: customFieldsOf(row),
      consent: consentOf(row),
      identities: [],
      touchpoints: [],
      consentEvents: [],
      stageMoves: [],
      items: [],
    };
  }

  function newState(p: Prepared, opts: ResolveOptions, now: number): State {
    const created = p.createdAt ?? now;
    const row: LeadRow = {
      id: newId('lead', now),
      email: null,
      first_name: null,
      last_name: null,
      phone: null,
      job_title: null,
      company_name: null,
      company_id: null,
      website: null,
      country: null,
      city: null,
      industry: null,
      company_size: null,
      lifecycle_stage: p.stageRule?.initial ?? 'lead',
      owner_id: null,
      custom_fields: '{}',
      consent: '{}',
      field_times: '{}',
      search_text: '',
      source: opts.source,
      merged_into: null,
      erased_at: null,
      created_at: created,
      updated_at: now,
    };
    const entered: StageMove = {
      from: null,
      to: row.lifecycle_stage as LifecycleStage,
      at: created,
      source: opts.source,
      actor: opts.actor,
    };
    // Built directly (not through stateOf): a new lead has nothing stored to parse.
    return {
      row,
      isNew: true,
      dirty: true,
      times: {},
      custom: {},
      consent: {},
      identities: [],
      touchpoints: [],
      consentEvents: [],
      stageMoves: [entered],
      items: [],
    };
  }

  /** Applies one item to a lead under the merge policy; returns what changed. */
  function apply(
    state: State,
    p: Prepared,
    defs: Definitions,
    opts: ResolveOptions,
    at: number,
    now: number,
    byEmail: Map<string, string>,
    byExternal: Map<string, string>,
    byVisitor: Map<string, string>,
    warnings: string[],
  ): Record<string, [unknown, unknown]> {
    const changes: Record<string, [unknown, unknown]> = {};
    const row = state.row as unknown as Record<string, unknown>;
    const edit = opts.mode === 'edit';
    const set = (
      timeKey: string,
      rule: MergeRule,
      current: unknown,
      next: unknown,
      write: (v: unknown) => void,
    ) => {
      if (edit) {
        // An explicit edit sets what it says; null clears.
        const value = next ?? null;
        if ((current ?? null) === value || JSON.stringify(current ?? null) === JSON.stringify(value)) return;
        write(value);
        state.times[timeKey] = at;
        changes[timeKey] = [current ?? null, value];
        return;
      }
      if (next === null || next === undefined) return; // a blank never overwrites
      if (current === next) return;
      const hasValue = current !== null && current !== undefined;
      // Two different strings never serialise alike; other values (numbers, arrays) may.
      if (hasValue && (typeof next !== 'string' || typeof current !== 'string')) {
        if (JSON.stringify(current) === JSON.stringify(next)) return;
      }
      if (hasValue && rule === 'first') return;
      if (hasValue && (state.times[timeKey] ?? 0) > at) return; // what we hold is newer
      write(next);
      state.times[timeKey] = at;
      changes[timeKey] = [current ?? null, next];
    };

    if (edit && p.emailGiven && p.email !== state.row.email) {
      if (p.email === null) {
        warnings.push('a lead keeps its email; erase the lead to remove personal data');
      } else if (byEmail.has(p.email) && byEmail.get(p.email) !== state.row.id) {
        throw new EmailTakenError(p.email, byEmail.get(p.email)!);
      } else {
        changes.email = [state.row.email, p.email];
        state.row.email = p.email;
        state.times.email = at;
        byEmail.set(p.email, state.row.id);
      }
    } else if (!edit && p.email && state.row.email !== p.email) {
      const owner = byEmail.get(p.email);
      if (owner && owner !== state.row.id)
        warnings.push(`email ${p.email} belongs to lead ${owner}; kept apart`);
      else if (state.row.email === null) {
        changes.email = [null, p.email];
        state.row.email = p.email;
        state.times.email = at;
        byEmail.set(p.email, state.row.id);
      } else
        warnings.push(`the lead keeps its email ${state.row.email}; change it explicitly to use ${p.email}`);
    }
    for (const [key, value] of Object.entries(p.fields) as [StandardField, string | number | null][]) {
      const column = columnOf[key];
      set(key, defs.rules.get(key) ?? 'newest', row[column], value, (v) => {
        row[column] = v;
      });
    }
    for (const [key, value] of Object.entries(p.custom)) {
      set(
        `customFields.${key}`,
        defs.custom.get(key)?.mergeRule ?? 'newest',
        state.custom[key],
        value,
        (v) => {
          state.custom[key] = v;
        },
      );
    }
    if (p.ownerId !== undefined && (p.ownerId !== null || edit)) {
      set('ownerId', defs.rules.get('ownerId') ?? 'newest', state.row.owner_id, p.ownerId, (v) => {
        state.row.owner_id = v as string | null;
      });
    }
    const moveStage = (to: string) => {
      const first = state.stageMoves[0];
      // A new lead's first item sets the stage it starts at: one entry, not an entry and a move.
      if (state.isNew && state.items.length === 0 && first && first.from === null)
        first.to = to as LifecycleStage;
      else
        state.stageMoves.push({
          from: state.row.lifecycle_stage as LifecycleStage,
          to: to as LifecycleStage,
          at,
          source: opts.source,
          actor: opts.actor,
        });
      changes.lifecycleStage = [state.row.lifecycle_stage, to];
      state.row.lifecycle_stage = to;
    };
    if (p.stage && p.stage !== state.row.lifecycle_stage) {
      moveStage(p.stage);
    } else if (
      !p.stage &&
      !state.isNew &&
      p.stageRule?.advanceFrom?.includes(state.row.lifecycle_stage as LifecycleStage) &&
      p.stageRule.initial !== state.row.lifecycle_stage
    ) {
      moveStage(p.stageRule.initial);
    }
    if (p.createdAt !== undefined && p.createdAt < state.row.created_at) {
      if (!state.isNew)
        changes.createdAt = [
          new Date(state.row.created_at).toISOString(),
          new Date(p.createdAt).toISOString(),
        ];
      state.row.created_at = p.createdAt;
    }
    for (const e of p.externalIds) {
      const key = `${e.system}\u0000${e.id}`;
      const owner = byExternal.get(key);
      if (owner === state.row.id) continue;
      if (owner) {
        warnings.push(`external id ${e.system}:${e.id} belongs to lead ${owner}; kept there`);
        continue;
      }
      byExternal.set(key, state.row.id);
      state.identities.push({
        kind: 'external',
        system: e.system,
        value: e.id,
        lead_id: state.row.id,
        created_at: now,
      });
      changes[`externalIds.${e.system}`] = [null, e.id];
    }
    if (p.visitorId && !byVisitor.has(p.visitorId)) {
      byVisitor.set(p.visitorId, state.row.id);
      state.identities.push({
        kind: 'visitor',
        system: '',
        value: p.visitorId,
        lead_id: state.row.id,
        created_at: now,
      });
    }
    for (const [purpose, c] of Object.entries(p.consent) as [
      ConsentPurpose,
      NonNullable<Prepared['consent'][ConsentPurpose]>,
    ][]) {
      const current = state.consent[purpose];
      if (current && current.status === c.status && current.textVersion === c.textVersion) continue;
      // Consent waiting for a double opt-in click never replaces consent already given.
      if (c.status === 'pending' && current?.status === 'granted') continue;
      const source = c.source ?? opts.source;
      state.consent[purpose] = { status: c.status, source, textVersion: c.textVersion, at };
      state.consentEvents.push({ purpose, status: c.status, source, text_version: c.textVersion, at });
      changes[`consent.${purpose}`] = [current?.status ?? null, c.status];
    }
    if (Object.keys(changes).length > 0) {
      state.dirty = true;
      state.row.updated_at = now;
    }
    return changes;
  }

  function touchpointOf(
    state: State,
    p: Prepared,
    opts: ResolveOptions,
    created: boolean,
    changes: Record<string, [unknown, unknown]>,
    at: number,
    now: number,
  ): Insertable<TouchpointsTable> {
    const type = p.touchpoint?.type ?? opts.touchpointType ?? (created ? 'created' : 'updated');
    const occurred = p.touchpoint?.occurredAt ?? (created && p.createdAt !== undefined ? p.createdAt : at);
    const properties = {
      ...opts.touchpointProperties,
      ...p.touchpoint?.properties,
      ...p.touchpointProperties,
      ...(Object.keys(changes).length ? { changes } : {}),
    };
    return {
      id: newId('tp', now),
      lead_id: state.row.id,
      type,
      occurred_at: occurred,
      source: opts.source,
      actor_type: opts.actor.type,
      actor_id: 'id' in opts.actor ? opts.actor.id : null,
      actor_label: opts.actor.label ?? null,
      properties: JSON.stringify(properties),
      created_at: now,
    };
  }

  /** Links leads without a company to the company of their domain, creating companies as needed. */
  async function linkCompanies(tx: Tx, states: State[], now: number): Promise<void> {
    const wanting = new Map<State, string>();
    for (const s of states) {
      if (s.row.company_id || !s.dirty) continue;
      const domain = companyDomainFor(s.row);
      if (domain) wanting.set(s, domain);
    }
    if (wanting.size === 0) return;
    const domains = [...new Set(wanting.values())];
    const known = new Map<string, { id: string }>();
    const unknown: string[] = [];
    for (const d of domains) {
      const id = companyIds.get(d);
      if (id) known.set(d, { id });
      else unknown.push(d);
    }
    for (const c of await repo.companiesByDomains(tx, unknown)) {
      known.set(c.domain, c);
      // Only companies that existed before this transaction are remembered: one created here
      // could still be rolled back. Companies are never deleted, so a remembered id stays true.
      if (companyIds.size >= 50_000) companyIds.clear();
      companyIds.set(c.domain, c.id);
    }
    // The first lead of each domain names a new company.
    const exampleOf = new Map<string, LeadRow>();
    for (const [s, d] of wanting) if (!exampleOf.has(d)) exampleOf.set(d, s.row);
    const fresh: CompaniesTable[] = [];
    for (const domain of domains) {
      if (known.has(domain)) continue;
      const example = exampleOf.get(domain)!;
      fresh.push({
        id: newId('co', now),
        domain,
        name: example.company_name,
        industry: example.industry,
        employees: example.company_size,
        country: example.country,
        owner_id: null,
        created_at: now,
        updated_at: now,
      });
    }
    if (fresh.length > 0) {
      await repo.insertCompanies(tx, fresh);
      for (const c of await repo.companiesByDomains(
        tx,
        fresh.map((f) => f.domain),
      ))
        known.set(c.domain, c);
    }
    for (const [s, domain] of wanting) {
      const company = known.get(domain);
      if (company) s.row.company_id = company.id;
    }
  }

  /** The lead row as it is written, JSON columns serialised. */
  function finalRow(s: State): LeadRow {
    if (s.written) return s.written;
    return {
      ...s.row,
      custom_fields: isEmpty(s.custom)
        ? '{}'
        : JSON.stringify(Object.fromEntries(Object.entries(s.custom).filter(([, v]) => v !== null))),
      consent: JSON.stringify(s.consent),
      field_times: JSON.stringify(s.times),
      search_text: searchTextOf(s.row),
    };
  }

  function withSnapshots(results: ResolveResult[], states: Map<string, State>): ResolveResult[] {
    for (const r of results) {
      if (r.status === 'error') continue;
      const s = states.get(r.leadId);
      if (!s) continue;
      r.snapshot = {
        row: finalRow(s),
        externalIds: s.isNew
          ? s.identities.filter((i) => i.kind === 'external').map((i) => ({ system: i.system, id: i.value }))
          : null,
      };
    }
    return results;
  }

  /** Writes the batch; returns item indexes whose new lead lost an email race and must be resolved again. */
  async function write(tx: Tx, states: State[], unblock: string[], now: number): Promise<number[]> {
    await repo.unblockErased(tx, unblock);
    const fresh = states.filter((s) => s.isNew);
    const rowsOf = (s: State): LeadRow => {
      const row = finalRow(s);
      s.written = row;
      return row;
    };
    const freshRows = fresh.map(rowsOf);
    if (fresh.length > 0 && inserting.length > 0) {
      const creating = fresh.map((s, i) => ({ row: freshRows[i]!, touchpoints: s.touchpoints }));
      for (const hook of inserting) await hook(tx, creating);
    }
    const inserted = await repo.insertLeads(tx, freshRows as Insertable<LeadsTable>[]);
    const lost = fresh.filter((s) => !inserted.has(s.row.id));
    const kept = lost.length > 0 ? states.filter((s) => !lost.includes(s)) : states;
    for (const s of kept) {
      if (s.isNew || !s.dirty) continue;
      const { id, ...rest } = rowsOf(s) as Insertable<LeadsTable>;
      await repo.updateLead(tx, id!, rest);
    }
    await repo.insertIdentities(
      tx,
      kept.flatMap((s) => s.identities),
    );
    await repo.insertTouchpoints(
      tx,
      kept.flatMap((s) => s.touchpoints),
    );
    await repo.insertConsentEvents(
      tx,
      kept.flatMap((s) => s.consentEvents.map((e) => ({ id: newId('cev', now), lead_id: s.row.id, ...e }))),
    );
    const changed = kept
      .filter((s) => s.touchpoints.length > 0 || s.isNew)
      .map((s) => ({
        leadId: s.row.id,
        created: s.isNew,
        updated: !s.isNew && s.dirty,
        touchpoints: s.touchpoints,
        ...(s.stageMoves.length > 0 ? { stageMoves: s.stageMoves } : {}),
      }));
    for (const listener of listeners) await listener(tx, changed);
    return lost.flatMap((s) => s.items);
  }

  return { resolveBatch };
}

export type IdentityResolver = ReturnType<typeof createIdentityResolver>;
