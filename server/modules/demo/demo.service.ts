/**
 * Writes the generated demo dataset through the leads module, as any other entry point would: the
 * identity resolver creates leads and companies (source `demo`), recordTouchpoints adds their
 * history, one transaction per batch, so listeners (scoring, lifecycle…) see demo data like real data.
 * History moves no stage by itself; once a batch's leads are scored, the active policy is applied
 * to them in the same transaction, so open leads that meet it become MQLs with their explanation.
 */
import { type LifecycleStage, lifecycleStages } from '../../../contracts/leads.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import type { Actor } from '../audit/index.ts';
import type { LeadsApi } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import { demoCustomFields } from './demo.data.ts';
import { type DemoLead, generateDemoLeads } from './demo.generate.ts';

export type LoadOptions = {
  leads: number;
  seed: number;
  /** What the history is anchored at (epoch ms); default the clock's now. A retried job passes the first one's. */
  now?: number;
  /**
   * When the database already holds leads: `refuse` (DEMO_LEADS_EXIST), `skip` (load nothing, return
   * null) or `add` (load; batches of this seed that are already there are skipped, so a retried load
   * resumes where it stopped).
   */
  whenLeadsExist: 'refuse' | 'skip' | 'add';
  /** Leads per transaction (default 1,000). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Stops between batches (a worker shutting down); a later run resumes. */
  signal?: AbortSignal;
  heartbeat?: () => Promise<void>;
};

export type LoadSummary = {
  seed: number;
  /** The moment the history is anchored at (epoch ms): with seed and size, it regenerates the ground truth. */
  now: number;
  /** Leads in the dataset. */
  leads: number;
  /** Leads written by this run (the rest were there already). */
  written: number;
  /** Distinct companies in the dataset. */
  companies: number;
  /** Touchpoints written by this run, the resolver's `created` records included. */
  touchpoints: number;
  /** Open leads written by this run that the active policy made MQL once their history was scored. */
  qualified: number;
  /** Leads per current lifecycle stage in the dataset. */
  stages: Record<LifecycleStage, number>;
  /** Custom fields the data fills (a field of the same key but another type is left alone). */
  customFields: string[];
  warnings: string[];
  ms: number;
};

type Deps = {
  database: Database;
  clock: Clock;
  leads: Pick<
    LeadsApi,
    'resolveBatch' | 'recordTouchpoints' | 'count' | 'listCustomFields' | 'createCustomField'
  >;
  lifecycle: Pick<LifecycleApi, 'evaluate'>;
};

export const demoActor: Actor = { type: 'system', label: 'demo data' };
export const maxDemoLeads = 1_000_000;

export function createDemoService({ database, clock, leads, lifecycle }: Deps) {
  /** Creates the demo's custom fields where missing; returns the keys the data may fill. */
  async function ensureCustomFields(warnings: string[]): Promise<Set<string>> {
    const usable = new Set<string>();
    for (const wanted of demoCustomFields) {
      let existing = (await leads.listCustomFields()).find((f) => f.key === wanted.key);
      if (!existing) {
        try {
          existing = await leads.createCustomField(
            {
              key: wanted.key,
              label: wanted.label,
              type: wanted.type,
              options: [...wanted.options],
              helpText: wanted.helpText,
            },
            { actor: demoActor, source: 'demo' },
          );
        } catch (error) {
          // Created meanwhile by someone else: use theirs if it fits.
          if (!(error instanceof AppError) || error.code !== 'CUSTOM_FIELD_KEY_TAKEN') throw error;
          existing = (await leads.listCustomFields()).find((f) => f.key === wanted.key);
        }
      }
      const fits =
        existing &&
        !existing.archived &&
        existing.type === wanted.type &&
        wanted.options.every((o) => existing.options.includes(o));
      if (fits) usable.add(wanted.key);
      else warnings.push(`custom field "${wanted.key}" exists with another type or options; left empty`);
    }
    return usable;
  }

  async function exists(email: string): Promise<boolean> {
    return (await leads.count({ email })) > 0;
  }

  /** Generates the dataset and writes it in batches; null when `skip` found leads already. */
  async function load(options: LoadOptions): Promise<LoadSummary | null> {
    const started = performance.now();
    if (!Number.isInteger(options.leads) || options.leads < 1 || options.leads > maxDemoLeads)
      throw validationError('leads', 'range', `must be a whole number from 1 to ${maxDemoLeads}`);
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff)
      throw validationError('seed', 'range', 'must be a whole number from 0 to 4294967295');
    const batchSize = options.batchSize ?? 1000;
    const present = await leads.count({});
    if (present > 0) {
      if (options.whenLeadsExist === 'skip') return null;
      if (options.whenLeadsExist === 'refuse')
        throw new AppError(
          'DEMO_LEADS_EXIST',
          `The database already holds ${present} leads; demo data goes into an empty database (use --force to add it anyway)`,
        );
    }
    const warnings: string[] = [];
    const fields = await ensureCustomFields(warnings);
    const now = options.now ?? clock.now();
    const stages = Object.fromEntries(lifecycleStages.map((s) => [s, 0])) as Record<LifecycleStage, number>;
    const domains = new Set<string>();
    let written = 0;
    let touchpoints = 0;
    let qualified = 0;
    let done = 0;

    async function write(batch: DemoLead[]): Promise<void> {
      // A batch commits whole, so finding its first and last lead means it is there already.
      if (present > 0 && (await exists(batch[0]!.input.email)) && (await exists(batch.at(-1)!.input.email)))
        return;
      await database.db.transaction().execute(async (tx) => {
        const results = await leads.resolveBatch(
          tx,
          batch.map((l) => ({ input: withFields(l, fields) })),
          { source: 'demo', actor: demoActor },
        );
        const rows = [];
        for (const r of results) {
          const lead = batch[r.index]!;
          if (r.status === 'error')
            throw new Error(`demo lead ${lead.input.email} was refused: ${r.error.message}`);
          for (const t of lead.touchpoints)
            rows.push({
              leadId: r.leadId,
              type: t.type,
              occurredAt: t.occurredAt,
              source: 'demo' as const,
              actor: demoActor,
              properties: t.properties,
            });
        }
        await leads.recordTouchpoints(tx, rows);
        touchpoints += rows.length + results.filter((r) => r.status === 'created').length;
        // The history is scored now: the policy qualifies the open leads that meet it (an MQL with
        // its explanation and a `lead.mql` event, so routing hands them off). A batch commits with
        // its evaluation, so a resumed load never evaluates a batch twice, and evaluating again
        // would change nothing (only open leads that qualify now move).
        const ids = results.flatMap((r) => (r.status === 'error' ? [] : [r.leadId]));
        qualified += (await lifecycle.evaluate(tx, ids, { reason: 'demo' })).length;
      });
      written += batch.length;
    }

    let batch: DemoLead[] = [];
    for (const lead of generateDemoLeads({ leads: options.leads, seed: options.seed, now })) {
      stages[lead.input.lifecycleStage ?? 'lead']++;
      if (!lead.truth.freeMail) domains.add(lead.input.email.slice(lead.input.email.indexOf('@') + 1));
      batch.push(lead);
      if (batch.length < batchSize) continue;
      await write(batch);
      done += batch.length;
      batch = [];
      options.onProgress?.(done, options.leads);
      // SQLite work is synchronous: let the web app in the same process answer between batches.
      await new Promise((resolve) => setImmediate(resolve));
      await options.heartbeat?.();
      if (options.signal?.aborted)
        throw new Error('Loading demo data was interrupted; running it again resumes');
    }
    if (batch.length > 0) {
      await write(batch);
      done += batch.length;
      options.onProgress?.(done, options.leads);
    }
    return {
      seed: options.seed,
      now,
      leads: options.leads,
      written,
      companies: domains.size,
      touchpoints,
      qualified,
      stages,
      customFields: [...fields],
      warnings,
      ms: Math.round(performance.now() - started),
    };
  }

  return { load };
}

function withFields(lead: DemoLead, usable: Set<string>): DemoLead['input'] {
  const custom = lead.input.customFields ?? {};
  if (Object.keys(custom).every((k) => usable.has(k))) return lead.input;
  return {
    ...lead.input,
    customFields: Object.fromEntries(Object.entries(custom).filter(([k]) => usable.has(k))),
  };
}

export type DemoService = ReturnType<typeof createDemoService>;
