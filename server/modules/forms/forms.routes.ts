import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  Form,
  FormCreate,
  FormUpdate,
  formStatuses,
  Submission,
  submissionStatuses,
} from '../../../contracts/forms.ts';
import { leadCapabilities } from '../../../contracts/permissions.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams, PageOf, PageQuery } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { BuilderContext, FormsService } from './forms.service.ts';

const readForms = access.of({
  roles: ['marketing', 'sales_manager', 'sales_rep'],
  scopes: ['capture', 'leads:read'],
});
const writeForms = access.of({ roles: ['marketing'], scopes: ['capture'] });
// Submissions name every person who filled in a form, whoever owns them: not for sales people, who
// see only their own leads (docs/permissions.md).
const readSubmissions = access.of({
  roles: leadCapabilities.formSubmissions,
  scopes: ['capture', 'leads:read'],
});

function ctxOf(request: FastifyRequest): BuilderContext {
  return { actor: actorOf(request.principal), ip: request.ip };
}

export const formsRoutes: FastifyPluginAsyncTypebox<{ forms: FormsService }> = async (app, { forms }) => {
  app.get(
    '/api/v1/forms',
    {
      config: { access: readForms },
      schema: {
        tags: ['forms'],
        summary: 'Forms, newest first, with their submission counts',
        querystring: Type.Object(
          {
            ...PageQuery,
            q: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the name or slug' })),
            status: Type.Optional(Type.Enum(formStatuses)),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(Form), ...errorResponses() },
      },
    },
    async (request) => forms.list(request.query),
  );

  app.post(
    '/api/v1/forms',
    {
      config: { access: writeForms },
      schema: {
        tags: ['forms'],
        summary: 'Create a form (a draft with an email, name and company field unless told otherwise)',
        description:
          'Fields are lead fields (email, firstName, lastName, phone, jobTitle, companyName, website, country, city, industry, companySize) or custom field keys. A published form needs a required email field; double opt-in needs an email-marketing consent box. Consent texts are versioned: changing a text makes a new version.',
        body: FormCreate,
        response: { 201: Form, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.status(201).send(await forms.create(request.body, ctxOf(request))),
  );

  app.get(
    '/api/v1/forms/:id',
    {
      config: { access: readForms },
      schema: {
        tags: ['forms'],
        summary: 'One form',
        params: IdParams,
        response: { 200: Form, ...errorResponses(404) },
      },
    },
    async (request) => forms.get(request.params.id),
  );

  app.patch(
    '/api/v1/forms/:id',
    {
      config: { access: writeForms },
      schema: {
        tags: ['forms'],
        summary: 'Change a form: its fields, consents, settings, slug or status (publish, archive)',
        params: IdParams,
        body: FormUpdate,
        response: { 200: Form, ...errorResponses(404, 409) },
      },
    },
    async (request) => forms.update(request.params.id, request.body, ctxOf(request)),
  );

  app.get(
    '/api/v1/forms/:id/submissions',
    {
      config: { access: readSubmissions },
      schema: {
        tags: ['forms'],
        summary: 'Submissions of a form, newest first (spam, disposable and pending ones flagged)',
        params: IdParams,
        querystring: Type.Object(
          { ...PageQuery, status: Type.Optional(Type.Enum(submissionStatuses)) },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(Submission), ...errorResponses(404) },
      },
    },
    async (request) => forms.submissions(request.params.id, request.query),
  );

  app.get(
    '/api/v1/forms/:id/consent-versions',
    {
      config: { access: readForms },
      schema: {
        tags: ['forms'],
        summary: 'Every version of the form’s consent texts, oldest first (what a textVersion said)',
        params: IdParams,
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                version: Type.String(),
                key: Type.String(),
                number: Type.Integer(),
                purpose: Type.String(),
                text: Type.String(),
                createdAt: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => ({ data: await forms.consentHistory(request.params.id) }),
  );
};
