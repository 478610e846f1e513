/**
 * In-app notifications and their email copies. Modules call `notify` inside the transaction of
 * the change that causes it (an assignment, an SLA job, a task reminder): the notification row and
 * its mail in the outbox commit with that change or not at all. The email goes out unless the
 * recipient turned that kind off on their account page.
 *
 * Notifications about a lead follow the lead rule (docs/permissions.md): one is written only when
 * its recipient sees the lead, and a person's list shows only those about leads they still see.
 * They follow their lead through merges, erasures and deletions.
 */
import {
  type Notification,
  type NotificationKind,
  type NotificationPage,
  type NotificationPreference,
  type NotificationPreferencesInput,
  type NotificationsQuery,
  notificationKindLabels,
  notificationKinds,
  notificationPath,
} from '../../../contracts/notifications.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { NotificationsTable } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import { type LeadDataListener, movedIds } from '../leads/index.ts';
import type { MailMessage } from '../mail/index.ts';
import type { LeadScope, PermissionsService } from '../permissions/index.ts';
import type { NotificationsRepo } from './notifications.repo.ts';

export type NewNotification = {
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  leadId?: string | null;
  taskId?: string | null;
};

type Deps = {
  database: Database;
  repo: NotificationsRepo;
  clock: Clock;
  /** Queues a mail in the caller's transaction (the mail module's outbox). */
  mail: (tx: Tx, message: MailMessage) => Promise<unknown>;
  /** The URL people reach Leadloop at, for links in emails. */
  publicUrl: () => string;
  /** The lead rule: whether the recipient sees the lead a notification is about. */
  permissions: Pick<PermissionsService, 'viewerOfUser' | 'canSeeLead'>;
};

function view(r: NotificationsTable): Notification {
  return {
    id: r.id,
    kind: r.kind as NotificationKind,
    type: r.kind,
    leadId: r.lead_id,
    taskId: r.task_id,
    title: r.title,
    body: r.body,
    createdAt: iso(Number(r.created_at)),
    readAt: r.read_at === null ? null : iso(Number(r.read_at)),
  };
}

const utc = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A time for people in notification texts (the server knows no reader's zone: UTC, said so). */
export function humanTime(ms: number): string {
  return `${utc.format(new Date(ms))} UTC`;
}

/** The title a notification about an erased lead keeps (its own named the person). */
export function erasedNotificationTitle(kind: string): string {
  const label = notificationKindLabels[kind as NotificationKind]?.label ?? 'Notification';
  return `${label}: erased lead`;
}

/** Where a notification points to in the web app. */
export function linkOf(
  n: { kind: string; leadId?: string | null; taskId?: string | null },
  base: string,
): string {
  return `${base}${notificationPath(n)}`;
}

export function createNotificationsService({ database, repo, clock, mail, publicUrl, permissions }: Deps) {
  const db = database.db;

  /** Whether a user wants this kind by email (on unless they turned it off). */
  async function emailWanted(tx: Tx, userId: string, kind: NotificationKind): Promise<boolean> {
    const rows = await repo.preferences(tx, userId);
    const row = rows.find((r) => r.kind === kind);
    return row ? Number(row.email) === 1 : true;
  }

  /** Whether the user sees the lead (a notification about a lead names a person of it). */
  async function recipientSees(tx: Tx, userId: string, leadId: string): Promise<boolean> {
    const viewer = await permissions.viewerOfUser(tx, userId);
    return viewer !== undefined && (await permissions.canSeeLead(tx, viewer, leadId));
  }

  /**
   * Notifies a user in the caller's transaction: the bell, and an email unless they opted out.
   * A notification about a lead the user does not see is not written (null): it would name a person
   * outside their leads and link to a page that answers 404.
   */
  async function notify(tx: Tx, n: NewNotification): Promise<string | null> {
    if (n.leadId && !(await recipientSees(tx, n.userId, n.leadId))) return null;
    const now = clock.now();
    const id = newId('ntf', now);
    await repo.insert(tx, {
      id,
      user_id: n.userId,
      kind: n.kind,
      lead_id: n.leadId ?? null,
      task_id: n.taskId ?? null,
      title: n.title.slice(0, 300),
      body: n.body.slice(0, 4000),
      created_at: now,
      read_at: null,
    });
    const to = await repo.recipient(tx, n.userId);
    if (to && Number(to.active) === 1 && to.email && (await emailWanted(tx, n.userId, n.kind))) {
      const base = publicUrl();
      const link = linkOf(n, base);
      const label = notificationKindLabels[n.kind].label;
      await mail(tx, {
        to: to.email,
        subject: n.title,
        text: [
          `Hello ${to.name},`,
          '',
          n.body,
          '',
          `${n.leadId ? 'Open the lead' : n.taskId ? 'Open your tasks' : 'Open Leadloop'}: ${link}`,
          '',
          `-- You get "${label}" emails from Leadloop. Turn them off on your account page: ${base}/account`,
        ].join('\n'),
        category: 'notification',
        related: n.leadId
          ? { type: 'lead', id: n.leadId }
          : n.taskId
            ? { type: 'task', id: n.taskId }
            : undefined,
      });
    }
    return id;
  }

  async function list(userId: string, scope: LeadScope, q: NotificationsQuery): Promise<NotificationPage> {
    const limit = q.limit ?? 50;
    const before = q.cursor
      ? (([at, id]) => ({ at: Number(at), id: String(id) }))(decodeCursor(q.cursor, 2))
      : undefined;
    const rows = await repo.list(db, userId, scope, { limit: limit + 1, before, unread: q.unread });
    const page = pageOf(rows, limit, view, (r) => encodeCursor([Number(r.created_at), r.id]));
    return { ...page, unread: await repo.unreadCount(db, userId, scope) };
  }

  async function markRead(userId: string, scope: LeadScope, id: string): Promise<Notification> {
    return db.transaction().execute(async (tx) => {
      const row = await repo.get(tx, userId, scope, id);
      if (!row) throw new AppError('NOTIFICATION_NOT_FOUND', `No notification ${id} of yours`);
      await repo.markRead(tx, userId, scope, [id], clock.now());
      return view((await repo.get(tx, userId, scope, id))!);
    });
  }

  async function markAllRead(userId: string, scope: LeadScope): Promise<{ updated: number }> {
    return { updated: await repo.markRead(db, userId, scope, 'all', clock.now()) };
  }

  async function preferences(userId: string, tx: Tx = db): Promise<NotificationPreference[]> {
    const rows = new Map((await repo.preferences(tx, userId)).map((r) => [r.kind, Number(r.email) === 1]));
    const role = (await repo.recipient(tx, userId))?.role;
    return notificationKinds
      .filter((kind) => {
        const roles = notificationKindLabels[kind].roles as readonly string[] | undefined;
        return !roles || (role !== undefined && roles.includes(role));
      })
      .map((kind) => {
        const { label, description } = notificationKindLabels[kind];
        return { kind, label, description, email: rows.get(kind) ?? true };
      });
  }

  async function setPreferences(
    userId: string,
    input: NotificationPreferencesInput,
  ): Promise<NotificationPreference[]> {
    return db.transaction().execute(async (tx) => {
      const now = clock.now();
      for (const p of input.preferences) await repo.setPreference(tx, userId, p.kind, p.email, now);
      return preferences(userId, tx);
    });
  }

  /**
   * Notifications follow their lead: a merge moves them to the survivor (un-merge moves them back),
   * an erasure replaces their texts (they name the person), a deletion removes them. Copies already
   * sent by email are the mail module's (its outbox).
   */
  const leadData: LeadDataListener = {
    name: 'notifications',
    async merged(tx, m) {
      const ids = await repo.idsOfLead(tx, m.mergedId);
      await repo.moveTo(tx, ids, m.mergedId, m.survivorId);
      return ids;
    },
    async unmerged(tx, m, moved) {
      const ids = movedIds(moved);
      await repo.moveTo(tx, ids, m.survivorId, m.mergedId);
    },
    async erased(tx, leadIds) {
      for (const n of await repo.ofLeads(tx, leadIds))
        await repo.setText(tx, n.id, erasedNotificationTitle(n.kind), '');
    },
    async deleted(tx, leadIds) {
      await repo.removeOfLeads(tx, leadIds);
    },
  };

  return { notify, list, markRead, markAllRead, preferences, setPreferences, emailWanted, leadData };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
