import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { roles, scopes } from '../../../contracts/auth.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams, NullableIsoDate } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { AuthService, NewSession, RequestInfo } from './auth.service.ts';
import { passwordRules } from './passwords.ts';

export const sessionCookie = 'leadloop_session';

const Role = Type.Enum(roles, { description: 'admin, marketing, sales_manager or sales_rep' });
const ScopeSchema = Type.Enum(scopes);
const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: passwordRules.minLength, maxLength: passwordRules.maxLength });
const Name = Type.String({ minLength: 1, maxLength: 200 });

const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  active: Type.Boolean(),
  lastLoginAt: NullableIsoDate,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  scopes: Type.Array(ScopeSchema),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: NullableIsoDate,
  revokedAt: NullableIsoDate,
});

const SessionBody = Type.Object({
  user: User,
  csrfToken: Type.String({
    description: 'Send as X-CSRF-Token with every write made with the session cookie',
  }),
});

function infoOf(request: FastifyRequest): RequestInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, session: NewSession) {
  reply.setCookie(sessionCookie, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    path: '/',
    expires: new Date(session.expiresAt),
  });
}

const authRateLimit = { max: 20, timeWindow: '1 minute' };

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  app.get(
    '/api/setup',
    {
      config: { access: access.public('the first-run page asks whether setup is still needed') },
      schema: {
        tags: ['auth'],
        summary: 'Whether first-run setup is still needed (no user exists yet)',
        response: { 200: Type.Object({ needed: Type.Boolean() }) },
      },
    },
    async () => ({ needed: await auth.setupNeeded() }),
  );

  app.post(
    '/api/setup',
    {
      config: {
        access: access.public('creates the first admin; refused once any user exists'),
        rateLimit: authRateLimit,
      },
      schema: {
        tags: ['auth'],
        summary: 'First-run setup: create the first admin and sign in',
        body: Type.Object(
          {
            email: Email,
            name: Name,
            password: Password,
            loadDemo: Type.Optional(
              Type.Boolean({
                description:
                  'Also load the fictional demo dataset (5,000 leads, docs/demo-data.md) in the background',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: SessionBody, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const session = await auth.setup(request.body, infoOf(request));
      setSessionCookie(request, reply, session);
      return reply.status(201).send({ user: session.user, csrfToken: session.csrfToken });
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: access.public('signing in'), rateLimit: authRateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets an HttpOnly session cookie',
        body: Type.Object(
          {
            email: Type.String({ minLength: 1, maxLength: 254 }),
            password: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SessionBody, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const session = await auth.login(request.body, infoOf(request));
      setSessionCookie(request, reply, session);
      return { user: session.user, csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: access.signedIn() },
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends this session',
        response: { 204: Type.Null(), ...errorResponses() },
      },
    },
    async (request, reply) => {
      if (request.principal) await auth.logout(request.principal, infoOf(request));
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/session',
    {
      config: { access: access.signedIn() },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user and their CSRF token',
        response: { 200: SessionBody, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = request.principal!;
      return {
        user: await auth.sessionUser(principal),
        csrfToken: principal.kind === 'user' ? principal.csrfToken : '',
      };
    },
  );

  app.post(
    '/api/auth/password',
    {
      config: { access: access.signedIn(), rateLimit: authRateLimit },
      schema: {
        tags: ['auth'],
        summary: "Change one's own password; ends every other session",
        body: Type.Object(
          { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      await auth.changePassword(request.principal!, request.body, infoOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/users',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['users'],
        summary: 'List users',
        response: { 200: Type.Object({ data: Type.Array(User) }), ...errorResponses() },
      },
    },
    async () => ({ data: await auth.listUsers() }),
  );

  app.get(
    '/api/v1/users/directory',
    {
      config: {
        access: access.of({ roles: ['marketing', 'sales_manager', 'sales_rep'], scopes: ['leads:read'] }),
      },
      schema: {
        tags: ['users'],
        summary: 'Everyone who can own leads: id, name, role and whether active (for pickers)',
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                email: Type.String(),
                role: Role,
                active: Type.Boolean(),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async () => ({
      data: (await auth.listUsers()).map((u) => ({
        id: u.id,
        name: u.name,
        email: u.email,
        role: u.role,
        active: u.active,
      })),
    }),
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['users'],
        summary: 'Create a user with an initial password',
        body: Type.Object(
          { email: Email, name: Name, role: Role, password: Password },
          { additionalProperties: false },
        ),
        response: { 201: User, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const user = await auth.createUser(actorOf(request.principal), request.body, infoOf(request));
      return reply.status(201).send(user);
    },
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['users'],
        summary: 'Get a user',
        params: IdParams,
        response: { 200: User, ...errorResponses(404) },
      },
    },
    async (request) => auth.getUser(request.params.id),
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['users'],
        summary: 'Rename, change role, deactivate (ends their sessions) or reactivate a user',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Name), role: Type.Optional(Role), active: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: User, ...errorResponses(404, 422) },
      },
    },
    async (request) =>
      auth.updateUser(actorOf(request.principal), request.params.id, request.body, infoOf(request)),
  );

  app.get(
    '/api/v1/api-keys',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never their secrets)',
        response: { 200: Type.Object({ data: Type.Array(ApiKey) }), ...errorResponses() },
      },
    },
    async () => ({ data: await auth.listApiKeys() }),
  );

  app.post(
    '/api/v1/api-keys',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the secret is in this response only',
        body: Type.Object(
          {
            name: Name,
            scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: scopes.length, uniqueItems: true }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            apiKey: ApiKey,
            secret: Type.String({ description: 'Send as Authorization: Bearer <secret>' }),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const created = await auth.createApiKey(actorOf(request.principal), request.body, infoOf(request));
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key (at once; it cannot be restored)',
        params: IdParams,
        response: { 200: ApiKey, ...errorResponses(404) },
      },
    },
    async (request) => auth.revokeApiKey(actorOf(request.principal), request.params.id, infoOf(request)),
  );
};
