/**
 * Filters module: the one filter language (contracts/filters.ts) for lead lists, segments,
 * scoring, routing and enrolment rules. It lives with the modules, not the platform, because it
 * knows the domain's tables (leads, companies, touchpoints) and reads custom field definitions
 * from the leads module. Other modules use its API:
 *   - `validate(raw)` / `parse(json)`: a checked Filter, or a 400 naming the bad node's path;
 *   - `compile(filter, { now })`: a where-clause on `leads` (either dialect, bound values only);
 *   - `matches(filter, ctx)`: the same answer in memory for one lead (row, company, touchpoints);
 *   - `contexts(tx, leadIds, filters)`: loads what `matches` needs, for a batch of leads.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RawBuilder, SqlBool } from 'kysely';
import Type from 'typebox';
import type { Filter } from '../../../contracts/filters.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses } from '../../platform/http/schemas.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import { type FieldDefinition, type LeadsApi, touchpointsOfTypes } from '../leads/index.ts';
import { buildCatalog, type Catalog, catalogView } from './catalog.ts';
import { evaluate, type LeadContext } from './memory.ts';
import { createCompiler } from './sql.ts';
import { behaviorTypesOf, hasTimeWindow, parseFilter, validateFilter } from './validate.ts';

export type { Catalog, CustomDef, FieldSpec } from './catalog.ts';
export { buildCatalog } from './catalog.ts';
export type { LeadContext } from './memory.ts';
export { evaluate } from './memory.ts';
export { createCompiler } from './sql.ts';
export { behaviorTypesOf, hasTimeWindow, parseFilter, validateFilter } from './validate.ts';

type Deps = {
  database: Database;
  clock: Clock;
  /** Custom field definitions (the leads module's cached ones); `filter=` on lead lists. */
  leads: {
    definitions: (tx: Tx) => Promise<{ custom: Map<string, FieldDefinition> }>;
    onListQuery?: LeadsApi['onListQuery'];
  };
};

export function createFiltersModule(deps: Deps) {
  const catalogs = new WeakMap<object, Catalog>();

  /** The allow-list as of now: standard fields, attributes, custom fields, company fields. */
  async function catalog(tx: Tx = deps.database.db): Promise<Catalog> {
    const defs = await deps.leads.definitions(tx);
    let c = catalogs.get(defs.custom);
    if (!c) {
      c = buildCatalog([...defs.custom.values()]);
      catalogs.set(defs.custom, c);
    }
    return c;
  }

  const compilers = new WeakMap<Catalog, ReturnType<typeof createCompiler>>();
  function compilerFor(c: Catalog) {
    let k = compilers.get(c);
    if (!k) {
      k = createCompiler(deps.database.dialect, c);
      compilers.set(c, k);
    }
    return k;
  }

  async function validate(raw: unknown, root = 'filter', tx?: Tx): Promise<Filter> {
    return validateFilter(raw, await catalog(tx), root);
  }

  async function parse(text: string, root = 'filter', tx?: Tx): Promise<Filter> {
    return parseFilter(text, await catalog(tx), root);
  }

  /** A where-clause on `leads` (validate first); `now` fixes the time windows. */
  async function compile(filter: Filter, o: { now?: number; tx?: Tx } = {}): Promise<RawBuilder<SqlBool>> {
    return compilerFor(await catalog(o.tx)).compile(filter, o.now ?? deps.clock.now());
  }

  /** Whether one lead matches, in memory. */
  async function matches(
    filter: Filter,
    ctx: LeadContext,
    o: { now?: number; tx?: Tx } = {},
  ): Promise<boolean> {
    return evaluate(filter, ctx, await catalog(o.tx), o.now ?? deps.clock.now());
  }

  /**
   * Loads the contexts `matches` needs for a batch of leads: rows, companies, and the touchpoints
   * of the types the filters look at (none when they have no behaviour conditions).
   */
  async function contexts(tx: Tx, leadIds: string[], filters: Filter[]): Promise<Map<string, LeadContext>> {
    const out = new Map<string, LeadContext>();
    if (leadIds.length === 0) return out;
    const types = new Set<string>();
    for (const f of filters) behaviorTypesOf(f, types);
    for (let i = 0; i < leadIds.length; i += 500) {
      const ids = leadIds.slice(i, i + 500);
      const leads = await tx.selectFrom('leads').selectAll().where('id', 'in', ids).execute();
      const companyIds = [...new Set(leads.map((l) => l.company_id).filter((c): c is string => !!c))];
      const companies =
        companyIds.length > 0
          ? await tx.selectFrom('companies').selectAll().where('id', 'in', companyIds).execute()
          : [];
      const byCompany = new Map(companies.map((c) => [c.id, c]));
      const tps = await touchpointsOfTypes(tx, ids, types);
      const byLead = Map.groupBy(tps, (t) => t.lead_id);
      for (const l of leads) {
        out.set(l.id, {
          lead: l as unknown as Record<string, unknown>,
          company: l.company_id
            ? ((byCompany.get(l.company_id) as Record<string, unknown> | undefined) ?? null)
            : null,
          touchpoints: byLead.get(l.id) ?? [],
        });
      }
    }
    return out;
  }

  // `filter=<JSON>` on the lead list, count, stats and export.
  deps.leads.onListQuery?.({
    keys: ['filter'],
    apply: async (query) => [await compile(await parse(String(query.filter)))],
  });

  const api = { catalog, validate, parse, compile, matches, contexts, hasTimeWindow };
  const parts: ModuleParts = { name: 'filters', routes: bindRoutes(filtersRoutes, { catalog }) };
  return { api, parts };
}

export type FiltersApi = ReturnType<typeof createFiltersModule>['api'];

const readLeads = access.of({ roles: ['marketing', 'sales_manager', 'sales_rep'], scopes: ['leads:read'] });

const FieldInfo = Type.Object({
  field: Type.String(),
  label: Type.String(),
  kind: Type.String(),
  group: Type.String(),
  options: Type.Optional(Type.Array(Type.String())),
});

const filtersRoutes: FastifyPluginAsyncTypebox<{ catalog: () => Promise<Catalog> }> = async (
  app,
  { catalog },
) => {
  app.get(
    '/api/v1/filters/fields',
    {
      config: { access: readLeads },
      schema: {
        tags: ['filters'],
        summary:
          'What a filter may name: lead and company fields with their kinds, behaviour types and paths',
        response: {
          200: Type.Object({
            lead: Type.Array(FieldInfo),
            company: Type.Array(FieldInfo),
            behavior: Type.Object({ types: Type.Array(Type.String()), paths: Type.Array(Type.String()) }),
            limits: Type.Object({
              maxDepth: Type.Integer(),
              maxConditions: Type.Integer(),
              maxListValues: Type.Integer(),
              maxTextLength: Type.Integer(),
              maxDays: Type.Integer(),
            }),
          }),
          ...errorResponses(),
        },
      },
    },
    async () => catalogView(await catalog()),
  );
};
