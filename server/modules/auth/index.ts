/** Auth module: users and roles, sessions, API keys, first-run setup. */
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Clock } from '../../platform/clock.ts';
import type { Config } from '../../platform/config.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { Principal } from '../../platform/http/access.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { Secrets } from '../../platform/secrets.ts';
import type { AuditService } from '../audit/index.ts';
import { createAuthRepo } from './auth.repo.ts';
import { authRoutes, sessionCookie } from './auth.routes.ts';
import { createAuthService } from './auth.service.ts';

export type { ApiKeyView, AuthService, UserView } from './auth.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  secrets: Secrets;
  config: Config;
  audit: Pick<AuditService, 'record'>;
  /** Enqueues loading the demo dataset, in the setup transaction (wired in runtime.ts). */
  loadDemo?: (tx: Tx) => Promise<void>;
};

export function createAuthModule(deps: Deps) {
  const api = createAuthService({ ...deps, repo: createAuthRepo() });

  /** Finds who is calling: an API key in Authorization: Bearer, else the session cookie. */
  async function resolvePrincipal(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      return match?.[1] ? api.resolveApiKey(match[1]) : null;
    }
    const token = request.cookies[sessionCookie];
    return token ? api.resolveSession(token) : null;
  }

  const purgeSessions = defineJob({
    name: 'auth.purge_sessions',
    schema: Type.Object({}),
    async handler() {
      await api.purgeSessions();
    },
  });

  const parts: ModuleParts = {
    name: 'auth',
    routes: bindRoutes(authRoutes, { auth: api }),
    jobs: [purgeSessions],
    schedules: [{ name: 'auth.purge_sessions.hourly', job: purgeSessions, payload: {}, everyMs: 3600_000 }],
  };
  return { api, parts, resolvePrincipal };
}
