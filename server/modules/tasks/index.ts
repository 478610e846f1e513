/**
 * Tasks module: to-dos with a due time, an assignee and optionally a lead, and reminders that are
 * durable jobs (an in-app notification and an email to the assignee when they fire).
 */
import Type from 'typebox';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { NotificationsApi } from '../notifications/index.ts';
import { createTasksRepo } from './tasks.repo.ts';
import { tasksRoutes } from './tasks.routes.ts';
import { createTasksService } from './tasks.service.ts';

export type { TasksService } from './tasks.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue' | 'cancel'>;
  notifications: Pick<NotificationsApi, 'notify'>;
};

export function createTasksModule(deps: Deps) {
  const remindJob = defineJob({
    name: 'tasks.remind',
    schema: Type.Object({ taskId: Type.String() }),
    maxAttempts: 8,
    // The notification, its mail and the job's completion commit together: one reminder, once.
    transactional: true,
    async handler(payload, ctx) {
      const outcome = await service.remind(ctx.db, payload.taskId, ctx.jobId);
      if (outcome === 'reminded') ctx.logger.info({ taskId: payload.taskId }, 'task reminder sent');
    },
  });
  const service = createTasksService({
    database: deps.database,
    repo: createTasksRepo(deps.database.dialect),
    clock: deps.clock,
    jobs: deps.jobs,
    remindJob: () => remindJob,
    notify: (tx, n) => deps.notifications.notify(tx, n),
  });
  const parts: ModuleParts = {
    name: 'tasks',
    routes: bindRoutes(tasksRoutes, { tasks: service }),
    jobs: [remindJob],
  };
  return { api: { ...service, remindJob }, parts };
}

export type TasksApi = ReturnType<typeof createTasksModule>['api'];
