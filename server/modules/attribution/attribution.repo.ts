import { type Insertable, sql, type Updateable } from 'kysely';

type TouchColumn =
  | 'first_touch'
  | 'first_touch_channel'
  | 'first_touch_campaign_id'
  | 'first_touch_at'
  | 'last_touch'
  | 'last_touch_channel'
  | 'last_touch_campaign_id'
  | 'last_touch_at';

import type { Dialect, Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
import type {
  AttributionRunsTable,
  ChannelRuleDraftTable,
  ChannelRuleVersionsTable,
  LeadsTable,
} from '../../platform/db/schema.ts';

/** The touchpoint columns classification reads and writes. */
export type ClassifiedRow = {
  id: string;
  lead_id: string;
  type: string;
  occurred_at: number;
  properties: unknown;
  channel: string | null;
  campaign_id: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  rule_version: number | null;
};

export type AttributionColumns = Pick<
  ClassifiedRow,
  'channel' | 'campaign_id' | 'utm_source' | 'utm_medium' | 'utm_campaign' | 'rule_version'
>;

export type TouchState = Pick<
  LeadsTable,
  | 'id'
  | 'first_touch'
  | 'first_touch_at'
  | 'first_touch_channel'
  | 'first_touch_campaign_id'
  | 'last_touch'
  | 'last_touch_at'
  | 'last_touch_channel'
  | 'last_touch_campaign_id'
>;

// A constant key for the advisory lock that orders inline classification against publishing.
const rulesLockKey = 7_261_301;

const classifiedColumns = [
  'id',
  'lead_id',
  'type',
  'occurred_at',
  'properties',
  'channel',
  'campaign_id',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'rule_version',
] as const;

// Read on every capture that classifies touchpoints, compiled once (see prepared.ts).
// A literal limit: a bound one makes SQLite compile the statement again on every run.
const latestVersion = prepared(0, (tx) =>
  tx.selectFrom('channel_rule_versions').select('version').orderBy('version', 'desc').limit(sql<number>`1`),
);
const campaignsOfKeys = prepared(1, (tx, keys: string[]) =>
  tx
    .selectFrom('campaign_keys')
    .innerJoin('campaigns', 'campaigns.id', 'campaign_keys.campaign_id')
    .select(['campaign_keys.key', 'campaigns.id', 'campaigns.name', 'campaigns.channel'])
    .where('campaign_keys.key', 'in', keys),
);

export function createAttributionRepo(dialect: Dialect) {
  const postgres = dialect === 'postgres';

  /**
   * PostgreSQL: inline classification holds a shared lock, publishing (and campaign key changes)
   * an exclusive one, so a touchpoint classified under the old rules always commits before the
   * reclassification that follows a publish starts reading. SQLite runs one writer at a time anyway.
   */
  async function lockRules(tx: Tx, mode: 'shared' | 'exclusive'): Promise<void> {
    if (!postgres) return;
    if (mode === 'shared') await sql`select pg_advisory_xact_lock_shared(${rulesLockKey})`.execute(tx);
    else await sql`select pg_advisory_xact_lock(${rulesLockKey})`.execute(tx);
  }

  // ── Rule versions and the draft ──
  async function latestVersionNumber(tx: Tx): Promise<number | null> {
    const [r] = (await latestVersion(tx)).rows;
    return r ? Number(r.version) : null;
  }

  async function version(tx: Tx, v: number): Promise<ChannelRuleVersionsTable | undefined> {
    return tx.selectFrom('channel_rule_versions').selectAll().where('version', '=', v).executeTakeFirst();
  }

  async function versions(tx: Tx): Promise<ChannelRuleVersionsTable[]> {
    return tx.selectFrom('channel_rule_versions').selectAll().orderBy('version', 'desc').limit(200).execute();
  }

  /** Inserts a version; false when that number exists already (another process was first). */
  async function insertVersion(tx: Tx, row: ChannelRuleVersionsTable): Promise<boolean> {
    const r = await tx
      .insertInto('channel_rule_versions')
      .values(row)
      .onConflict((oc) => oc.column('version').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async function draft(tx: Tx): Promise<ChannelRuleDraftTable | undefined> {
    return tx.selectFrom('channel_rule_draft').selectAll().where('id', '=', 'draft').executeTakeFirst();
  }

  async function saveDraft(tx: Tx, row: Omit<ChannelRuleDraftTable, 'id'>): Promise<void> {
    await tx
      .insertInto('channel_rule_draft')
      .values({ id: 'draft', ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  async function deleteDraft(tx: Tx): Promise<void> {
    await tx.deleteFrom('channel_rule_draft').where('id', '=', 'draft').execute();
  }

  // ── Reclassification runs ──
  async function insertRun(tx: Tx, row: AttributionRunsTable): Promise<void> {
    await tx.insertInto('attribution_runs').values(row).execute();
  }

  async function run(tx: Tx, id: string): Promise<AttributionRunsTable | undefined> {
    return tx.selectFrom('attribution_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function runs(tx: Tx, limit: number): Promise<AttributionRunsTable[]> {
    return tx
      .selectFrom('attribution_runs')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async function updateRun(
    tx: Tx,
    id: string,
    patch: Updateable<AttributionRunsTable>,
    from?: string[],
  ): Promise<boolean> {
    let q = tx.updateTable('attribution_runs').set(patch).where('id', '=', id);
    if (from) q = q.where('status', 'in', from);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Publish runs not finished yet, older than the given version: a newer publish makes them moot. */
  async function supersedeRuns(tx: Tx, beforeVersion: number, now: number): Promise<void> {
    await tx
      .updateTable('attribution_runs')
      .set({
        status: 'superseded',
        finished_at: now,
        updated_at: now,
        message: 'A newer version was published.',
      })
      .where('reason', '=', 'publish')
      .where('rule_version', '<', beforeVersion)
      .where('status', 'in', ['queued', 'running'])
      .execute();
  }

  // ── Touchpoints ──
  /** How many touchpoints a run looks at: those of classified types, or those of some utm_campaign values. */
  async function countScope(tx: Tx, types: readonly string[], keys: string[] | null): Promise<number> {
    let q = tx.selectFrom('touchpoints').select((eb) => eb.fn.countAll<number>().as('n'));
    q =
      keys === null
        ? q.where('type', 'in', [...types])
        : q.where('utm_campaign', 'in', keys.length ? keys : ['']);
    const r = await q.executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The next batch of a run, in id order after the checkpoint. */
  async function batch(
    tx: Tx,
    o: { types: readonly string[]; keys: string[] | null; after: string | null; limit: number },
  ): Promise<ClassifiedRow[]> {
    let q = tx
      .selectFrom('touchpoints')
      .select([...classifiedColumns])
      .orderBy('id')
      .limit(o.limit);
    q =
      o.keys === null
        ? q.where('type', 'in', [...o.types])
        : q.where('utm_campaign', 'in', o.keys.length ? o.keys : ['']);
    if (o.after !== null) q = q.where('id', '>', o.after);
    const rows = await q.execute();
    return rows.map((r) => ({
      ...r,
      rule_version: r.rule_version === null || r.rule_version === undefined ? null : Number(r.rule_version),
    })) as ClassifiedRow[];
  }

  /** Sets the same attribution on many touchpoints (one statement per 500 ids). */
  async function setAttribution(tx: Tx, ids: string[], values: AttributionColumns): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await tx
        .updateTable('touchpoints')
        .set(values)
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
    }
  }

  /** The earliest touch of a lead, or its latest among some types. */
  async function touchOf(
    tx: Tx,
    leadId: string,
    o: { latest: boolean; types?: readonly string[] },
  ): Promise<ClassifiedRow | undefined> {
    let q = tx
      .selectFrom('touchpoints')
      .select([...classifiedColumns])
      .where('lead_id', '=', leadId)
      .where('channel', 'is not', null)
      .orderBy('occurred_at', o.latest ? 'desc' : 'asc')
      .orderBy('id', o.latest ? 'desc' : 'asc')
      .limit(1);
    if (o.types) q = q.where('type', 'in', [...o.types]);
    return (await q.executeTakeFirst()) as ClassifiedRow | undefined;
  }

  // ── Leads' touches ──
  async function touchStates(tx: Tx, leadIds: string[]): Promise<TouchState[]> {
    if (leadIds.length === 0) return [];
    const out: TouchState[] = [];
    for (let i = 0; i < leadIds.length; i += 500) {
      out.push(
        ...((await tx
          .selectFrom('leads')
          .select([
            'id',
            'first_touch',
            'first_touch_at',
            'first_touch_channel',
            'first_touch_campaign_id',
            'last_touch',
            'last_touch_at',
            'last_touch_channel',
            'last_touch_campaign_id',
          ])
          .where('id', 'in', leadIds.slice(i, i + 500))
          .execute()) as TouchState[]),
      );
    }
    return out;
  }

  async function setTouches(tx: Tx, leadId: string, patch: Partial<Insertable<LeadsTable>>): Promise<void> {
    await tx.updateTable('leads').set(patch).where('id', '=', leadId).execute();
  }

  /**
   * Sets touch columns of many leads: one statement per set of columns and up to 128 leads, each
   * column a `case id when … then … else column end`. Lists are padded to a power of two by
   * repeating the last lead (a repeated `when` changes nothing), so few statement shapes exist.
   */
  async function setTouchesMany(
    tx: Tx,
    patches: { leadId: string; patch: Partial<Record<TouchColumn, string | number | null>> }[],
  ): Promise<void> {
    const byColumns = Map.groupBy(patches, (p) => Object.keys(p.patch).sort().join(','));
    for (const [key, group] of byColumns) {
      if (key === '') continue;
      const columns = key.split(',') as TouchColumn[];
      for (let i = 0; i < group.length; i += 128) {
        const chunk = group.slice(i, i + 128);
        let size = 1;
        while (size < chunk.length) size *= 2;
        while (chunk.length < size) chunk.push(chunk[chunk.length - 1]!);
        const set: Record<string, unknown> = {};
        for (const column of columns) {
          const whens = chunk.map((p) => sql`when ${p.leadId} then ${p.patch[column] ?? null}`);
          set[column] = sql`case ${sql.ref('id')} ${sql.join(whens, sql` `)} else ${sql.ref(column)} end`;
        }
        await tx
          .updateTable('leads')
          .set(set as Updateable<LeadsTable>)
          .where(
            'id',
            'in',
            chunk.map((p) => p.leadId),
          )
          .execute();
      }
    }
  }

  /** Campaigns by their (lower-cased) utm_campaign keys. */
  async function campaignsByKeys(
    tx: Tx,
    keys: string[],
  ): Promise<{ key: string; id: string; name: string; channel: string }[]> {
    if (keys.length === 0) return [];
    return (await campaignsOfKeys(tx, keys)).rows;
  }

  return {
    lockRules,
    latestVersionNumber,
    version,
    versions,
    insertVersion,
    draft,
    saveDraft,
    deleteDraft,
    insertRun,
    run,
    runs,
    updateRun,
    supersedeRuns,
    countScope,
    batch,
    setAttribution,
    touchOf,
    touchStates,
    setTouches,
    setTouchesMany,
    campaignsByKeys,
  };
}

export type AttributionRepo = ReturnType<typeof createAttributionRepo>;
