/** Mail module: every outgoing message goes through the outbox; SMTP when configured. */
import type { Clock } from '../../platform/clock.ts';
import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/db.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import { createMailRepo } from './mail.repo.ts';
import { mailRoutes } from './mail.routes.ts';
import { createMailService } from './mail.service.ts';

export type { MailMessage, MailService, OutboxEntry } from './mail.service.ts';

export function createMailModule(deps: { database: Database; clock: Clock; jobs: JobQueue; config: Config }) {
  const api = createMailService({ ...deps, repo: createMailRepo() });
  const parts: ModuleParts = {
    name: 'mail',
    routes: bindRoutes(mailRoutes, { mail: api }),
    jobs: [api.deliver],
  };
  return { api, parts };
}
