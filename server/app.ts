/**
 * buildApp(config) assembles the HTTP app without listening: main.ts listens, tests inject.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Config } from './platform/config.ts';
import { AppError } from './platform/errors.ts';
import { accessControl } from './platform/http/access.ts';
import { registerErrorHandling } from './platform/http/error-handler.ts';
import { idempotency } from './platform/http/idempotency.ts';
import { registerOpenApi } from './platform/http/openapi.ts';
import { ErrorResponse } from './platform/http/schemas.ts';
import { securityHeadersPlugin } from './platform/http/security-headers.ts';
import { validatorCompiler } from './platform/http/validation.ts';
import { registerWebApp } from './platform/http/web-app.ts';
import { newId } from './platform/ids.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';

declare module 'fastify' {
  interface FastifyInstance {
    runtime: Runtime;
  }
}

const requestIdPattern = /^[\w.:-]{1,64}$/;

/** One log line per request, when it ends; health probes only at debug level. */
class RequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(
    error: Error | null,
    request: Parameters<LogController['requestCompleted']>[1],
    reply: Parameters<LogController['requestCompleted']>[2],
  ): void {
    const url = request.url.split('?')[0];
    const line = {
      method: request.method,
      url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request failed');
    else if (url === '/api/health' || url === '/api/ready') reply.log.debug(line, 'request');
    else reply.log.info(line, 'request');
  }
}

export async function buildApp(
  config: Config,
  options: RuntimeOptions & { runtime?: Runtime } = {},
): Promise<FastifyInstance> {
  const runtime = options.runtime ?? (await createRuntime(config, options));
  const app = Fastify({
    loggerInstance: runtime.logger.child({ role: 'web' }) as FastifyBaseLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : newId('req');
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    logController: new RequestLog(),
  });

  app.decorate('runtime', runtime);
  if (!options.runtime) app.addHook('onClose', async () => runtime.close());
  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandling(app);
  app.addSchema(ErrorResponse);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(securityHeadersPlugin);
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `Too many requests; retry in ${context.after}.`),
  });
  await app.register(accessControl, { resolvePrincipal: runtime.resolvePrincipal });
  await app.register(idempotency, { database: runtime.database, clock: runtime.clock });
  await registerOpenApi(app);

  for (const module of runtime.modules) {
    for (const plugin of module.plugins ?? []) await app.register(plugin);
  }
  for (const module of runtime.modules) {
    if (module.routes) await app.register(module.routes);
  }
  await registerWebApp(app);
  return app;
}
