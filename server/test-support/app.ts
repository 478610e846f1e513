/**
 * An app for route tests: a real database of the given dialect, a manual clock, and helpers to
 * sign in as any role or call with an API key of any scopes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role, Scope } from '../../contracts/auth.ts';
import { buildApp } from '../app.ts';
import { createManualClock } from '../platform/clock.ts';
import { type Config, parseConfig } from '../platform/config.ts';
import type { Dialect } from '../platform/db/db.ts';
import type { RuntimeOptions } from '../runtime.ts';
import { createTestDatabase } from './db.ts';
import { testLogger } from './logger.ts';

export function testConfig(overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const result = parseConfig({}, { logLevel: 'silent', ...overrides });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.config;
}

export type Caller = { headers: Record<string, string>; userId?: string; label: string; password?: string };

export async function createTestApp(
  dialect: Dialect,
  options: {
    configure?: (app: FastifyInstance) => void;
    /** Settings to override (tests of limits). */
    config?: Partial<Record<keyof Config, unknown>>;
  } & Pick<RuntimeOptions, 'importBulkMinRows' | 'importAnalyzeFirstAt'> = {},
) {
  const tdb = await createTestDatabase(dialect);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-data-'));
  const clock = createManualClock(Date.UTC(2026, 10, 22, 9, 0, 0));
  const config = testConfig({ dataDir, ...options.config });
  const app = await buildApp(config, {
    database: tdb,
    clock,
    logger: testLogger,
    importBulkMinRows: options.importBulkMinRows,
    importAnalyzeFirstAt: options.importAnalyzeFirstAt,
  });
  options.configure?.(app);
  await app.ready();
  const runtime = app.runtime;
  let counter = 0;

  async function request(opts: InjectOptions): Promise<LightMyRequestResponse> {
    return app.inject(opts);
  }

  /** Creates a user of the role (through the service) and signs in through the API. */
  async function signIn(role: Role, email?: string): Promise<Caller> {
    counter++;
    const address = email ?? `${role.replace('_', '-')}-${counter}@example.test`;
    const password = `correct horse ${counter} battery`;
    const user = await runtime.api.auth.createUser(
      { type: 'system', label: 'test' },
      { email: address, name: `${role} ${counter}`, role, password },
      { ip: null, userAgent: null },
    );
    return { ...(await signInAs(address, password, user.id)), password };
  }

  async function signInAs(email: string, password: string, userId?: string): Promise<Caller> {
    // A distinct address per sign-in keeps the per-IP login rate limit out of unrelated tests.
    const remoteAddress = `10.0.${Math.floor(counter / 250)}.${(counter % 250) + 1}`;
    counter++;
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password },
      remoteAddress,
    });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === 'leadloop_session');
    if (!cookie) throw new Error('no session cookie');
    return {
      headers: { cookie: `leadloop_session=${cookie.value}`, 'x-csrf-token': res.json().csrfToken },
      userId: userId ?? res.json().user.id,
      label: email,
    };
  }

  async function apiKey(scopes: Scope[]): Promise<Caller> {
    const { secret } = await runtime.api.auth.createApiKey(
      { type: 'system', label: 'test' },
      { name: `test key ${++counter}`, scopes },
      { ip: null, userAgent: null },
    );
    return { headers: { authorization: `Bearer ${secret}` }, label: `key ${scopes.join(',')}` };
  }

  return {
    app,
    runtime,
    clock,
    tdb,
    request,
    signIn,
    signInAs,
    apiKey,
    async close() {
      await app.close();
      await tdb.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
