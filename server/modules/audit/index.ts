/** Audit module: an append-only log of security-relevant actions, readable by admins. */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import { createAuditRepo } from './audit.repo.ts';
import { auditRoutes } from './audit.routes.ts';
import { createAuditService } from './audit.service.ts';

export { type Actor, type AuditService, actorOf } from './audit.service.ts';

export function createAuditModule(deps: { database: Database; clock: Clock }) {
  const api = createAuditService({ ...deps, repo: createAuditRepo() });
  const parts: ModuleParts = { name: 'audit', routes: bindRoutes(auditRoutes, { audit: api }) };
  return { api, parts };
}
