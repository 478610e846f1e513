import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { access } from '../../platform/http/access.ts';
import { errorResponses, PageOf, PageQuery } from '../../platform/http/schemas.ts';
import type { AuditService } from './audit.service.ts';

const AuditEntry = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.Object({
      type: Type.String({ description: 'user, api_key, system or anonymous' }),
      id: Type.Union([Type.String(), Type.Null()]),
      label: Type.Union([Type.String(), Type.Null()]),
    }),
    action: Type.String({
      description: 'For example auth.login, auth.login_failed, user.created, api_key.revoked',
    }),
    target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { description: 'One security-relevant action' },
);

export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    '/api/v1/audit-log',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['audit'],
        summary: 'List security-relevant actions, newest first',
        querystring: Type.Object(
          {
            ...PageQuery,
            action: Type.Optional(
              Type.String({
                maxLength: 100,
                description: 'An action, or a prefix ending in "." such as "auth."',
              }),
            ),
            actorId: Type.Optional(Type.String({ maxLength: 64 })),
            targetId: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(AuditEntry), ...errorResponses() },
      },
    },
    async (request) => audit.list(request.query),
  );
};
