// The seeded scoring model (v1) read a page view's path from a flat `path` property, as the demo
// data used to write it alone. Page views from the tracking snippet and from forms carry it as
// `page.path` (contracts/capture.ts), so a live pricing visit scored as a plain page view. On an
// installation that has scored nothing yet (no leads, v1 its only version, as seeded), v1 is
// corrected in place: no score, state or history was ever computed under the old wording.
// Anywhere else v1 stays as it was published; a new version in the scoring editor makes the
// change there, with a backtest before it is published.
import { type Kysely, sql } from 'kysely';

const flat = [{ path: 'path', op: 'matches', value: '/pricing*' }];
const nested = [{ path: 'page.path', op: 'matches', value: '/pricing*' }];

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
async function rewrite(db: Kysely<any>, from: unknown, to: unknown): Promise<void> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from leads`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) return;
  const models = await db.selectFrom('scoring_models').select(['version', 'status', 'definition']).execute();
  const only = models.length === 1 ? models[0] : undefined;
  if (!only || Number(only.version) !== 1 || only.status !== 'published') return;
  const definition = JSON.parse(only.definition) as {
    engagement?: { rules?: { id: string; behavior?: { where?: unknown } }[] };
  };
  const rule = definition.engagement?.rules?.find((r) => r.id === 'pricing');
  if (!rule?.behavior || JSON.stringify(rule.behavior.where) !== JSON.stringify(from)) return;
  rule.behavior.where = to;
  await db
    .updateTable('scoring_models')
    .set({ definition: JSON.stringify(definition) })
    .where('version', '=', 1)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see rewrite
export async function up(db: Kysely<any>): Promise<void> {
  await rewrite(db, flat, nested);
}

// biome-ignore lint/suspicious/noExplicitAny: see rewrite
export async function down(db: Kysely<any>): Promise<void> {
  await rewrite(db, nested, flat);
}
