/**
 * Serves the built web app (web/dist): its files, and index.html for any other GET that is not an
 * API path, so client-side routes survive a reload. Without a build, explains how to make one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { access } from './access.ts';

export const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

const notBuilt = `<!doctype html><meta charset="utf-8"><title>Leadloop</title>
<p>The web app is not built yet. Run <code>npm start</code> (it builds it) or <code>npm run build</code>.</p>`;

export async function registerWebApp(app: FastifyInstance): Promise<void> {
  const built = existsSync(path.join(webDist, 'index.html'));
  await app.register(async (web) => {
    web.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: access.public('the web app files') };
    });
    if (built) {
      await web.register(fastifyStatic, {
        root: webDist,
        wildcard: false,
        index: false,
        maxAge: '1h',
        setHeaders(res, filePath) {
          // Hashed asset names change with their content, so they can be cached for good.
          if (filePath.includes(`${path.sep}assets${path.sep}`)) {
            res.header('cache-control', 'public, max-age=31536000, immutable');
          }
        },
      });
    }
    web.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const p = request.url.split('?')[0] ?? '/';
      // API paths and missing files (anything with an extension) are real 404s, not the app.
      if (p === '/api' || p.startsWith('/api/') || /\.[a-z0-9]+$/i.test(p)) {
        return reply.callNotFound();
      }
      reply.header('cache-control', 'no-cache');
      if (!built) return reply.type('text/html').send(notBuilt);
      return reply.sendFile('index.html');
    });
  });
}
