/**
 * Secrets Leadloop needs but no one should have to invent: generated on first run and stored in
 * the database, so every instance sharing it uses the same ones. LEADLOOP_SECRET_KEY overrides.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import type { Database } from './db/db.ts';

export type Secrets = {
  /** HMAC key for session tokens, API keys and signed links. */
  readonly signingKey: string;
};

export async function loadSecrets(database: Database, config: Config, now: number): Promise<Secrets> {
  if (config.secretKey) return { signingKey: config.secretKey };
  const db = database.db;
  await db
    .insertInto('app_secrets')
    .values({ name: 'signing_key', value: randomBytes(32).toString('base64url'), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('app_secrets')
    .select('value')
    .where('name', '=', 'signing_key')
    .executeTakeFirstOrThrow();
  return { signingKey: row.value };
}

/** A keyed hash for storing tokens: useless to anyone who has the table but not the key. */
export function keyedHash(secrets: Secrets, value: string): string {
  return createHmac('sha256', secrets.signingKey).update(value).digest('hex');
}
