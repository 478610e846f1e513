/**
 * Who may call a route. Every route declares it in `config.access`; the app refuses to start when
 * one does not (see assertAllRoutesDeclared). Sessions are checked against roles, API keys against
 * scopes. The `admin` role and the `admin` scope pass every check.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Role, Scope } from '../../../contracts/auth.ts';
import { AppError } from '../errors.ts';

export type Principal =
  | {
      kind: 'user';
      userId: string;
      email: string;
      name: string;
      role: Role;
      sessionId: string;
      csrfToken: string;
    }
  | { kind: 'apiKey'; keyId: string; name: string; scopes: readonly Scope[] };

export type Access =
  | { kind: 'public'; reason: string }
  | { kind: 'protected'; roles: readonly Role[] | 'any'; scopes: readonly Scope[] };

/** Route access declarations. */
export const access = {
  /** Anyone, without credentials. Say why, so a reviewer can check. */
  public: (reason: string): Access => ({ kind: 'public', reason }),
  /** Any signed-in user (sessions only). */
  signedIn: (): Access => ({ kind: 'protected', roles: 'any', scopes: [] }),
  /** Users with one of these roles (admin always passes), and API keys with one of these scopes. */
  of: (opts: { roles?: readonly Role[]; scopes?: readonly Scope[] }): Access => ({
    kind: 'protected',
    roles: opts.roles ?? [],
    scopes: opts.scopes ?? [],
  }),
  /** Admins only: the admin role, or an API key with the admin scope. */
  admin: (): Access => ({ kind: 'protected', roles: ['admin'], scopes: ['admin'] }),
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type ResolvePrincipal = (request: FastifyRequest) => Promise<Principal | null>;

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function allows(rule: Access, principal: Principal): boolean {
  if (rule.kind === 'public') return true;
  if (principal.kind === 'user') {
    return rule.roles === 'any' || principal.role === 'admin' || rule.roles.includes(principal.role);
  }
  // A route that lists no scopes is for people only; not even an admin key may call it.
  if (rule.scopes.length === 0) return false;
  return principal.scopes.includes('admin') || principal.scopes.some((s) => rule.scopes.includes(s));
}

/** Describes a rule for people (OpenAPI descriptions, error messages). */
export function describeAccess(rule: Access): string {
  if (rule.kind === 'public') return `Public: ${rule.reason}.`;
  const who: string[] = [];
  if (rule.roles === 'any') who.push('any signed-in user');
  else who.push(`roles: ${['admin', ...rule.roles.filter((r) => r !== 'admin')].join(', ')}`);
  if (rule.scopes.length > 0)
    who.push(`API key scopes: ${[...new Set([...rule.scopes, 'admin'])].join(', ')}`);
  else who.push('no API key access');
  return `Requires ${who.join('; ')}.`;
}

/**
 * Authenticates every request to a protected route before its body is even parsed: 401 without
 * valid credentials, 403 for the wrong role or scope, 403 for a cookie-authenticated write
 * without the session's CSRF token.
 */
export const accessControl = fp(
  async (app: FastifyInstance, opts: { resolvePrincipal: ResolvePrincipal }) => {
    const routes: RouteOptions[] = [];
    app.decorateRequest('principal', null);
    app.addHook('onRoute', (route) => {
      routes.push(route);
    });
    app.addHook('onReady', async () => {
      const missing = routes
        .filter((r) => !r.config?.access)
        .map((r) => `${[r.method].flat().join(',')} ${r.url}`);
      if (missing.length > 0) throw new Error(`Routes without an access declaration: ${missing.join('; ')}`);
    });
    app.decorate('registeredRoutes', () => routes.slice());

    app.addHook('onRequest', async (request) => {
      const rule = request.routeOptions.config?.access;
      if (!rule || rule.kind === 'public') return; // unknown routes fall through to the 404 handler
      const principal = await opts.resolvePrincipal(request);
      if (!principal)
        throw new AppError('UNAUTHENTICATED', 'Sign in or send an API key (Authorization: Bearer …).');
      request.principal = principal;
      if (!allows(rule, principal)) {
        throw new AppError('FORBIDDEN', `Not allowed. ${describeAccess(rule)}`);
      }
      if (principal.kind === 'user' && !safeMethods.has(request.method)) {
        const sent = request.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !sameString(sent, principal.csrfToken)) {
          throw new AppError(
            'CSRF_FAILED',
            'Send the X-CSRF-Token header given at sign-in with every write.',
          );
        }
      }
    });
  },
  { name: 'access-control' },
);

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, with its options (used by the route-declaration test). */
    registeredRoutes(): RouteOptions[];
  }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
