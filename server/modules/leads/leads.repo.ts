import {
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type SqlBool,
  sql,
  type Updateable,
} from 'kysely';
import { chunks, insertRows } from '../../platform/db/bulk.ts';
import type { Dialect, Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
import type {
  CompaniesTable,
  ConsentEventsTable,
  CustomFieldsTable,
  DB,
  LeadIdentitiesTable,
  LeadMergesTable,
  LeadsTable,
  TouchpointsTable,
} from '../../platform/db/schema.ts';
import type { LeadRow } from './fields.ts';

export type SortField = 'createdAt' | 'updatedAt' | 'lastName' | 'email' | 'companyName' | 'companySize';
/** The orders of `list`: the sortable fields, and `id` (the order leads were stored in; exports). */
export type ListOrder = SortField | 'id';
export const sortColumns: Record<SortField, { column: keyof LeadsTable; text: boolean; nullable: boolean }> =
  {
    createdAt: { column: 'created_at', text: false, nullable: false },
    updatedAt: { column: 'updated_at', text: false, nullable: false },
    lastName: { column: 'last_name', text: true, nullable: true },
    email: { column: 'email', text: true, nullable: true },
    companyName: { column: 'company_name', text: true, nullable: true },
    companySize: { column: 'company_size', text: false, nullable: true },
  };

export type LeadFilter = {
  ids?: string[];
  stages?: string[];
  ownerId?: string | null;
  companyId?: string;
  q?: string;
  createdAfter?: number;
  createdBefore?: number;
  updatedAfter?: number;
  companySizeMin?: number;
  companySizeMax?: number;
  /** Equality on standard text columns. */
  columns?: Partial<Record<keyof LeadsTable, string>>;
  /** Leads whose first touch is on one of these channels, or is this campaign (attribution). */
  firstTouchChannels?: string[];
  firstTouchCampaignId?: string;
  /** Equality on custom fields (array fields: contains). */
  custom?: { key: string; value: string | number | boolean; array: boolean }[];
  /** Further conditions on `leads` (filter language, segments), already compiled. */
  where?: Expression<SqlBool>[];
};

export type ListOptions = {
  filter: LeadFilter;
  sort: ListOrder;
  desc: boolean;
  limit: number;
  after?: { value: string | number | null; id: string };
  /** Only these columns (and the id and sort column), for readers that need few (exports). */
  columns?: readonly (keyof LeadsTable)[];
};

type LeadEB = ExpressionBuilder<DB, 'leads'>;

// The resolver's reads on every capture, compiled once (see prepared.ts).
const leadsByEmails = prepared(1, (tx, emails: string[]) =>
  tx.selectFrom('leads').selectAll().where('email', 'in', emails),
);
const identitiesByValues = prepared(3, (tx, kind: string, system: string, values: string[]) =>
  tx
    .selectFrom('lead_identities')
    .selectAll()
    .where('kind', '=', kind)
    .where('system', '=', system)
    .where('value', 'in', values),
);
// A literal limit: a bound one makes SQLite compile the statement again on every run.
const oneErased = prepared(0, (tx) => tx.selectFrom('erased_emails').select('hash').limit(sql<number>`1`));

export function createLeadsRepo(dialect: Dialect) {
  const postgres = dialect === 'postgres';

  /** The where-clause of a filter; live leads only (merged ones are tombstones). */
  function whereOf(eb: LeadEB, f: LeadFilter): Expression<SqlBool> {
    const and: Expression<SqlBool>[] = [
      eb('leads.merged_into', 'is', null),
      eb('leads.erased_at', 'is', null),
    ];
    if (f.ids) and.push(f.ids.length > 0 ? eb('leads.id', 'in', f.ids) : sql<SqlBool>`1 = 0`);
    if (f.stages && f.stages.length > 0) and.push(eb('leads.lifecycle_stage', 'in', f.stages));
    if (f.ownerId !== undefined) {
      and.push(f.ownerId === null ? eb('leads.owner_id', 'is', null) : eb('leads.owner_id', '=', f.ownerId));
    }
    if (f.companyId) and.push(eb('leads.company_id', '=', f.companyId));
    if (f.firstTouchChannels) and.push(eb('leads.first_touch_channel', 'in', f.firstTouchChannels));
    if (f.firstTouchCampaignId) and.push(eb('leads.first_touch_campaign_id', '=', f.firstTouchCampaignId));
    if (f.createdAfter !== undefined) and.push(eb('leads.created_at', '>=', f.createdAfter));
    if (f.createdBefore !== undefined) and.push(eb('leads.created_at', '<', f.createdBefore));
    if (f.updatedAfter !== undefined) and.push(eb('leads.updated_at', '>=', f.updatedAfter));
    if (f.companySizeMin !== undefined) and.push(eb('leads.company_size', '>=', f.companySizeMin));
    if (f.companySizeMax !== undefined) and.push(eb('leads.company_size', '<=', f.companySizeMax));
    for (const [column, value] of Object.entries(f.columns ?? {})) {
      // Text equality ignores case, as people expect of "country = de". Emails are stored
      // lower-cased already, so that filter compares directly and uses the unique index.
      if (column === 'email') and.push(eb('leads.email', '=', String(value).trim().toLowerCase()));
      else
        and.push(
          eb(eb.fn('lower', [eb.ref(`leads.${column}` as 'leads.email')]), '=', String(value).toLowerCase()),
        );
    }
    if (f.q) {
      const words = f.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
      for (const w of words)
        and.push(eb('leads.search_text', 'like', `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    }
    for (const c of f.custom ?? []) and.push(customEquals(c));
    for (const w of f.where ?? []) and.push(w);
    return eb.and(and);
  }

  function customEquals(c: {
    key: string;
    value: string | number | boolean;
    array: boolean;
  }): Expression<SqlBool> {
    if (postgres)
      return sql<SqlBool>`leads.custom_fields @> ${JSON.stringify({ [c.key]: c.array ? [c.value] : c.value })}::jsonb`;
    const path = `$."${c.key}"`;
    if (c.array) {
      return sql<SqlBool>`exists (select 1 from json_each(leads.custom_fields, ${path}) where json_each.value = ${c.value})`;
    }
    const v = typeof c.value === 'boolean' ? (c.value ? 1 : 0) : c.value;
    return sql<SqlBool>`json_extract(leads.custom_fields, ${path}) = ${v}`;
  }

  async function list(tx: Tx, o: ListOptions): Promise<LeadRow[]> {
    // The columns read: all, or those asked for with the id and the sort column (the cursor's).
    const base = () => {
      const from = tx.selectFrom('leads');
      if (!o.columns) return from.selectAll();
      const sortColumn = o.sort === 'id' ? 'id' : sortColumns[o.sort].column;
      const wanted = [...new Set<keyof LeadsTable>(['id', sortColumn, ...o.columns])];
      return from.select(wanted.map((c) => `leads.${c}` as const)) as unknown as ReturnType<
        typeof from.selectAll
      >;
    };
    if (o.sort === 'id') {
      // Ids grow with time, so this is the order rows were stored in: the pages read the table
      // (and the id index) front to back.
      let q = base().where((eb) => whereOf(eb, o.filter));
      if (o.after) q = q.where('leads.id', o.desc ? '<' : '>', o.after.id);
      return q
        .orderBy('leads.id', o.desc ? 'desc' : 'asc')
        .limit(o.limit)
        .execute();
    }
    const { column, text, nullable } = sortColumns[o.sort];
    // A missing value sorts as '' (or -1) so the order, and the cursor, are total. Columns that are
    // never null are compared as they are, so their index serves the sort.
    const ref = sql.ref(`leads.${column}`);
    const key = !nullable ? ref : text ? sql`coalesce(${ref}, '')` : sql`coalesce(${ref}, -1)`;
    const dir = o.desc ? sql`desc` : sql`asc`;
    let q = base().where((eb) => whereOf(eb, o.filter));
    if (o.after) {
      const value = o.after.value ?? (text ? '' : -1);
      const cmp = o.desc ? sql`<` : sql`>`;
      q = q.where(sql<SqlBool>`(${key}, leads.id) ${cmp} (${value}, ${o.after.id})`);
    }
    return q
      .orderBy(sql`${key} ${dir}`)
      .orderBy('leads.id', o.desc ? 'desc' : 'asc')
      .limit(o.limit)
      .execute();
  }

  async function count(tx: Tx, filter: LeadFilter): Promise<number> {
    const r = await tx
      .selectFrom('leads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => whereOf(eb, filter))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** How many leads of each lifecycle stage a filter matches (stages with none are absent). */
  async function stageCounts(tx: Tx, filter: LeadFilter): Promise<{ stage: string; count: number }[]> {
    const rows = await tx
      .selectFrom('leads')
      .select((eb) => ['leads.lifecycle_stage', eb.fn.countAll<number>().as('n')])
      .where((eb) => whereOf(eb, filter))
      .groupBy('leads.lifecycle_stage')
      .execute();
    return rows.map((r) => ({ stage: r.lifecycle_stage, count: Number(r.n) }));
  }

  async function byIds(tx: Tx, ids: string[]): Promise<LeadRow[]> {
    if (ids.length === 0) return [];
    const out: LeadRow[] = [];
    for (const part of chunks(ids, 1))
      out.push(...(await tx.selectFrom('leads').selectAll().where('id', 'in', part).execute()));
    return out;
  }

  async function byEmails(tx: Tx, emails: string[]): Promise<LeadRow[]> {
    if (emails.length === 0) return [];
    const out: LeadRow[] = [];
    for (const part of chunks(emails, 1)) {
      out.push(...(await leadsByEmails(tx, part)).rows);
    }
    return out;
  }

  /** Inserts new leads; a row whose email another transaction took meanwhile is skipped and reported. */
  async function insertLeads(tx: Tx, rows: Insertable<LeadsTable>[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const x of await insertRows(
      tx,
      postgres,
      'leads',
      rows,
      ' on conflict ("email") do nothing returning "id"',
    ))
      inserted.add(x.id as string);
    return inserted;
  }

  async function updateLead(tx: Tx, id: string, patch: Updateable<LeadsTable>): Promise<void> {
    await tx.updateTable('leads').set(patch).where('id', '=', id).execute();
  }

  async function deleteLeads(tx: Tx, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    await tx.deleteFrom('touchpoints').where('lead_id', 'in', ids).execute();
    await tx.deleteFrom('lead_identities').where('lead_id', 'in', ids).execute();
    await tx.deleteFrom('consent_events').where('lead_id', 'in', ids).execute();
    await tx
      .deleteFrom('lead_merges')
      .where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)]))
      .execute();
    const r = await tx.deleteFrom('leads').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // Identities
  async function identitiesFor(
    tx: Tx,
    kind: 'external' | 'visitor',
    pairs: { system: string; value: string }[],
  ) {
    if (pairs.length === 0) return [];
    const out: LeadIdentitiesTable[] = [];
    // One `value in (…)` per system: an OR of thousands of pairs exceeds SQLite's expression depth
    // (1,000) and plans slowly on PostgreSQL; this way the primary key serves each lookup.
    const bySystem = Map.groupBy(pairs, (p) => p.system);
    for (const [system, list] of bySystem) {
      for (const part of chunks([...new Set(list.map((p) => p.value))], 1)) {
        out.push(...(await identitiesByValues(tx, kind, system, part)).rows);
      }
    }
    return out;
  }

  async function identitiesOf(tx: Tx, leadIds: string[]): Promise<LeadIdentitiesTable[]> {
    if (leadIds.length === 0) return [];
    return tx
      .selectFrom('lead_identities')
      .selectAll()
      .where('lead_id', 'in', leadIds)
      .orderBy('created_at')
      .execute();
  }

  /** The external ids of leads, oldest first (the order the lead resource lists them in). */
  async function externalIdsOf(
    tx: Tx,
    leadIds: string[],
    /** The leads are the ids from `range[0]` to `range[1]` (a page in id order): read that range. */
    range?: [string, string],
  ): Promise<Pick<LeadIdentitiesTable, 'lead_id' | 'system' | 'value'>[]> {
    if (leadIds.length === 0) return [];
    // The kind is checked here, not in SQL: with `kind = ?` SQLite's planner may walk the primary
    // key (kind, system, value) instead of looking the leads up (measured: minutes for an export).
    let q = tx.selectFrom('lead_identities').select(['lead_id', 'kind', 'system', 'value']);
    // A range walks the lead index once instead of looking up each id of a long list.
    q = range
      ? q.where('lead_id', '>=', range[0]).where('lead_id', '<=', range[1])
      : q.where('lead_id', 'in', leadIds);
    const rows = await q.orderBy('created_at').execute();
    const wanted = range ? new Set(leadIds) : null;
    return rows.filter((r) => r.kind === 'external' && (!wanted || wanted.has(r.lead_id)));
  }

  async function insertIdentities(tx: Tx, rows: LeadIdentitiesTable[]): Promise<void> {
    await insertRows(
      tx,
      postgres,
      'lead_identities',
      rows,
      ' on conflict ("kind", "system", "value") do nothing',
    );
  }

  async function moveIdentities(
    tx: Tx,
    from: string,
    to: string,
    keys?: { kind: string; system: string; value: string }[],
  ) {
    let q = tx.updateTable('lead_identities').set({ lead_id: to }).where('lead_id', '=', from);
    if (keys) {
      if (keys.length === 0) return;
      q = q.where((eb) =>
        eb.or(
          keys.map((k) =>
            eb.and([eb('kind', '=', k.kind), eb('system', '=', k.system), eb('value', '=', k.value)]),
          ),
        ),
      );
    }
    await q.execute();
  }

  // Touchpoints
  async function insertTouchpoints(tx: Tx, rows: Insertable<TouchpointsTable>[]): Promise<void> {
    // 16 columns with the attribution ones (channel, campaign, UTM values, rule version).
    await insertRows(tx, postgres, 'touchpoints', rows);
  }

  async function touchpointsOf(
    tx: Tx,
    leadId: string,
    o: { limit: number; before?: { at: number; id: string }; types?: string[] },
  ) {
    let q = tx
      .selectFrom('touchpoints')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('occurred_at', 'desc')
      .orderBy('id', 'desc')
      .limit(o.limit);
    if (o.types && o.types.length > 0) q = q.where('type', 'in', o.types);
    if (o.before) q = q.where(sql<SqlBool>`(occurred_at, id) < (${o.before.at}, ${o.before.id})`);
    return q.execute();
  }

  async function touchpointIdsOf(tx: Tx, leadId: string): Promise<string[]> {
    return (await tx.selectFrom('touchpoints').select('id').where('lead_id', '=', leadId).execute()).map(
      (r) => r.id,
    );
  }

  async function moveTouchpoints(tx: Tx, ids: string[], to: string): Promise<void> {
    for (const part of chunks(ids, 1))
      await tx.updateTable('touchpoints').set({ lead_id: to }).where('id', 'in', part).execute();
  }

  // Consent
  async function insertConsentEvents(tx: Tx, rows: ConsentEventsTable[]): Promise<void> {
    await insertRows(tx, postgres, 'consent_events', rows);
  }

  async function consentEventsOf(tx: Tx, leadId: string) {
    return tx
      .selectFrom('consent_events')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('at')
      .orderBy('id')
      .execute();
  }

  /** Whether anyone was ever erased (and not unblocked since). */
  async function anyErased(tx: Tx): Promise<boolean> {
    return (await oneErased(tx)).rows.length > 0;
  }

  async function erasedAmong(tx: Tx, hashes: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks(hashes, 1)) {
      const rows = await tx.selectFrom('erased_emails').select('hash').where('hash', 'in', part).execute();
      for (const r of rows) found.add(r.hash);
    }
    return found;
  }

  async function unblockErased(tx: Tx, hashes: string[]): Promise<void> {
    if (hashes.length > 0) await tx.deleteFrom('erased_emails').where('hash', 'in', hashes).execute();
  }

  async function blockErased(tx: Tx, hash: string, at: number): Promise<void> {
    await tx
      .insertInto('erased_emails')
      .values({ hash, erased_at: at })
      .onConflict((oc) => oc.column('hash').doUpdateSet({ erased_at: at }))
      .execute();
  }

  // Companies
  async function companiesByDomains(tx: Tx, domains: string[]): Promise<CompaniesTable[]> {
    if (domains.length === 0) return [];
    const out: CompaniesTable[] = [];
    for (const part of chunks(domains, 1)) {
      out.push(...(await tx.selectFrom('companies').selectAll().where('domain', 'in', part).execute()));
    }
    return out;
  }

  async function insertCompanies(tx: Tx, rows: CompaniesTable[]): Promise<void> {
    for (const part of chunks(rows, 9)) {
      await tx
        .insertInto('companies')
        .values(part)
        .onConflict((oc) => oc.column('domain').doNothing())
        .execute();
    }
  }

  async function companyById(tx: Tx, id: string) {
    return tx.selectFrom('companies').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function updateCompany(tx: Tx, id: string, patch: Partial<CompaniesTable>) {
    await tx.updateTable('companies').set(patch).where('id', '=', id).execute();
  }

  async function listCompanies(
    tx: Tx,
    o: { q?: string; limit: number; after?: { name: string; id: string } },
  ) {
    const name = sql<string>`coalesce(lower(companies.name), companies.domain)`;
    let q = tx
      .selectFrom('companies')
      .selectAll('companies')
      .select((eb) =>
        eb
          .selectFrom('leads')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('leads.company_id', '=', 'companies.id')
          .where('leads.merged_into', 'is', null)
          .as('lead_count'),
      )
      .orderBy(name)
      .orderBy('companies.id')
      .limit(o.limit);
    if (o.q) {
      const like = `%${o.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([eb(eb.fn('lower', ['companies.name']), 'like', like), eb('companies.domain', 'like', like)]),
      );
    }
    if (o.after) q = q.where(sql<SqlBool>`(${name}, companies.id) > (${o.after.name}, ${o.after.id})`);
    return q.execute();
  }

  async function leadCountOfCompany(tx: Tx, id: string): Promise<number> {
    const r = await tx
      .selectFrom('leads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('company_id', '=', id)
      .where('merged_into', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // Custom field definitions and merge rules
  async function customFieldDefs(tx: Tx): Promise<CustomFieldsTable[]> {
    return tx.selectFrom('custom_fields').selectAll().orderBy('position').orderBy('created_at').execute();
  }

  async function insertCustomField(tx: Tx, row: CustomFieldsTable) {
    await tx.insertInto('custom_fields').values(row).execute();
  }

  async function updateCustomField(tx: Tx, id: string, patch: Partial<CustomFieldsTable>) {
    await tx.updateTable('custom_fields').set(patch).where('id', '=', id).execute();
  }

  async function fieldRules(tx: Tx) {
    return tx.selectFrom('lead_field_rules').selectAll().execute();
  }

  async function setFieldRule(tx: Tx, field: string, rule: string, at: number) {
    await tx
      .insertInto('lead_field_rules')
      .values({ field, merge_rule: rule, updated_at: at })
      .onConflict((oc) => oc.column('field').doUpdateSet({ merge_rule: rule, updated_at: at }))
      .execute();
  }

  // Merges
  async function insertMerge(tx: Tx, row: LeadMergesTable) {
    await tx.insertInto('lead_merges').values(row).execute();
  }

  async function mergeById(tx: Tx, id: string) {
    return tx.selectFrom('lead_merges').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function mergesOf(tx: Tx, leadId: string) {
    return tx
      .selectFrom('lead_merges')
      .selectAll()
      .where((eb) => eb.or([eb('survivor_id', '=', leadId), eb('merged_id', '=', leadId)]))
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  async function laterMerges(tx: Tx, leadIds: string[], after: string) {
    return tx
      .selectFrom('lead_merges')
      .select('id')
      .where('undone_at', 'is', null)
      .where('id', '>', after)
      .where((eb) => eb.or([eb('survivor_id', 'in', leadIds), eb('merged_id', 'in', leadIds)]))
      .execute();
  }

  async function markMergeUndone(tx: Tx, id: string, at: number, by: string | null) {
    await tx.updateTable('lead_merges').set({ undone_at: at, undone_by: by }).where('id', '=', id).execute();
  }

  // Saved list views
  async function viewsOf(tx: Tx, resource: string, ownerId: string) {
    return tx
      .selectFrom('saved_views')
      .selectAll()
      .where('resource', '=', resource)
      .where((eb) => eb.or([eb('owner_id', '=', ownerId), eb('shared', '=', 1)]))
      .orderBy('name')
      .execute();
  }

  async function insertView(tx: Tx, row: DB['saved_views']) {
    await tx.insertInto('saved_views').values(row).execute();
  }

  async function deleteView(tx: Tx, id: string, ownerId: string): Promise<boolean> {
    const r = await tx
      .deleteFrom('saved_views')
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  return {
    viewsOf,
    insertView,
    deleteView,
    list,
    count,
    stageCounts,
    byIds,
    byEmails,
    insertLeads,
    updateLead,
    deleteLeads,
    identitiesFor,
    identitiesOf,
    externalIdsOf,
    insertIdentities,
    moveIdentities,
    insertTouchpoints,
    touchpointsOf,
    touchpointIdsOf,
    moveTouchpoints,
    insertConsentEvents,
    consentEventsOf,
    anyErased,
    erasedAmong,
    unblockErased,
    blockErased,
    companiesByDomains,
    insertCompanies,
    companyById,
    updateCompany,
    listCompanies,
    leadCountOfCompany,
    customFieldDefs,
    insertCustomField,
    updateCustomField,
    fieldRules,
    setFieldRule,
    insertMerge,
    mergeById,
    mergesOf,
    laterMerges,
    markMergeUndone,
  };
}

export type LeadsRepo = ReturnType<typeof createLeadsRepo>;
