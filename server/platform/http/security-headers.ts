/**
 * Security headers (Helmet's, with our policy), worked out once and set on every reply by one
 * cheap hook. The Helmet plugin builds its middleware again on every request; the headers never
 * change, so they are taken once from a throwaway instance that runs it, and copied from then on.
 * Routes still override or remove any of them on their reply (the hosted form page does).
 */
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const helmetOptions: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      upgradeInsecureRequests: null,
    },
  },
  crossOriginEmbedderPolicy: false,
};

/** The headers Helmet sets with these options, as a plain object (computed once per process). */
let computed: Promise<Record<string, string>> | undefined;
export function securityHeaders(): Promise<Record<string, string>> {
  computed ??= (async () => {
    const probe = Fastify({ logger: false });
    await probe.register(helmet, helmetOptions);
    probe.get('/', async (_request, reply) => reply.send(''));
    const plain = Fastify({ logger: false });
    plain.get('/', async (_request, reply) => reply.send(''));
    const [withHelmet, without] = await Promise.all([
      probe.inject({ method: 'GET', url: '/' }),
      plain.inject({ method: 'GET', url: '/' }),
    ]);
    await Promise.all([probe.close(), plain.close()]);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(withHelmet.headers)) {
      if (name in without.headers || value === undefined) continue;
      out[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return out;
  })();
  return computed;
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    const headers = await securityHeaders();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers' },
);
