/**
 * Notifications module: in-app notifications (the bell) for new assignments, SLA warnings and
 * escalations, and task reminders, each also sent by email through the mail module unless the
 * person turned that kind off.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { LeadsApi } from '../leads/index.ts';
import type { MailMessage } from '../mail/index.ts';
import type { PermissionsService } from '../permissions/index.ts';
import { createNotificationsRepo } from './notifications.repo.ts';
import { notificationsRoutes } from './notifications.routes.ts';
import { createNotificationsService } from './notifications.service.ts';

export {
  erasedNotificationTitle,
  humanTime,
  type NewNotification,
  type NotificationsService,
} from './notifications.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  mail: (tx: Tx, message: MailMessage) => Promise<unknown>;
  publicUrl: () => string;
  permissions: Pick<PermissionsService, 'viewerOfUser' | 'canSeeLead'>;
  /** Notifications follow their lead through merges, erasures and deletions. */
  leads: Pick<LeadsApi, 'onLeadData'>;
};

export function createNotificationsModule(deps: Deps) {
  const api = createNotificationsService({ ...deps, repo: createNotificationsRepo() });
  deps.leads.onLeadData(api.leadData);
  const parts: ModuleParts = {
    name: 'notifications',
    routes: bindRoutes(notificationsRoutes, { notifications: api }),
  };
  return { api, parts };
}

export type NotificationsApi = ReturnType<typeof createNotificationsModule>['api'];
