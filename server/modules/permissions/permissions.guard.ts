/**
 * Row-level access for HTTP: a route about one lead declares what it does to it
 * (`config: { access, lead: 'see' | 'edit' | 'sell' }`) and the guard checks the caller against
 * that lead before the body is validated: 404 outside the caller's scope, 403 for a lead in scope
 * the role may not do this to. The app refuses to start when a route under `/api/v1/leads/:id`
 * declares nothing, so a new lead sub-resource cannot forget the rule.
 * Every request gets `request.viewer()`: the caller as the rule sees it, read once per request.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { LeadAction } from '../../../contracts/permissions.ts';
import { AppError } from '../../platform/errors.ts';
import type { Viewer } from './permissions.rules.ts';
import type { PermissionsService } from './permissions.service.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What this route does to the lead named by its `:id` parameter. */
    lead?: LeadAction;
  }
  interface FastifyRequest {
    /** The caller as the lead rule sees it (its scope); read once per request. */
    viewer(): Promise<Viewer>;
    /**
     * For a lead named elsewhere than `:id` (a body's `leadId`): throws LEAD_NOT_FOUND (naming
     * `field`) outside the caller's scope, LEAD_ACTION_NOT_ALLOWED when its role may not do this.
     */
    requireLead(leadId: string, action: LeadAction, field: string): Promise<void>;
    viewerMemo: Promise<Viewer> | null;
  }
}

/** Routes about one lead: their `:id` is a lead id. */
const leadRoute = /^\/api\/v1\/leads\/:id(\/|$)/;

type GuardOptions = {
  viewerOf: PermissionsService['viewerOf'];
  /** Throws LEAD_NOT_FOUND or LEAD_ACTION_NOT_ALLOWED unless the viewer may do this to the lead. */
  check: (viewer: Viewer, leadId: string, action: LeadAction, field?: string) => Promise<void>;
};

/** The guard as a plugin that applies to every route of the app (registered before the routes). */
export function createLeadGuard(opts: GuardOptions) {
  return fp(
    async (app: FastifyInstance) => {
      const routes: RouteOptions[] = [];
      app.addHook('onRoute', (route) => {
        routes.push(route);
      });
      app.addHook('onReady', async () => {
        const missing = routes
          .filter((r) => leadRoute.test(r.url) && r.config?.access?.kind !== 'public' && !r.config?.lead)
          .map((r) => `${[r.method].flat().join(',')} ${r.url}`);
        if (missing.length > 0)
          throw new Error(`Lead routes without a lead action (config.lead): ${missing.join('; ')}`);
      });

      app.decorateRequest('viewerMemo', null);
      app.decorateRequest('viewer', function (this: FastifyRequest): Promise<Viewer> {
        if (!this.viewerMemo) {
          const principal = this.principal;
          if (!principal)
            return Promise.reject(new AppError('UNAUTHENTICATED', 'Sign in or send an API key first.'));
          this.viewerMemo = opts.viewerOf(principal);
        }
        return this.viewerMemo;
      });
      app.decorateRequest(
        'requireLead',
        async function (this: FastifyRequest, leadId: string, action: LeadAction, field: string) {
          await opts.check(await this.viewer(), leadId, action, field);
        },
      );

      // After access control (onRequest) has named the caller; before the body is validated, so a
      // lead outside the caller's scope answers 404 whatever the body says.
      app.addHook('preValidation', async (request) => {
        const action = request.routeOptions.config?.lead;
        if (!action || !request.principal) return;
        const id = (request.params as Record<string, unknown> | undefined)?.id;
        if (typeof id !== 'string') return;
        const viewer = await request.viewer();
        await opts.check(viewer, id, action);
      });
    },
    { name: 'lead-guard', dependencies: ['access-control'] },
  );
}
