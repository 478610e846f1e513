/**
 * Permissions module: who sees and works which lead. One rule (permissions.rules.ts) for every
 * module: `viewerOf(principal)` gives a caller's scope, `leadsScopeCondition` / `scopeCondition`
 * turn it into SQL for lists, counts and exports, `requireLead` / `canSeeLead` / `canWorkLead` judge one lead, and
 * the HTTP guard applies it to every `/api/v1/leads/:id…` route. docs/permissions.md has the matrix.
 */
import type { Database } from '../../platform/db/db.ts';
import type { ModuleParts } from '../../platform/module.ts';
import { createLeadGuard } from './permissions.guard.ts';
import { createPermissionsRepo } from './permissions.repo.ts';
import { createPermissionsService } from './permissions.service.ts';

export { leadsScopeCondition, scopeCondition } from './permissions.repo.ts';
export {
  allLeads,
  inScope,
  type LeadFacts,
  type LeadScope,
  ownerProblem,
  systemViewer,
  type Viewer,
} from './permissions.rules.ts';
export {
  type PermissionsService,
  requireOwnerChange,
  requireStageMove,
  stageGuardOf,
} from './permissions.service.ts';

export function createPermissionsModule(deps: { database: Database }) {
  const api = createPermissionsService({ database: deps.database, repo: createPermissionsRepo() });
  const parts: ModuleParts = {
    name: 'permissions',
    plugins: [
      createLeadGuard({
        viewerOf: (principal) => api.viewerOf(principal),
        check: (viewer, leadId, action, field) =>
          api.requireLead(deps.database.db, viewer, leadId, action, field),
      }),
    ],
  };
  return { api, parts };
}

export type PermissionsApi = ReturnType<typeof createPermissionsModule>['api'];
