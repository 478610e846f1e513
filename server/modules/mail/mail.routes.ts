import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams, PageOf, PageQuery } from '../../platform/http/schemas.ts';
import type { MailService } from './mail.service.ts';

const Entry = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
  category: Type.String(),
  related: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  status: Type.Enum(['queued', 'sent', 'stored', 'failed']),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const mailRoutes: FastifyPluginAsyncTypebox<{ mail: MailService }> = async (app, { mail }) => {
  app.get(
    '/api/v1/mail/outbox',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['mail'],
        summary: 'Every message Leadloop sent or keeps (without SMTP, mail stays here to be read)',
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(Type.Enum(['queued', 'sent', 'stored', 'failed'])),
            to: Type.Optional(Type.String({ maxLength: 254 })),
            relatedId: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Intersect([PageOf(Entry), Type.Object({ smtpConfigured: Type.Boolean() })]),
          ...errorResponses(),
        },
      },
    },
    async (request) => ({ ...(await mail.list(request.query)), smtpConfigured: mail.smtpConfigured }),
  );

  app.get(
    '/api/v1/mail/outbox/:id',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['mail'],
        summary: 'One message',
        params: IdParams,
        response: { 200: Entry, ...errorResponses(404) },
      },
    },
    async (request) => mail.get(request.params.id),
  );
};
