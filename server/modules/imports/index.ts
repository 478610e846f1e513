/**
 * Imports module: CSV import of leads (upload stored in the database, preview with header presets,
 * a resumable job through the identity resolver, per-row errors) and CSV export of any lead list.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { LeadsApi } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import { importJob } from './imports.jobs.ts';
import { createImportsRepo } from './imports.repo.ts';
import { importsRoutes } from './imports.routes.ts';
import { createImportsService, type ImportsService } from './imports.service.ts';

export type { ImportsService } from './imports.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  leads: LeadsApi;
  lifecycle: Pick<LifecycleApi, 'evaluate'>;
  /** Rows per transaction (tests and benchmarks tune it). */
  batchSize?: number;
  /** Rows from which a load into a small database defers indexes (tests lower it). */
  bulkMinRows?: number;
  /** Rows after which a load on PostgreSQL first refreshes table statistics (tests lower it). */
  analyzeFirstAt?: number;
};

export function createImportsModule(deps: Deps) {
  let service: ImportsService | undefined;
  const job = importJob(() => service!);
  service = createImportsService({
    database: deps.database,
    repo: createImportsRepo(deps.database.dialect),
    leads: deps.leads,
    jobs: deps.jobs,
    job: () => job,
    audit: deps.audit,
    clock: deps.clock,
    lifecycle: deps.lifecycle,
    batchSize: deps.batchSize,
    bulkMinRows: deps.bulkMinRows,
    analyzeFirstAt: deps.analyzeFirstAt,
  });
  const parts: ModuleParts = {
    name: 'imports',
    routes: bindRoutes(importsRoutes, { imports: service }),
    jobs: [job],
  };
  return { api: service, parts };
}

export type ImportsApi = ReturnType<typeof createImportsModule>['api'];
