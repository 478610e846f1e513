/**
 * In-app notifications (the bell) and their email copies: the kinds, the notification resource,
 * and per-kind email preferences. Shared by the server and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IsoDate = Type.String({ format: 'date-time' });

export const notificationKinds = ['lead.assigned', 'sla.warning', 'sla.escalated', 'task.reminder'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export const notificationKindLabels: Record<NotificationKind, { label: string; description: string }> = {
  'lead.assigned': {
    label: 'New lead assigned',
    description: 'Routing gave you a lead (or you claimed one).',
  },
  'sla.warning': {
    label: 'SLA about to pass',
    description: 'A lead of yours is still waiting for acceptance and its SLA ends soon.',
  },
  'sla.escalated': {
    label: 'SLA passed (escalation)',
    description: 'A lead of your team was not accepted within the SLA (team managers).',
  },
  'task.reminder': { label: 'Task reminder', description: 'The reminder time of one of your tasks came.' },
};

export const Notification = Type.Object({
  id: Type.String(),
  kind: Type.Enum(notificationKinds),
  /** The same as `kind` (the name the routing module's notifications used). */
  type: Type.String(),
  leadId: Nullable(Type.String()),
  taskId: Nullable(Type.String()),
  title: Type.String(),
  body: Type.String(),
  createdAt: IsoDate,
  readAt: Nullable(IsoDate),
});
export type Notification = Static<typeof Notification>;

export const NotificationsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    unread: Type.Optional(Type.Boolean({ description: 'Only unread notifications' })),
  },
  { additionalProperties: false },
);
export type NotificationsQuery = Static<typeof NotificationsQuery>;

export const NotificationPage = Type.Object({
  data: Type.Array(Notification),
  nextCursor: Nullable(Type.String()),
  /** Unread notifications of the caller, all pages (the bell's badge). */
  unread: Type.Integer(),
});
export type NotificationPage = Static<typeof NotificationPage>;

export const NotificationPreference = Type.Object({
  kind: Type.Enum(notificationKinds),
  label: Type.String(),
  description: Type.String(),
  email: Type.Boolean({ description: 'Also send this kind by email (default true)' }),
});
export type NotificationPreference = Static<typeof NotificationPreference>;

export const NotificationPreferences = Type.Object({ data: Type.Array(NotificationPreference) });
export type NotificationPreferences = Static<typeof NotificationPreferences>;

export const NotificationPreferencesInput = Type.Object(
  {
    preferences: Type.Array(
      Type.Object(
        { kind: Type.Enum(notificationKinds), email: Type.Boolean() },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: notificationKinds.length },
    ),
  },
  { additionalProperties: false },
);
export type NotificationPreferencesInput = Static<typeof NotificationPreferencesInput>;

export const notificationErrors = {
  NOTIFICATION_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'No notification of yours has this id.',
  },
} as const satisfies Record<string, ErrorSpec>;
