/**
 * The shape every domain module hands to the app: its routes, its jobs and its recurring schedules,
 * and app-wide HTTP plugins (hooks that apply to every module's routes).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { JobDefinition, Schedule } from './jobs/jobs.ts';

export type ModuleParts = {
  readonly name: string;
  readonly routes?: FastifyPluginAsync;
  /** Registered at the root before any module's routes (wrap them in fastify-plugin to reach them). */
  readonly plugins?: readonly FastifyPluginAsync[];
  readonly jobs?: readonly JobDefinition[];
  readonly schedules?: readonly Schedule[];
};

/** Binds a route plugin to its options, so the app can register it without knowing them. */
export function bindRoutes<O extends Record<string, unknown>>(
  // biome-ignore lint/suspicious/noExplicitAny: type-provider-specific instance types vary by plugin
  plugin: (app: any, options: O) => Promise<void>,
  options: O,
): FastifyPluginAsync {
  return async (app) => {
    await app.register(plugin as FastifyPluginAsync<O>, options);
  };
}
