import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  Import,
  ImportMapping,
  ImportPreview,
  importPresets,
  StartImport,
} from '../../../contracts/imports.ts';
import { leadCapabilities } from '../../../contracts/permissions.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams, PageOf, PageQuery } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { WriteContext } from '../leads/index.ts';
import type { ImportsService } from './imports.service.ts';

const people = ['marketing', 'sales_manager', 'sales_rep'] as const;
const readLeads = access.of({ roles: people, scopes: ['leads:read'] });
// Imports write across the whole database (a row updates whichever lead has its email), so they
// are marketing's and admins'; sales people add leads one by one or through the API (docs/permissions.md).
const importLeads = access.of({ roles: leadCapabilities.importLeads, scopes: ['leads:write'] });

/** The content types an upload may come as: what browsers and curl label a .csv file with. */
export const csvContentTypes = [
  'text/csv',
  'application/csv',
  'text/plain',
  'text/tab-separated-values',
  'application/vnd.ms-excel',
  'application/octet-stream',
];

/** An upload body: the request stream itself, read by the service as it arrives. */
class UploadBody {
  readonly stream: Readable;
  constructor(stream: Readable) {
    this.stream = stream;
  }
  // The idempotency fingerprint serialises bodies; a stream is fingerprinted by its URL alone.
  toJSON() {
    return { upload: true };
  }
}

function ctxOf(request: FastifyRequest): WriteContext {
  return {
    actor: actorOf(request.principal),
    source: request.principal?.kind === 'apiKey' ? 'api' : 'manual',
    ip: request.ip,
  };
}

function isAdmin(request: FastifyRequest): boolean {
  const p = request.principal;
  return p?.kind === 'user' ? p.role === 'admin' : !!p?.scopes.includes('admin');
}

function sendCsv(reply: FastifyReply, file: { stream: Readable; filename: string }) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`)
    .header('cache-control', 'no-store')
    .send(file.stream);
}

const ImportId = IdParams;
const PreviewQuery = Type.Object(
  { preset: Type.Optional(Type.Enum(importPresets)) },
  { additionalProperties: false },
);

export const importsRoutes: FastifyPluginAsyncTypebox<{ imports: ImportsService }> = async (
  app,
  { imports },
) => {
  // CSV bodies are not parsed here: the handler streams them into the database chunk by chunk.
  app.addContentTypeParser(csvContentTypes, (_request, payload, done) => {
    done(null, new UploadBody(payload as Readable));
  });

  app.post(
    '/api/v1/imports',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: 'Upload a CSV file to import leads from',
        description:
          'Send the file as the raw request body with `Content-Type: text/csv` (up to 1 GiB, streamed into the database in 1 MB chunks), e.g. `curl --data-binary @contacts.csv -H "Content-Type: text/csv" …/api/v1/imports?filename=contacts.csv`. The answer tells the encoding, delimiter and headers found; then preview and start the import.',
        querystring: Type.Object(
          { filename: Type.Optional(Type.String({ maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: { 201: Import, ...errorResponses(413, 415) },
      },
    },
    async (request, reply) => {
      const body = request.body as unknown;
      const created = await imports.upload(body instanceof UploadBody ? body.stream : null, {
        filename: request.query.filename,
        actor: actorOf(request.principal),
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/imports',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: 'Past and running imports, newest first',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(Import), ...errorResponses() },
      },
    },
    async (request) => imports.list(request.query),
  );

  app.get(
    '/api/v1/imports/:id',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: 'An import: its status, progress and counts',
        params: ImportId,
        response: { 200: Import, ...errorResponses(404) },
      },
    },
    async (request) => imports.get(request.params.id),
  );

  app.get(
    '/api/v1/imports/:id/preview',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: 'The first 20 rows as they would be imported, with the suggested mapping of a preset',
        params: ImportId,
        querystring: PreviewQuery,
        response: { 200: ImportPreview, ...errorResponses(404) },
      },
    },
    async (request) => imports.preview(request.params.id, { preset: request.query.preset }),
  );

  app.post(
    '/api/v1/imports/:id/preview',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: 'The first 20 rows as they would be imported with the given mapping',
        params: ImportId,
        body: Type.Object(
          { preset: Type.Optional(Type.Enum(importPresets)), mapping: Type.Optional(ImportMapping) },
          { additionalProperties: false },
        ),
        response: { 200: ImportPreview, ...errorResponses(404) },
      },
    },
    async (request) => imports.preview(request.params.id, request.body),
  );

  app.post(
    '/api/v1/imports/:id/start',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: 'Start the import (or a dry run) as a background job',
        description:
          '`matchOn`: `email` (default) upserts by email (then external id), `external` by the external id columns only, `none` makes every row a new lead. A dry run classifies every row (created, updated, unchanged, failed) without writing leads; a finished dry run can then be started for real. `createCustomFields` (admins) turns columns into new custom fields.',
        params: ImportId,
        body: StartImport,
        response: { 202: Import, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) =>
      reply.status(202).send(
        await imports.start(request.params.id, request.body, {
          ...ctxOf(request),
          mayCreateFields: isAdmin(request),
        }),
      ),
  );

  app.post(
    '/api/v1/imports/:id/cancel',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: 'Cancel an import; rows already imported stay',
        params: ImportId,
        response: { 200: Import, ...errorResponses(404, 409) },
      },
    },
    async (request) => imports.cancel(request.params.id, ctxOf(request)),
  );

  app.get(
    '/api/v1/imports/:id/errors.csv',
    {
      config: { access: importLeads },
      schema: {
        tags: ['imports'],
        summary: "An import's per-row errors as CSV: row, column, field, rule, message, value",
        params: ImportId,
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses(404) },
      },
    },
    async (request, reply) => sendCsv(reply, await imports.errorsCsv(request.params.id)),
  );

  app.get(
    '/api/v1/leads/export.csv',
    {
      config: { access: readLeads },
      schema: {
        tags: ['imports'],
        summary:
          'Export leads as CSV: the list filters of GET /api/v1/leads, or a selection of ids (within your leads)',
        description:
          'Takes the filters of `GET /api/v1/leads` (`q`, `stage`, `ownerId`, `createdAfter`, any text field, `cf.<key>`…) and `sort`, or `ids=a,b,c` (up to 1,000); `columns=` picks and orders the columns (standard fields, `id`, `lifecycleStage`, `ownerId`, `companyId`, `externalIds`, `source`, `createdAt`, `updatedAt`, `cf.<key>`); `bom=1` starts the file with a UTF-8 byte-order mark for Excel. With `sort`, in the order of the list; without, in the order the leads were stored (oldest first, the fastest). Streamed, whatever the number of leads.',
        querystring: Type.Object(
          {
            columns: Type.Optional(Type.String({ maxLength: 4000 })),
            ids: Type.Optional(Type.String({ maxLength: 70_000 })),
            bom: Type.Optional(Type.String({ maxLength: 5 })),
            q: Type.Optional(Type.String({ maxLength: 200 })),
            sort: Type.Optional(Type.String({ maxLength: 20 })),
            stage: Type.Optional(Type.String({ maxLength: 200 })),
            ownerId: Type.Optional(Type.String({ maxLength: 64 })),
            companyId: Type.Optional(Type.String({ maxLength: 64 })),
            createdAfter: Type.Optional(Type.String({ maxLength: 40 })),
            createdBefore: Type.Optional(Type.String({ maxLength: 40 })),
            updatedAfter: Type.Optional(Type.String({ maxLength: 40 })),
            companySizeMin: Type.Optional(Type.String({ maxLength: 12 })),
            companySizeMax: Type.Optional(Type.String({ maxLength: 12 })),
            filter: Type.Optional(Type.String({ maxLength: 20_000 })),
            segment: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: Type.String({ maxLength: 200 }) },
        ),
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses() },
      },
    },
    async (request, reply) =>
      sendCsv(
        reply,
        await imports.exportCsv(
          request.query as Record<string, string | undefined>,
          (await request.viewer()).scope,
        ),
      ),
  );
};
