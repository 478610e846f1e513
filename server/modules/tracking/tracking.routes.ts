import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { Stitch, TrackingSettings, TrackingSettingsInput, trackLimits } from '../../../contracts/tracking.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import { isBot } from './bots.ts';
import type { ServedSnippet } from './snippet.ts';
import { originAllowed } from './tracking.domains.ts';
import type { TrackingService, WriteContext } from './tracking.service.ts';
import { parseBatch, visitorIdPattern } from './tracking.validate.ts';

const people = ['marketing', 'sales_manager', 'sales_rep'] as const;
const readLeads = access.of({ roles: people, scopes: ['leads:read'] });
const writeLeads = access.of({ roles: people, scopes: ['leads:write'] });
const manageTracking = access.of({ roles: ['marketing'], scopes: ['admin'] });
const trackPath = '/api/v1/public/track';

function ctxOf(request: FastifyRequest): WriteContext {
  return {
    actor: actorOf(request.principal),
    source: request.principal?.kind === 'apiKey' ? 'api' : 'manual',
    ip: request.ip,
  };
}

const PageContext = Type.Object({
  url: Type.String({ maxLength: trackLimits.urlLength, description: 'Absolute http(s) URL of the page' }),
  path: Type.Optional(Type.String({ maxLength: trackLimits.urlLength })),
  title: Type.Optional(Type.String({ maxLength: trackLimits.titleLength })),
  referrer: Type.Optional(Type.String({ maxLength: trackLimits.urlLength })),
});
const Utm = Type.Object({
  source: Type.Optional(Type.String()),
  medium: Type.Optional(Type.String()),
  campaign: Type.Optional(Type.String()),
  term: Type.Optional(Type.String()),
  content: Type.Optional(Type.String()),
});
const ClickIds = Type.Object({
  gclid: Type.Optional(Type.String()),
  fbclid: Type.Optional(Type.String()),
  msclkid: Type.Optional(Type.String()),
  li_fat_id: Type.Optional(Type.String()),
  ttclid: Type.Optional(Type.String()),
});
const At = Type.Optional(
  Type.Union([Type.Number(), Type.String({ format: 'date-time' })], {
    description: 'When it happened: epoch milliseconds or ISO 8601 (default: when received)',
  }),
);
/** The batch as documented in OpenAPI; the handler checks it itself, naming each event's field. */
const TrackBatch = Type.Object({
  visitorId: Type.String({ pattern: visitorIdPattern.source, description: 'The ll_vid cookie' }),
  sentAt: Type.Optional(
    Type.Number({ description: "The client's clock when sending: event times are corrected by its offset" }),
  ),
  events: Type.Array(
    Type.Union([
      Type.Object({
        type: Type.Literal('page'),
        at: At,
        page: PageContext,
        utm: Type.Optional(Utm),
        clickIds: Type.Optional(ClickIds),
        landing: Type.Optional(Type.Boolean({ description: 'The first page view of a visit' })),
      }),
      Type.Object({
        type: Type.Literal('event'),
        at: At,
        name: Type.String({ minLength: 1, maxLength: trackLimits.nameLength }),
        props: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        page: Type.Optional(PageContext),
        utm: Type.Optional(Utm),
        clickIds: Type.Optional(ClickIds),
      }),
      Type.Object({
        type: Type.Literal('identify'),
        at: At,
        traits: Type.Record(Type.String(), Type.Unknown(), {
          description: 'Lead fields: email, firstName, lastName, phone, jobTitle, companyName, website…',
        }),
      }),
    ]),
    { minItems: 1, maxItems: trackLimits.eventsPerBatch },
  ),
});

export const trackingRoutes: FastifyPluginAsyncTypebox<{
  tracking: TrackingService;
  clock: Clock;
  snippet: (requireConsent: boolean) => ServedSnippet;
  rateLimitPerMinute: number;
}> = async (app, { tracking, clock, snippet, rateLimitPerMinute }) => {
  const rateLimit = rateLimitPerMinute > 0 ? { max: rateLimitPerMinute, timeWindow: '1 minute' } : undefined;

  app.get(
    '/t.js',
    {
      config: { access: access.public('the tracking snippet that sites embed') },
      schema: {
        tags: ['tracking'],
        summary: 'The tracking snippet (JavaScript, under 5 KB gzipped; docs/tracking.md)',
      },
    },
    async (request, reply) => {
      const served = snippet((await tracking.settings()).requireConsent);
      const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
      const etag = gzip ? `${served.etag.slice(0, -1)}-gz"` : served.etag;
      reply
        .header('content-type', 'application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('etag', etag)
        .header('vary', 'accept-encoding')
        // Other sites load this script: Helmet's same-origin default would block it.
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('access-control-allow-origin', '*');
      const match = String(request.headers['if-none-match'] ?? '')
        .split(',')
        .map((t) => t.trim().replace(/^W\//, ''));
      if (match.includes(etag) || match.includes('*')) return reply.status(304).send();
      if (gzip) return reply.header('content-encoding', 'gzip').send(served.gzip);
      return reply.send(served.body);
    },
  );

  /** CORS for the allowed domains; throws for a page on any other site. */
  async function checkOrigin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const origin = request.headers.origin;
    reply.header('vary', 'origin');
    if (origin === undefined) return; // not from a browser page: nothing to check
    const { allowedDomains } = await tracking.settings();
    if (!originAllowed(origin, allowedDomains, request.headers.host)) {
      throw new AppError(
        'TRACKING_ORIGIN_NOT_ALLOWED',
        `${origin.slice(0, 200)} may not send tracking events; add its domain under Settings → Tracking.`,
      );
    }
    reply.header('access-control-allow-origin', origin);
  }

  app.options(
    trackPath,
    {
      config: { access: access.public('CORS preflight of the tracking endpoint') },
      schema: { hide: true },
    },
    async (request, reply) => {
      try {
        await checkOrigin(request, reply);
      } catch {
        return reply.status(204).send(); // no CORS headers: the browser refuses
      }
      return reply
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '86400')
        .status(204)
        .send();
    },
  );

  app.post(
    trackPath,
    {
      config: {
        access: access.public('the tracking snippet on customer sites sends anonymous page views and events'),
        ...(rateLimit ? { rateLimit } : {}),
      },
      bodyLimit: trackLimits.bodyBytes,
      // The handler validates (both content types), naming each event's field: events[3].page.url.
      validatorCompiler: () => () => true,
      schema: {
        tags: ['tracking'],
        summary: 'Ingest a batch of page views, custom events and identifies from the tracking snippet',
        description:
          'Send as `text/plain` (what navigator.sendBeacon sends, no CORS preflight) or `application/json`. ' +
          'Pages must be on an allowed domain (Settings → Tracking). Bots (by user agent) and requests ' +
          'with `DNT: 1` or `Sec-GPC: 1` get 204 and nothing is stored. A malformed batch is refused as ' +
          'a whole, with every problem named (`events[3].page.url`). Times are corrected by `sentAt` ' +
          `and clamped to the last ${trackLimits.maxAgeMs / 3600_000} hours.`,
        body: TrackBatch,
        response: {
          202: Type.Object({
            accepted: Type.Integer({ description: 'Events stored' }),
            dropped: Type.Integer({
              description: 'Events not stored: an identify without a person, or tracking consent withdrawn',
            }),
          }),
          204: Type.Null({ description: 'Dropped: a bot, or the browser asks not to be tracked' }),
          ...errorResponses(413, 415),
        },
      },
    },
    async (request, reply) => {
      // Pages on other sites read the answer (sendBeacon's no-cors included): Helmet's same-origin default would block it.
      reply.header('cross-origin-resource-policy', 'cross-origin');
      await checkOrigin(request, reply);
      const headers = request.headers;
      if (isBot(headers['user-agent']) || headers.dnt === '1' || headers['sec-gpc'] === '1')
        return reply.status(204).send(null);
      let raw: unknown = request.body;
      if (typeof raw === 'string') {
        try {
          raw = JSON.parse(raw);
        } catch {
          throw new AppError('INVALID_JSON', 'The body is not well-formed JSON.');
        }
      }
      const parsed = parseBatch(raw, clock.now());
      if (!parsed.ok) {
        const [first] = parsed.details;
        const more = parsed.details.length > 1 ? ` (and ${parsed.details.length - 1} more)` : '';
        throw new AppError('VALIDATION_FAILED', `${first!.field}: ${first!.message}${more}`, {
          details: parsed.details,
        });
      }
      return reply.status(202).send(await tracking.ingest(parsed.batch));
    },
  );

  app.get(
    '/api/v1/tracking/settings',
    {
      config: { access: manageTracking },
      schema: {
        tags: ['tracking'],
        summary: 'Tracking settings: allowed domains, consent default, same-browser policy',
        response: { 200: TrackingSettings, ...errorResponses() },
      },
    },
    async () => tracking.settings(),
  );

  app.put(
    '/api/v1/tracking/settings',
    {
      config: { access: manageTracking },
      schema: {
        tags: ['tracking'],
        summary: 'Change the tracking settings',
        description:
          'Domains are normalised: a pasted URL becomes its host; `*.example.com` and `example.com` both cover every subdomain.',
        body: TrackingSettingsInput,
        response: { 200: TrackingSettings, ...errorResponses() },
      },
    },
    async (request) => tracking.updateSettings(request.body, ctxOf(request)),
  );

  app.get(
    '/api/v1/leads/:id/stitches',
    {
      config: { access: readLeads, lead: 'see' },
      schema: {
        tags: ['tracking'],
        summary: 'The identity stitches that joined browsers to this lead (or moved one away from it)',
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(Stitch) }), ...errorResponses(404) },
      },
    },
    async (request) => ({ data: await tracking.stitchesOf(request.params.id) }),
  );

  app.post(
    '/api/v1/leads/:id/visitors',
    {
      config: { access: writeLeads, lead: 'edit' },
      schema: {
        tags: ['tracking'],
        summary: 'Join a browser (its ll_vid visitor id) to this lead: a server-side identify',
        description:
          "The browser's anonymous history becomes the lead's touchpoints; the stitch is recorded and can be undone.",
        params: IdParams,
        body: Type.Object(
          { visitorId: Type.String({ pattern: visitorIdPattern.source }) },
          { additionalProperties: false },
        ),
        response: { 201: Stitch, ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await tracking.stitchByApi(request.params.id, request.body.visitorId, ctxOf(request))),
  );

  app.post(
    '/api/v1/stitches/:id/undo',
    {
      config: { access: writeLeads },
      schema: {
        tags: ['tracking'],
        summary: "Undo a stitch: the browser's page views and events on the lead become anonymous again",
        description:
          'The visitor id leaves the lead. Refused (409) when a later stitch gave the browser to another lead, or the lead was merged or erased.',
        params: IdParams,
        response: { 200: Stitch, ...errorResponses(404, 409) },
      },
    },
    async (request) => tracking.undo(request.params.id, ctxOf(request), await request.viewer()),
  );
};
