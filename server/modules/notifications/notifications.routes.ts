import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  Notification,
  NotificationPage,
  NotificationPreferences,
  NotificationPreferencesInput,
  NotificationsQuery,
} from '../../../contracts/notifications.ts';
import { AppError } from '../../platform/errors.ts';
import { access, type Principal } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import type { NotificationsService } from './notifications.service.ts';

const tags = ['notifications'];
const people = access.signedIn();

/** Notifications belong to people; the route's access already keeps API keys out. */
const userIdOf = (p: Principal | null): string => {
  if (p?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return p.userId;
};

export const notificationsRoutes: FastifyPluginAsyncTypebox<{ notifications: NotificationsService }> = async (
  app,
  { notifications },
) => {
  app.get(
    '/api/v1/notifications',
    {
      config: { access: people },
      schema: {
        tags,
        summary: 'Your notifications, newest first, with the number unread',
        querystring: NotificationsQuery,
        response: { 200: NotificationPage, ...errorResponses() },
      },
    },
    async (request) => notifications.list(userIdOf(request.principal), request.query),
  );

  app.post(
    '/api/v1/notifications/:id/read',
    {
      config: { access: people },
      schema: {
        tags,
        summary: 'Mark one notification read',
        params: IdParams,
        response: { 200: Notification, ...errorResponses(404) },
      },
    },
    async (request) => notifications.markRead(userIdOf(request.principal), request.params.id),
  );

  app.post(
    '/api/v1/notifications/read-all',
    {
      config: { access: people },
      schema: {
        tags,
        summary: 'Mark all your notifications read',
        response: { 200: Type.Object({ updated: Type.Integer() }), ...errorResponses() },
      },
    },
    async (request) => notifications.markAllRead(userIdOf(request.principal)),
  );

  app.get(
    '/api/v1/notifications/preferences',
    {
      config: { access: people },
      schema: {
        tags,
        summary: 'Which kinds of notification you also get by email',
        response: { 200: NotificationPreferences, ...errorResponses() },
      },
    },
    async (request) => ({ data: await notifications.preferences(userIdOf(request.principal)) }),
  );

  app.put(
    '/api/v1/notifications/preferences',
    {
      config: { access: people },
      schema: {
        tags,
        summary: 'Turn email copies of notification kinds on or off',
        description: 'Kinds not listed keep their setting. In-app notifications are always kept.',
        body: NotificationPreferencesInput,
        response: { 200: NotificationPreferences, ...errorResponses() },
      },
    },
    async (request) => ({
      data: await notifications.setPreferences(userIdOf(request.principal), request.body),
    }),
  );
};
