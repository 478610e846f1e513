/**
 * The OpenAPI 3.1 document, generated from the route schemas at GET /api/openapi.json, and a
 * browsable reference at /api/docs. Each operation states who may call it, from its access rule.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { type Access, access, describeAccess } from './access.ts';

export const openApiInfo = {
  title: 'Leadloop API',
  version: '1',
  description:
    'Capture, qualify and hand off leads. Authenticate with a session cookie (the web app) or an API key ' +
    'sent as `Authorization: Bearer <key>`. Errors answer `{ "error": { "code", "message", "details"? } }`; ' +
    'every code is listed in docs/errors.md. POST requests accept an `Idempotency-Key` header.',
};

function securityOf(rule: Access | undefined) {
  if (!rule || rule.kind === 'public') return [];
  const out: Record<string, string[]>[] = [{ session: [] }];
  if (rule.scopes.length > 0) out.push({ apiKey: [...rule.scopes] });
  return out;
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: openApiInfo,
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'leadloop_session', description: 'Web app session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key with scopes' },
        },
      },
    },
    hideUntagged: true,
    transform: ({ schema, url, route }) => {
      const rule = route.config?.access;
      const s = { ...(schema ?? {}) } as Record<string, unknown>;
      if (s.tags) {
        // Routes about one lead also check the caller against that lead (docs/permissions.md).
        const lead = route.config?.lead;
        const rowLevel = lead
          ? `Only for a lead in your scope (sales people: their own leads, their teams' leads and queues); any other id answers 404 LEAD_NOT_FOUND. Lead action: ${lead}.`
          : '';
        s.description = [s.description, rule ? describeAccess(rule) : '', rowLevel]
          .filter(Boolean)
          .join('\n\n');
        s.security = securityOf(rule);
        s['x-leadloop-access'] = rule ?? null;
        if (lead) s['x-leadloop-lead-action'] = lead;
      }
      return { schema: s, url };
    },
  });

  // The reference UI's own routes are public, like the document they show.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: access.public('the API reference') };
    });
    await docs.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  });

  app.get(
    '/api/openapi.json',
    { config: { access: access.public('the API description is public') }, schema: { hide: true } },
    async () => app.swagger(),
  );
}
