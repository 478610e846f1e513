/**
 * Activities module: calls, emails, meetings, demos and notes logged on leads, the first touch by
 * sales they give each assignment, and the "my leads" work list.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { RoutingService } from '../routing/index.ts';
import type { TasksApi } from '../tasks/index.ts';
import { createActivitiesRepo } from './activities.repo.ts';
import { activitiesRoutes } from './activities.routes.ts';
import { createActivitiesService } from './activities.service.ts';

export type { ActivitiesService } from './activities.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  routing: Pick<RoutingService, 'recordFirstTouches' | 'latestAssignments'>;
  tasks: Pick<TasksApi, 'nextOpenTasks'>;
};

export function createActivitiesModule(deps: Deps) {
  const api = createActivitiesService({ ...deps, repo: createActivitiesRepo() });
  const parts: ModuleParts = {
    name: 'activities',
    routes: bindRoutes(activitiesRoutes, { activities: api }),
  };
  return { api, parts };
}

export type ActivitiesApi = ReturnType<typeof createActivitiesModule>['api'];
