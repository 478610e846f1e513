/**
 * The public doors of forms, none of which needs credentials:
 * - the hosted page `/f/{slug}` (server-rendered, works without JavaScript; POSTs form-encoded),
 *   its thank-you page, and the double opt-in link `/f/confirm/{token}`;
 * - `/embed.js`, the one-tag embed for any website;
 * - the JSON definition and submission endpoints the embed (or any client) uses, with CORS for
 *   the form's allowed origins;
 * - a HubSpot Forms v3-compatible submission endpoint.
 * Submissions are rate-limited per IP address (LEADLOOP_FORMS_RATE_LIMIT a minute).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { errorCatalogue } from '../../../contracts/errors.ts';
import {
  consentTextParts,
  formCss,
  type RenderableForm,
  renderFormDocument,
  renderMessageDocument,
} from '../../../contracts/form-page.ts';
import { PublicForm, PublicSubmission, SubmissionAccepted } from '../../../contracts/forms.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { access } from '../../platform/http/access.ts';
import { toAppError } from '../../platform/http/error-handler.ts';
import { errorResponses } from '../../platform/http/schemas.ts';
import { fromHubspot, HubspotSubmission, hubspotErrors } from './forms.hubspot.ts';
import type { CheckedSubmission, RawSubmission } from './forms.rules.ts';
import type { FormsService, LoadedForm } from './forms.service.ts';
import type { Submissions } from './forms.submit.ts';
import type { FormTokens } from './forms.tokens.ts';

type Options = {
  forms: FormsService;
  submissions: Submissions;
  tokens: FormTokens;
  clock: Clock;
  publicUrl: () => string;
  rateLimit: number;
};

const embedSource = readFileSync(path.join(import.meta.dirname, 'embed.js'), 'utf8').replace(
  "'__LEADLOOP_CSS__'",
  JSON.stringify(formCss),
);

const Slug = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
const publicBodyLimit = 64 * 1024;
const exposed = 'Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, x-request-id';

declare module 'fastify' {
  interface FastifyRequest {
    /** The published form a public form route is about, found before its body is read. */
    publicForm: LoadedForm | null;
  }
}

/** What the hosted page, the embed and the preview draw for a form. */
export function renderableOf(form: LoadedForm): RenderableForm {
  return {
    name: form.name,
    fields: form.fields,
    consents: form.def.consents.map((c) => ({
      key: c.key,
      purpose: c.purpose,
      text: c.text,
      required: c.required,
    })),
    submitLabel: form.def.submitLabel,
  };
}

function consentShown(form: LoadedForm): Record<string, number> {
  return Object.fromEntries(form.def.consents.map((c) => [c.key, c.versionNumber]));
}

function originOfUrl(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export const formsPublicRoutes: FastifyPluginAsyncTypebox<Options> = async (app, opts) => {
  const { forms, submissions, tokens, clock } = opts;
  const rateLimit = { max: opts.rateLimit, timeWindow: '1 minute' };
  app.decorateRequest('publicForm', null);

  /** The public URL's origin, parsed again only when the URL changes. */
  let ownPublic: { url: string; origin: string | null } | undefined;
  /** Whether an origin is our own: the public URL's, or the host the request came to. */
  function isOwnOrigin(request: FastifyRequest, origin: string): boolean {
    const url = opts.publicUrl();
    if (ownPublic?.url !== url) ownPublic = { url, origin: originOfUrl(url) };
    return origin === ownPublic.origin || origin === `${request.protocol}://${request.host}`;
  }

  /** Throws FORM_ORIGIN_FORBIDDEN for a browser request from a site the form does not allow. */
  function checkOrigin(request: FastifyRequest, form: LoadedForm): string | null {
    const origin = request.headers.origin;
    if (origin === undefined) return null; // not a browser's cross-site request (curl, servers)
    if (form.def.allowedOrigins.includes(origin) || isOwnOrigin(request, origin)) return origin;
    throw new AppError(
      'FORM_ORIGIN_FORBIDDEN',
      `The site ${origin.slice(0, 300)} may not use the form "${form.slug}": add it to the form's allowed origins.`,
      { details: [{ field: 'Origin', rule: 'allowed', message: `${origin.slice(0, 300)} is not allowed` }] },
    );
  }

  function allowCors(reply: FastifyReply, origin: string | null): void {
    if (!origin) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', exposed);
    reply.header('vary', 'Origin');
  }

  /** Finds the published form (by slug, or HubSpot GUID) and answers CORS for it, before anything else. */
  function corsFor(find: (request: FastifyRequest) => Promise<LoadedForm>) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('cross-origin-resource-policy', 'cross-origin');
      let form: LoadedForm;
      try {
        form = await find(request);
      } catch (error) {
        // Anyone may learn that a form does not exist: say so readably to the embed.
        if (request.headers.origin) reply.header('access-control-allow-origin', '*');
        throw error;
      }
      request.publicForm = form;
      allowCors(reply, checkOrigin(request, form));
    };
  }
  const bySlug = corsFor((request) => forms.published((request.params as { slug: string }).slug));
  const byGuid = corsFor((request) =>
    forms.publishedForHubspot((request.params as { formGuid: string }).formGuid),
  );

  function preflight(_request: FastifyRequest, reply: FastifyReply) {
    reply
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header('access-control-allow-headers', 'content-type, idempotency-key')
      .header('access-control-max-age', '600')
      .header('cache-control', 'no-store');
    return reply.status(204).send();
  }

  function submitUrlOf(slug: string): string {
    return `${opts.publicUrl()}/api/v1/public/forms/${encodeURIComponent(slug)}/submissions`;
  }

  // ── Embed ─────────────────────────────────────────────────────────────────
  app.get(
    '/embed.js',
    { config: { access: access.public('the embed script runs on any website') }, schema: { hide: true } },
    async (_request, reply) =>
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('access-control-allow-origin', '*')
        .header('cache-control', 'public, max-age=300')
        .send(embedSource),
  );

  // ── JSON: definition and submissions ─────────────────────────────────────
  app.get(
    '/api/v1/public/forms/:slug',
    {
      config: { access: access.public('anyone may draw a published form') },
      onRequest: bySlug,
      schema: {
        tags: ['forms (public)'],
        summary: 'The published form to draw: fields, consents, and a render token to submit with',
        description:
          'Answers CORS for the form’s allowed origins (a request from another site answers 403 FORM_ORIGIN_FORBIDDEN). Every call issues a fresh single-use token; send it back with the submission.',
        params: Slug,
        response: { 200: PublicForm, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const form = request.publicForm!;
      reply.header('cache-control', 'no-store');
      return {
        slug: form.slug,
        name: form.name,
        fields: form.fields,
        consents: form.def.consents.map((c) => ({
          key: c.key,
          purpose: c.purpose,
          text: c.text,
          parts: consentTextParts(c.text),
          required: c.required,
          version: c.version,
        })),
        submitLabel: form.def.submitLabel,
        token: tokens.issueRender(form.id, clock.now(), consentShown(form)),
        submitUrl: submitUrlOf(form.slug),
      };
    },
  );

  for (const url of ['/api/v1/public/forms/:slug', '/api/v1/public/forms/:slug/submissions']) {
    app.options(
      url,
      {
        config: { access: access.public('CORS preflight of the public form endpoints') },
        onRequest: bySlug,
        schema: { hide: true, params: Slug },
      },
      async (request, reply) => preflight(request, reply),
    );
  }

  app.post(
    '/api/v1/public/forms/:slug/submissions',
    {
      config: { access: access.public('anyone may submit a published form'), rateLimit },
      onRequest: bySlug,
      bodyLimit: publicBodyLimit,
      schema: {
        tags: ['forms (public)'],
        summary: 'Submit a published form',
        description:
          'JSON from the embed or any client. Send the `token` from the definition: it proves the form was drawn (and when: faster than the form’s minimum fill time is taken for a bot) and works once (a second use answers 409 SUBMISSION_REPLAYED). Without a token, only forms that allow token-less posts accept it. A filled `honeypot`, a too-fast fill or a crawler’s user agent gets the same 201 as a person, but is kept as spam and makes no lead. Rate-limited per IP address.',
        params: Slug,
        body: PublicSubmission,
        response: { 201: SubmissionAccepted, ...errorResponses(404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const form = request.publicForm!;
      const body = request.body;
      const result = await submissions.submit({
        form,
        via: body.token ? 'embed' : 'api',
        token: body.token,
        raw: {
          values: body.fields,
          consents: body.consents ?? {},
          page: body.page,
          utm: body.utm,
        },
        visitorId: body.visitorId,
        honeypot: body.honeypot,
        userAgent: request.headers['user-agent'],
        ip: request.ip,
      });
      return reply.status(201).send({
        id: result.submissionId,
        status: 'accepted',
        message: thankYouOf(form, result.confirmationRequired),
        redirectUrl: form.def.redirectUrl,
        confirmationRequired: result.confirmationRequired,
      });
    },
  );

  // ── HubSpot Forms v3-compatible ───────────────────────────────────────────
  const hubspotPath = '/api/v1/public/hubspot/submissions/v3/integration/submit/:portalId/:formGuid';
  const HubspotParams = Type.Object({
    portalId: Type.String({ minLength: 1, maxLength: 50 }),
    formGuid: Type.String({ minLength: 1, maxLength: 100 }),
  });
  await app.register(async (instance) => {
    const hs = instance.withTypeProvider<TypeBoxTypeProvider>();
    // HubSpot clients read HubSpot's error shape; Leadloop's `error` object rides along.
    hs.setErrorHandler(async (error, request, reply) => {
      const known = toAppError(error);
      if (!known) {
        request.log.error({ err: error }, 'unexpected error');
        return reply.status(500).send({
          status: 'error',
          message: 'Something went wrong on our side.',
          correlationId: request.id,
          errors: [],
          error: { code: 'INTERNAL', message: 'Something went wrong on our side.' },
        });
      }
      if (known.headers) reply.headers(known.headers);
      const names = (request as FastifyRequest & { hubspotNames?: Map<string, string> }).hubspotNames;
      return reply.status(errorCatalogue[known.code].status).send({
        status: 'error',
        message: known.code === 'VALIDATION_FAILED' ? 'The request is not valid' : known.message,
        correlationId: request.id,
        errors: hubspotErrors(known.details, names),
        error: {
          code: known.code,
          message: known.message,
          ...(known.details ? { details: known.details } : {}),
        },
      });
    });
    hs.options(
      hubspotPath,
      {
        config: { access: access.public('CORS preflight of the HubSpot-compatible endpoint') },
        onRequest: byGuid,
        schema: { hide: true, params: HubspotParams },
      },
      async (request, reply) => preflight(request, reply),
    );
    hs.post(
      hubspotPath,
      {
        config: { access: access.public('HubSpot-compatible form submissions'), rateLimit },
        onRequest: byGuid,
        bodyLimit: publicBodyLimit,
        schema: {
          tags: ['forms (public)'],
          summary: 'Submit a form the way HubSpot Forms v3 takes it (switch by changing the URL)',
          description:
            '`fields: [{ name, value }]` with HubSpot property names (email, firstname, lastname, company, jobtitle, phone, website, country, city, industry) or custom field keys; `context: { pageUri, pageName, hutk }` (hutk is taken as the visitor id); `legalConsentOptions.consent.communications[].value` grants the form’s email-marketing consent. `formGuid` is the form’s HubSpot form GUID setting, or its id; `portalId` is ignored. The form must allow token-less posts. Answers `{ inlineMessage }` or `{ redirectUri }`; errors carry HubSpot’s `status`, `message` and `errors: [{ message, errorType }]` beside Leadloop’s `error`.',
          params: HubspotParams,
          body: HubspotSubmission,
          response: {
            200: Type.Object({
              inlineMessage: Type.Optional(Type.String()),
              redirectUri: Type.Optional(Type.String()),
            }),
          },
        },
      },
      async (request, reply) => {
        const form = request.publicForm!;
        const { raw, visitorId, names } = fromHubspot(request.body, form);
        (request as FastifyRequest & { hubspotNames?: Map<string, string> }).hubspotNames = names;
        const result = await submissions.submit({
          form,
          via: 'hubspot',
          raw,
          visitorId,
          userAgent: request.headers['user-agent'],
          ip: request.ip,
        });
        if (form.def.redirectUrl) return reply.send({ redirectUri: form.def.redirectUrl });
        return reply.send({ inlineMessage: thankYouOf(form, result.confirmationRequired) });
      },
    );
  });

  // ── Hosted pages ──────────────────────────────────────────────────────────
  await app.register(async (instance) => {
    const pages = instance.withTypeProvider<TypeBoxTypeProvider>();
    pages.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: publicBodyLimit },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
    pages.setErrorHandler(async (error, request, reply) => {
      const known = toAppError(error);
      if (!known) request.log.error({ err: error }, 'unexpected error');
      else if (known.headers) reply.headers(known.headers);
      const status = known ? errorCatalogue[known.code].status : 500;
      const heading =
        status === 404
          ? 'Form not found'
          : status === 429
            ? 'Too many attempts'
            : status === 403
              ? 'Not allowed here'
              : status >= 500
                ? 'Something went wrong'
                : 'This did not work';
      const message =
        status === 404
          ? 'This form does not exist or is not published.'
          : status === 429
            ? `Too many forms were sent from your network. Please wait ${reply.getHeader('retry-after') ?? 'a minute'} seconds and try again.`
            : (known?.message ?? 'Something went wrong on our side. Please try again in a moment.');
      return pageReply(reply, null, status).send(
        renderMessageDocument({ title: heading, heading, message, tone: 'error' }),
      );
    });

    /** Headers of a hosted page: its own CSP, framable by the form's allowed origins. */
    function pageReply(reply: FastifyReply, form: LoadedForm | null, status = 200): FastifyReply {
      const frameAncestors = ["'self'", ...(form?.def.allowedOrigins ?? [])].join(' ');
      const redirect = form?.def.redirectUrl ? originOfUrl(form.def.redirectUrl) : null;
      reply.removeHeader('x-frame-options');
      // Browsers send `Origin: null` with a form POST from a no-referrer page, which the origin
      // check would refuse: the page's own submit must carry its real origin (same-origin policy).
      return reply
        .status(status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'same-origin')
        .header(
          'content-security-policy',
          [
            "default-src 'none'",
            "style-src 'unsafe-inline'",
            "img-src 'self' data:",
            `form-action 'self'${redirect ? ` ${redirect}` : ''}`,
            `frame-ancestors ${frameAncestors}`,
            "base-uri 'none'",
          ].join('; '),
        );
    }

    function hiddenOf(request: FastifyRequest, token: string, page?: { url?: string; referrer?: string }) {
      const referrer = page?.referrer ?? request.headers.referer;
      const hidden: Record<string, string> = {
        _token: token,
        _page_url: (page?.url ?? `${opts.publicUrl()}${request.url}`).slice(0, 2000),
      };
      if (typeof referrer === 'string' && referrer) hidden._referrer = referrer.slice(0, 2000);
      return hidden;
    }

    function drawPage(
      request: FastifyRequest,
      reply: FastifyReply,
      form: LoadedForm,
      state: {
        token: string;
        status?: number;
        values?: Record<string, string | string[]>;
        consents?: Record<string, boolean>;
        errors?: Record<string, string>;
        formError?: string;
        page?: { url?: string; referrer?: string };
      },
    ) {
      return pageReply(reply, form, state.status ?? 200).send(
        renderFormDocument(renderableOf(form), {
          action: `/f/${encodeURIComponent(form.slug)}`,
          hidden: hiddenOf(request, state.token, state.page),
          values: state.values,
          consents: state.consents,
          errors: state.errors,
          formError: state.formError,
        }),
      );
    }

    pages.get(
      '/f/:slug',
      {
        config: { access: access.public('the hosted page of a published form') },
        schema: { hide: true, params: Slug },
      },
      async (request, reply) => {
        const form = await forms.published(request.params.slug);
        return drawPage(request, reply, form, {
          token: tokens.issueRender(form.id, clock.now(), consentShown(form)),
        });
      },
    );

    pages.post(
      '/f/:slug',
      {
        config: { access: access.public('the hosted page of a published form posts here'), rateLimit },
        bodyLimit: publicBodyLimit,
        schema: { hide: true, params: Slug },
      },
      async (request, reply) => {
        const form = await forms.published(request.params.slug);
        checkOrigin(request, form);
        if (!(request.body instanceof URLSearchParams))
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as application/x-www-form-urlencoded.');
        const body = request.body;
        const multi = new Set(form.fields.filter((f) => f.control === 'checkboxes').map((f) => f.name));
        const values: Record<string, string | string[]> = {};
        const consents: Record<string, boolean> = {};
        for (const key of new Set(body.keys())) {
          if (key.startsWith('_consent_')) consents[key.slice(9)] = body.get(key) === 'yes';
          else if (!key.startsWith('_'))
            values[key] = multi.has(key) ? body.getAll(key) : (body.get(key) ?? '');
        }
        const page = {
          url: body.get('_page_url') ?? undefined,
          referrer: body.get('_referrer') ?? undefined,
        };
        const raw: RawSubmission = { values, consents, page, lenient: true };
        const token = body.get('_token') ?? '';
        try {
          const result = await submissions.submit({
            form,
            via: 'hosted',
            token,
            raw,
            honeypot: body.get('_website') ?? undefined,
            userAgent: request.headers['user-agent'],
            ip: request.ip,
          });
          const target =
            form.def.redirectUrl ??
            `/f/${encodeURIComponent(form.slug)}/thanks${result.confirmationRequired ? '?confirm=1' : ''}`;
          return reply.status(303).header('location', target).header('cache-control', 'no-store').send();
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          const again = { values, consents, page };
          switch (error.code) {
            case 'VALIDATION_FAILED':
            case 'DISPOSABLE_EMAIL_REJECTED': {
              const errors: Record<string, string> = {};
              for (const d of error.details ?? []) {
                const name = d.field.startsWith('fields.')
                  ? d.field.slice(7)
                  : d.field.startsWith('consents.')
                    ? `consent.${d.field.slice(9)}`
                    : d.field;
                errors[name] ??= messageFor(
                  d.rule,
                  d.message,
                  (error as { checked?: CheckedSubmission }).checked,
                );
              }
              return drawPage(request, reply, form, {
                ...again,
                token,
                status: errorCatalogue[error.code].status,
                errors,
              });
            }
            case 'FORM_TOKEN_INVALID':
              return drawPage(request, reply, form, {
                ...again,
                token: tokens.issueRender(form.id, clock.now(), consentShown(form)),
                status: 400,
                formError:
                  'This page was open for a long time. Please check your answers and send the form again.',
              });
            case 'SUBMISSION_REPLAYED':
              return pageReply(reply, form, 409).send(
                renderMessageDocument({
                  title: form.name,
                  heading: form.name,
                  message: 'This form was already sent: we have your answers.',
                  tone: 'info',
                }),
              );
            default:
              throw error;
          }
        }
      },
    );

    pages.get(
      '/f/:slug/thanks',
      {
        config: { access: access.public('the thank-you page of a published form') },
        schema: {
          hide: true,
          params: Slug,
          querystring: Type.Object({ confirm: Type.Optional(Type.String({ maxLength: 5 })) }),
        },
      },
      async (request, reply) => {
        const form = await forms.published(request.params.slug);
        return pageReply(reply, form).send(
          renderMessageDocument({
            title: form.name,
            heading: form.name,
            message: thankYouOf(form, request.query.confirm === '1'),
            tone: 'success',
          }),
        );
      },
    );

    pages.get(
      '/f/confirm/:token',
      {
        config: { access: access.public('the double opt-in link people get by email') },
        schema: {
          hide: true,
          params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 2000 }) }),
        },
      },
      async (request, reply) => {
        const { form, already } = await submissions.confirm(request.params.token);
        const heading = form?.name ?? 'Confirmation';
        return pageReply(reply, null).send(
          renderMessageDocument({
            title: heading,
            heading,
            message: already
              ? 'You had already confirmed: nothing more to do.'
              : 'Thank you: your subscription is confirmed.',
            tone: 'success',
          }),
        );
      },
    );
  });
};

function thankYouOf(form: LoadedForm, confirmationRequired: boolean): string {
  return confirmationRequired
    ? `${form.def.thankYouMessage}\n\nWe sent you an email: open the link in it to confirm.`
    : form.def.thankYouMessage;
}

/** Messages for people (the JSON details are for programs): same facts, plainer words. */
function messageFor(rule: string, message: string, _checked?: CheckedSubmission): string {
  switch (rule) {
    case 'required':
      return message === 'must be ticked to continue' || message === 'must be ticked'
        ? 'Please tick this box'
        : 'Please fill this in';
    case 'format':
      return message.includes('email') ? 'Please enter a valid email address' : 'Please check the format';
    case 'disposable':
      return 'Please use your own email address, not a disposable one';
    default:
      return message.charAt(0).toUpperCase() + message.slice(1);
  }
}
