import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  Company,
  CustomFieldDefinition,
  customFieldTypes,
  Lead,
  LeadInput,
  type LifecycleStage,
  lifecycleStages,
  mergeRules,
  Touchpoint,
} from '../../../contracts/leads.ts';
import type { Tx } from '../../platform/db/db.ts';
import { AppError } from '../../platform/errors.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams, PageOf, PageQuery } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { LeadsService, WriteContext } from './leads.service.ts';

const people = ['marketing', 'sales_manager', 'sales_rep'] as const;
const readLeads = access.of({ roles: people, scopes: ['leads:read'] });
const writeLeads = access.of({ roles: people, scopes: ['leads:write'] });
const deleteLeads = access.of({ roles: ['marketing', 'sales_manager'], scopes: ['leads:write'] });
const privacy = access.of({ roles: ['marketing'], scopes: ['admin'] });

function ctxOf(request: FastifyRequest): WriteContext {
  return {
    actor: actorOf(request.principal),
    source: request.principal?.kind === 'apiKey' ? 'api' : 'manual',
    ip: request.ip,
  };
}

const BatchResult = Type.Object({
  index: Type.Integer(),
  status: Type.Enum(['created', 'updated', 'unchanged', 'error']),
  id: Type.Optional(Type.String()),
  error: Type.Optional(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String() })),
      ),
    }),
  ),
});

const MergeView = Type.Object({
  id: Type.String(),
  survivorId: Type.String(),
  mergedId: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    type: Type.String(),
    id: Type.Union([Type.String(), Type.Null()]),
    label: Type.Union([Type.String(), Type.Null()]),
  }),
  undoneAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  mergedLead: Type.Object({
    email: Type.Union([Type.String(), Type.Null()]),
    firstName: Type.Union([Type.String(), Type.Null()]),
    lastName: Type.Union([Type.String(), Type.Null()]),
  }),
});

const listFilters = {
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Words to find in name, email and company' })),
  sort: Type.Optional(
    Type.String({
      maxLength: 20,
      description:
        'createdAt, updatedAt, lastName, email, companyName or companySize; a leading - sorts descending (default -createdAt)',
    }),
  ),
  stage: Type.Optional(Type.String({ maxLength: 200, description: 'One stage or several, comma-separated' })),
  ownerId: Type.Optional(
    Type.String({ maxLength: 64, description: 'A user id, or "none" for unassigned leads' }),
  ),
  companyId: Type.Optional(Type.String({ maxLength: 64 })),
  firstTouchChannel: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Channel of the first touch (attribution); several comma-separated',
    }),
  ),
  firstTouchCampaignId: Type.Optional(
    Type.String({ maxLength: 64, description: 'Leads whose first touch is this campaign' }),
  ),
  createdAfter: Type.Optional(Type.String({ maxLength: 40 })),
  createdBefore: Type.Optional(Type.String({ maxLength: 40 })),
  updatedAfter: Type.Optional(Type.String({ maxLength: 40 })),
  companySizeMin: Type.Optional(Type.String({ maxLength: 12 })),
  companySizeMax: Type.Optional(Type.String({ maxLength: 12 })),
  filter: Type.Optional(
    Type.String({
      maxLength: 20_000,
      description: 'A filter in the filter language (JSON, contracts/filters.ts)',
    }),
  ),
  segment: Type.Optional(Type.String({ maxLength: 64, description: 'Members of this segment (id)' })),
};
const ListQuery = Type.Object(
  { ...PageQuery, ...listFilters },
  {
    additionalProperties: Type.String({ maxLength: 200 }),
    description:
      'Any text lead field (country=DE, jobTitle=CTO…) filters by equality ignoring case; cf.<key> filters a custom field.',
  },
);

export const leadsRoutes: FastifyPluginAsyncTypebox<{
  leads: LeadsService;
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
}> = async (app, { leads, activeUserIds }) => {
  app.post(
    '/api/v1/leads',
    {
      config: { access: writeLeads },
      schema: {
        tags: ['leads'],
        summary: 'Create or update a lead, matched by email (then external id)',
        description:
          'Answers 201 when a lead was created and 200 when an existing one was matched. Blank values never overwrite.',
        body: LeadInput,
        response: { 200: Lead, 201: Lead, ...errorResponses(409, 422) },
      },
    },
    async (request, reply) => {
      const { lead, created } = await leads.upsert(request.body, ctxOf(request));
      return reply.status(created ? 201 : 200).send(lead);
    },
  );

  app.post(
    '/api/v1/leads/batch',
    {
      config: { access: writeLeads },
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ['leads'],
        summary: 'Create or update up to 1,000 leads; one result per item',
        description: 'A bad item gets an error result naming the field and rule; it never fails the others.',
        body: Type.Object(
          { items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ results: Type.Array(BatchResult) }), ...errorResponses(413) },
      },
    },
    async (request) => ({ results: await leads.batchUnchecked(request.body.items, ctxOf(request)) }),
  );

  app.get(
    '/api/v1/leads',
    {
      config: { access: readLeads },
      schema: {
        tags: ['leads'],
        summary: 'List leads with filters, sort and cursor pagination',
        querystring: ListQuery,
        response: { 200: PageOf(Lead), ...errorResponses() },
      },
    },
    async (request) => leads.list(request.query as Record<string, string | number | undefined>),
  );

  app.get(
    '/api/v1/leads/count',
    {
      config: { access: readLeads },
      schema: {
        tags: ['leads'],
        summary: 'Count the leads a list filter matches',
        querystring: Type.Object(listFilters, { additionalProperties: Type.String({ maxLength: 200 }) }),
        response: { 200: Type.Object({ count: Type.Integer() }), ...errorResponses() },
      },
    },
    async (request) => ({ count: await leads.count(request.query as Record<string, string | undefined>) }),
  );

  app.get(
    '/api/v1/leads/stats',
    {
      config: { access: readLeads },
      schema: {
        tags: ['leads'],
        summary: 'Count the leads a list filter matches, per lifecycle stage',
        querystring: Type.Object(listFilters, { additionalProperties: Type.String({ maxLength: 200 }) }),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            byStage: Type.Object(
              Object.fromEntries(lifecycleStages.map((s) => [s, Type.Integer()])) as Record<
                LifecycleStage,
                ReturnType<typeof Type.Integer>
              >,
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request) => leads.stats(request.query as Record<string, string | undefined>),
  );

  app.get(
    '/api/v1/leads/:id',
    {
      config: { access: readLeads },
      schema: {
        tags: ['leads'],
        summary: 'Get a lead',
        params: IdParams,
        response: { 200: Lead, ...errorResponses(404) },
      },
    },
    async (request) => leads.get(request.params.id),
  );

  app.patch(
    '/api/v1/leads/:id',
    {
      config: { access: writeLeads },
      schema: {
        tags: ['leads'],
        summary: 'Change a lead: the given values are set, null clears a field',
        params: IdParams,
        body: LeadInput,
        response: { 200: Lead, ...errorResponses(404, 409) },
      },
    },
    async (request) => leads.update(request.params.id, request.body, ctxOf(request)),
  );

  app.delete(
    '/api/v1/leads/:id',
    {
      config: { access: deleteLeads },
      schema: {
        tags: ['leads'],
        summary: 'Delete a lead and its history',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await leads.remove(request.params.id, ctxOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/leads/bulk-delete',
    {
      config: { access: deleteLeads },
      schema: {
        tags: ['leads'],
        summary: 'Delete up to 1,000 leads',
        body: Type.Object(
          { ids: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 1000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ deleted: Type.Integer() }), ...errorResponses() },
      },
    },
    async (request) => ({ deleted: await leads.removeMany(request.body.ids, ctxOf(request)) }),
  );

  app.get(
    '/api/v1/leads/:id/touchpoints',
    {
      config: { access: readLeads },
      schema: {
        tags: ['leads'],
        summary: "A lead's touchpoints, newest first",
        params: IdParams,
        querystring: Type.Object(
          {
            ...PageQuery,
            type: Type.Optional(Type.String({ maxLength: 200, description: 'Types, comma-separated' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(Touchpoint), ...errorResponses(404) },
      },
    },
    async (request) => leads.touchpoints(request.params.id, request.query),
  );

  app.post(
    '/api/v1/leads/:id/merge',
    {
      config: { access: writeLeads },
      schema: {
        tags: ['leads'],
        summary: 'Merge another lead into this one (undoable)',
        description:
          'This lead keeps its values and fills its blanks from the other; `prefer` takes the named fields from the other lead. All touchpoints and identities move here.',
        params: IdParams,
        body: Type.Object(
          {
            mergedId: Type.String({ maxLength: 64 }),
            prefer: Type.Optional(Type.Array(Type.String({ maxLength: 80 }), { maxItems: 250 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ merge: MergeView, lead: Lead }), ...errorResponses(404) },
      },
    },
    async (request) =>
      leads.merge(request.params.id, request.body.mergedId, request.body.prefer ?? [], ctxOf(request)),
  );

  app.get(
    '/api/v1/leads/:id/merges',
    {
      config: { access: readLeads },
      schema: {
        tags: ['leads'],
        summary: "A lead's merge history",
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(MergeView) }), ...errorResponses(404) },
      },
    },
    async (request) => ({ data: await leads.merges(request.params.id) }),
  );

  app.post(
    '/api/v1/lead-merges/:id/undo',
    {
      config: { access: writeLeads },
      schema: {
        tags: ['leads'],
        summary: 'Undo a merge: both leads come back with their touchpoints and identities',
        params: IdParams,
        response: { 200: Type.Object({ survivor: Lead, restored: Lead }), ...errorResponses(404, 409) },
      },
    },
    async (request) => leads.unmerge(request.params.id, ctxOf(request)),
  );

  app.get(
    '/api/v1/leads/:id/export',
    {
      config: { access: privacy },
      schema: {
        tags: ['privacy'],
        summary: 'Subject-access export: everything held about this person, as JSON',
        params: IdParams,
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const data = await leads.exportPerson(request.params.id, ctxOf(request));
      reply.header('content-disposition', `attachment; filename="${request.params.id}.json"`);
      return data;
    },
  );

  app.post(
    '/api/v1/leads/:id/erase',
    {
      config: { access: privacy },
      schema: {
        tags: ['privacy'],
        summary:
          'Erase a person: personal data removed, anonymous facts kept, re-import blocked until fresh consent',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await leads.erase(request.params.id, ctxOf(request));
      return reply.status(204).send(null);
    },
  );

  // Companies
  app.get(
    '/api/v1/companies',
    {
      config: { access: readLeads },
      schema: {
        tags: ['companies'],
        summary: 'List companies (accounts), by name',
        querystring: Type.Object(
          { ...PageQuery, q: Type.Optional(Type.String({ maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(Company), ...errorResponses() },
      },
    },
    async (request) => leads.listCompanies(request.query),
  );

  app.get(
    '/api/v1/companies/:id',
    {
      config: { access: readLeads },
      schema: {
        tags: ['companies'],
        summary: 'Get a company',
        params: IdParams,
        response: { 200: Company, ...errorResponses(404) },
      },
    },
    async (request) => leads.getCompany(request.params.id),
  );

  app.patch(
    '/api/v1/companies/:id',
    {
      config: { access: writeLeads },
      schema: {
        tags: ['companies'],
        summary: 'Change a company (name, industry, size, country, account owner)',
        description:
          "When the published scoring model's fit rules read company fields, the company's leads are rescored (in the same transaction up to 500 leads, by a background job beyond) and the qualification policy applied to them.",
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
            industry: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
            employees: Type.Optional(
              Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000 }), Type.Null()]),
            ),
            country: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
            ownerId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Company, ...errorResponses(404) },
      },
    },
    async (request) => leads.updateCompany(request.params.id, request.body, ctxOf(request), activeUserIds),
  );

  // Custom fields and merge rules
  app.get(
    '/api/v1/custom-fields',
    {
      config: { access: readLeads },
      schema: {
        tags: ['custom-fields'],
        summary: 'List custom field definitions',
        response: { 200: Type.Object({ data: Type.Array(CustomFieldDefinition) }), ...errorResponses() },
      },
    },
    async () => ({ data: await leads.listCustomFields() }),
  );

  app.post(
    '/api/v1/custom-fields',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['custom-fields'],
        summary: 'Define a custom lead field',
        body: Type.Object(
          {
            key: Type.String({
              pattern: '^[a-z][a-z0-9_]{0,62}$',
              description: 'snake_case, used in the API and imports',
            }),
            label: Type.String({ minLength: 1, maxLength: 100 }),
            type: Type.Enum(customFieldTypes),
            options: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }),
            ),
            helpText: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
            mergeRule: Type.Optional(Type.Enum(mergeRules)),
          },
          { additionalProperties: false },
        ),
        response: { 201: CustomFieldDefinition, ...errorResponses(409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await leads.createCustomField(request.body, ctxOf(request))),
  );

  app.patch(
    '/api/v1/custom-fields/:id',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['custom-fields'],
        summary: 'Change a custom field (label, options, help, merge rule, archived)',
        params: IdParams,
        body: Type.Object(
          {
            label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            options: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }),
            ),
            helpText: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
            mergeRule: Type.Optional(Type.Enum(mergeRules)),
            archived: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: CustomFieldDefinition, ...errorResponses(404) },
      },
    },
    async (request) => leads.updateCustomField(request.params.id, request.body, ctxOf(request)),
  );

  app.get(
    '/api/v1/lead-field-rules',
    {
      config: { access: readLeads },
      schema: {
        tags: ['custom-fields'],
        summary: 'Merge rules of the standard lead fields (newest value wins, or first value wins)',
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({ field: Type.String(), label: Type.String(), mergeRule: Type.Enum(mergeRules) }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async () => ({ data: await leads.fieldRules() }),
  );

  app.put(
    '/api/v1/lead-field-rules/:field',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['custom-fields'],
        summary: "Set a standard field's merge rule",
        params: Type.Object({ field: Type.String({ maxLength: 40 }) }),
        body: Type.Object({ mergeRule: Type.Enum(mergeRules) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({ field: Type.String(), label: Type.String(), mergeRule: Type.Enum(mergeRules) }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request) => ({
      data: await leads.setFieldRule(request.params.field, request.body.mergeRule, ctxOf(request)),
    }),
  );

  // Saved views of lists (per user, optionally shared)
  const SavedView = Type.Object({
    id: Type.String(),
    name: Type.String(),
    resource: Type.String(),
    definition: Type.Unknown(),
    shared: Type.Boolean(),
    mine: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
  });
  app.get(
    '/api/v1/saved-views',
    {
      config: { access: access.signedIn() },
      schema: {
        tags: ['saved-views'],
        summary: 'Saved list views: mine and shared ones',
        querystring: Type.Object(
          { resource: Type.String({ maxLength: 40 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(SavedView) }), ...errorResponses() },
      },
    },
    async (request) => ({ data: await leads.listViews(request.query.resource, userIdOf(request)) }),
  );
  app.post(
    '/api/v1/saved-views',
    {
      config: { access: access.signedIn() },
      schema: {
        tags: ['saved-views'],
        summary: 'Save a list view (filters, sort, columns)',
        body: Type.Object(
          {
            resource: Type.String({ maxLength: 40 }),
            name: Type.String({ minLength: 1, maxLength: 100 }),
            definition: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 50 }),
            shared: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: SavedView, ...errorResponses() },
      },
    },
    async (request, reply) => reply.status(201).send(await leads.createView(userIdOf(request), request.body)),
  );
  app.delete(
    '/api/v1/saved-views/:id',
    {
      config: { access: access.signedIn() },
      schema: {
        tags: ['saved-views'],
        summary: 'Delete one of my saved views',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await leads.deleteView(userIdOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};

function userIdOf(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.kind !== 'user') throw new AppError('FORBIDDEN', 'Saved views belong to signed-in users');
  return p.userId;
}
