/**
 * Leads module: leads (people), companies, custom fields, identities, touchpoints, merges and
 * consent; the identity resolver every entry point goes through.
 */

import type { Insertable } from 'kysely';
import type { LeadSource } from '../../../contracts/leads.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { TouchpointsTable } from '../../platform/db/schema.ts';
import { newId } from '../../platform/ids.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import type { PermissionsService } from '../permissions/index.ts';
import { createIdentityResolver, type LeadsInserting, type ResolvedListener } from './identity.ts';
import { createLeadsRepo } from './leads.repo.ts';
import { leadsRoutes } from './leads.routes.ts';
import { createLeadsService, type LeadDataListener, type ListQueryHook } from './leads.service.ts';
import { createVisitorApi } from './visitors.ts';

export { checkCustomValue, type FieldDefinition } from './custom-fields.ts';
export { columnOf, customFieldsOf, type LeadRow } from './fields.ts';
export type {
  LeadsInserting,
  ResolvedListener,
  ResolveItem,
  ResolveOptions,
  ResolveResult,
  StageMove,
} from './identity.ts';
export { emailHash } from './identity.ts';
export {
  deletedWithLead,
  type LeadKeyedTable,
  movedIds,
  rowsOfLeads,
  touchpointsOfTypes,
} from './lead-data.ts';
export type {
  LeadDataListener,
  LeadMergeRef,
  LeadsService,
  ListQuery,
  ListQueryHook,
  WriteContext,
} from './leads.service.ts';
export { toTouchpointView } from './leads.service.ts';
export { companyDomainFor, isFreeMailDomain, isValidEmail, normaliseEmail } from './normalize.ts';
export type { VisitorApi, VisitorLead } from './visitors.ts';

/** Sees touchpoints just before they are inserted, in the same transaction, and may fill columns. */
export type TouchpointsInserting = (tx: Tx, rows: Insertable<TouchpointsTable>[]) => Promise<void>;
/** Told, in the same transaction, about leads whose touchpoints moved to or from them (merge, un-merge). */
export type TouchpointsMoved = (tx: Tx, leadIds: string[]) => Promise<void>;
/** Told, in the same transaction, about companies whose fields changed (an edit through the API or UI). */
export type CompaniesChanged = (tx: Tx, companyIds: string[]) => Promise<void>;

type Deps = {
  database: Database;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
  permissions: PermissionsService;
};

export function createLeadsModule(deps: Deps) {
  const listeners: ResolvedListener[] = [];
  const creating: LeadsInserting[] = [];
  const inserting: TouchpointsInserting[] = [];
  const moved: TouchpointsMoved[] = [];
  const companyListeners: CompaniesChanged[] = [];
  const listQueryHooks: ListQueryHook[] = [];
  const leadData: LeadDataListener[] = [];
  const baseRepo = createLeadsRepo(deps.database.dialect);
  // Every touchpoint insert (resolver, recordTouchpoints, merges) goes through the hooks first.
  const repo: typeof baseRepo = {
    ...baseRepo,
    async insertTouchpoints(tx, rows) {
      for (const hook of inserting) await hook(tx, rows);
      await baseRepo.insertTouchpoints(tx, rows);
    },
  };
  let service: ReturnType<typeof createLeadsService> | undefined;
  const resolver = createIdentityResolver({
    repo,
    clock: deps.clock,
    definitions: (tx) => service!.definitions(tx),
    activeUserIds: deps.activeUserIds,
    listeners,
    inserting: creating,
  });
  service = createLeadsService({
    database: deps.database,
    repo,
    resolver,
    audit: deps.audit,
    clock: deps.clock,
    touchpointsMoved: async (tx, leadIds) => {
      for (const listener of moved) await listener(tx, leadIds);
    },
    companiesChanged: async (tx, companyIds) => {
      for (const listener of companyListeners) await listener(tx, companyIds);
    },
    listQueryHooks,
    leadData,
    permissions: deps.permissions,
  });
  const api = {
    ...service,
    /** Resolves person records to leads inside the caller's transaction (forms, tracking, imports). */
    resolveBatch: resolver.resolveBatch,
    /**
     * Records touchpoints that happened to known leads (page views, form submissions, events…)
     * inside the caller's transaction, and tells the listeners, as the resolver does.
     */
    async recordTouchpoints(
      tx: Tx,
      touchpoints: {
        leadId: string;
        type: string;
        occurredAt: number;
        source: LeadSource;
        actor?: Actor;
        properties?: Record<string, unknown>;
      }[],
    ): Promise<string[]> {
      const now = deps.clock.now();
      const rows = touchpoints.map((tp) => ({
        id: newId('tp', now),
        lead_id: tp.leadId,
        type: tp.type,
        occurred_at: tp.occurredAt,
        source: tp.source,
        actor_type: tp.actor?.type ?? null,
        actor_id: tp.actor && 'id' in tp.actor ? tp.actor.id : null,
        actor_label: tp.actor?.label ?? null,
        properties: JSON.stringify(tp.properties ?? {}),
        created_at: now,
      }));
      await repo.insertTouchpoints(tx, rows);
      const byLead = Map.groupBy(rows, (r) => r.lead_id);
      const changed = [...byLead].map(([leadId, tps]) => ({ leadId, created: false, touchpoints: tps }));
      for (const listener of listeners) await listener(tx, changed);
      return rows.map((r) => r.id);
    },
    /** Registers code to run, in the same transaction, whenever leads are created or change. */
    onResolved(listener: ResolvedListener) {
      listeners.push(listener);
    },
    /** Registers list parameters another module owns (`filter=`, `segment=`) for lists, counts, exports. */
    onListQuery(hook: ListQueryHook) {
      listQueryHooks.push(hook);
    },
    /**
     * Registers code that sees the resolver's new leads, with their touchpoints, just before they
     * are inserted, and may fill columns of their rows (derived values written with the lead).
     */
    onInsertingLeads(hook: LeadsInserting) {
      creating.push(hook);
    },
    /** Registers code that sees (and may fill columns of) touchpoints before they are inserted. */
    onInsertingTouchpoints(hook: TouchpointsInserting) {
      inserting.push(hook);
    },
    /** Registers code to run, in the same transaction, when touchpoints move between leads. */
    onTouchpointsMoved(listener: TouchpointsMoved) {
      moved.push(listener);
    },
    /**
     * Registers another module's rows about leads: they move with a merge (and back with its
     * un-merge), lose their personal text with an erasure and go with a deletion, in its transaction.
     */
    onLeadData(listener: LeadDataListener) {
      if (leadData.some((l) => l.name === listener.name))
        throw new Error(`Lead data listener "${listener.name}" is registered twice`);
      leadData.push(listener);
    },
    /** Registers code to run, in the same transaction, when a company's fields change. */
    onCompaniesChanged(listener: CompaniesChanged) {
      companyListeners.push(listener);
    },
    /** Visitor ids (tracking): which lead a browser belongs to; attach, detach, take its touchpoints. */
    visitors: createVisitorApi({ dialect: deps.database.dialect }),
  };
  const parts: ModuleParts = {
    name: 'leads',
    routes: bindRoutes(leadsRoutes, { leads: service, activeUserIds: deps.activeUserIds }),
  };
  return { api, parts };
}

export type LeadsApi = ReturnType<typeof createLeadsModule>['api'];
