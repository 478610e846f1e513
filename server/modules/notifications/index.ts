/**
 * Notifications module: in-app notifications (the bell) for new assignments, SLA warnings and
 * escalations, and task reminders, each also sent by email through the mail module unless the
 * person turned that kind off.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { MailMessage } from '../mail/index.ts';
import { createNotificationsRepo } from './notifications.repo.ts';
import { notificationsRoutes } from './notifications.routes.ts';
import { createNotificationsService } from './notifications.service.ts';

export { humanTime, type NewNotification, type NotificationsService } from './notifications.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  mail: (tx: Tx, message: MailMessage) => Promise<unknown>;
  publicUrl: () => string;
};

export function createNotificationsModule(deps: Deps) {
  const api = createNotificationsService({ ...deps, repo: createNotificationsRepo() });
  const parts: ModuleParts = {
    name: 'notifications',
    routes: bindRoutes(notificationsRoutes, { notifications: api }),
  };
  return { api, parts };
}

export type NotificationsApi = ReturnType<typeof createNotificationsModule>['api'];
