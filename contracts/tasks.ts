/**
 * Tasks: a title, notes, a due time, an optional reminder, an assignee and optionally a lead.
 * Shared by the server and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IsoDate = Type.String({ format: 'date-time' });
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const taskStatuses = ['open', 'done'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const taskLimits = { titleLength: 300, notesLength: 5000 } as const;

/** Something to read: not empty, not only spaces. */
const Title = Type.String({ minLength: 1, maxLength: taskLimits.titleLength, pattern: '\\S' });

export const TaskInput = Type.Object(
  {
    title: Title,
    notes: Type.Optional(Type.String({ maxLength: taskLimits.notesLength })),
    dueAt: IsoDate,
    reminderAt: Type.Optional(
      Nullable(
        Type.String({
          format: 'date-time',
          description: 'When to remind the assignee (in the app and by email); must be in the future',
        }),
      ),
    ),
    assigneeId: Type.Optional(Id),
    leadId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);
export type TaskInput = Static<typeof TaskInput>;

export const TaskPatch = Type.Object(
  {
    title: Type.Optional(Title),
    notes: Type.Optional(Type.String({ maxLength: taskLimits.notesLength })),
    dueAt: Type.Optional(IsoDate),
    reminderAt: Type.Optional(Nullable(IsoDate)),
    assigneeId: Type.Optional(Id),
    leadId: Type.Optional(Nullable(Id)),
    status: Type.Optional(
      Type.Enum(taskStatuses, { description: 'done completes the task; open reopens it' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TaskPatch = Static<typeof TaskPatch>;

export const Task = Type.Object({
  id: Type.String(),
  title: Type.String(),
  notes: Type.String(),
  dueAt: IsoDate,
  reminderAt: Nullable(IsoDate),
  remindedAt: Nullable(IsoDate),
  status: Type.Enum(taskStatuses),
  /** Open and due before now. */
  overdue: Type.Boolean(),
  assignee: Type.Object({ id: Type.String(), name: Type.String() }),
  lead: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  doneAt: Nullable(IsoDate),
  doneBy: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type Task = Static<typeof Task>;

export const TasksQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    assigneeId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          '"me" (the default without leadId), a user id, or "any" (the default with leadId). Others\' tasks: managers and admins, or anyone for the tasks of one lead',
      }),
    ),
    leadId: Type.Optional(Id),
    status: Type.Optional(Type.Enum([...taskStatuses, 'all'], { description: 'Default: all' })),
    dueBefore: Type.Optional(IsoDate),
    dueAfter: Type.Optional(IsoDate),
    overdue: Type.Optional(Type.Boolean({ description: 'true: open and past due; false: the others' })),
    sort: Type.Optional(Type.Enum(['dueAt', '-dueAt'], { description: 'Default dueAt (soonest first)' })),
  },
  { additionalProperties: false },
);
export type TasksQuery = Static<typeof TasksQuery>;

export const TaskPage = Type.Object({ data: Type.Array(Task), nextCursor: Nullable(Type.String()) });
export type TaskPage = Static<typeof TaskPage>;

export const taskErrors = {
  TASK_NOT_FOUND: { status: 404, kind: 'user', description: 'No task has this id.' },
  TASK_INVALID: {
    status: 422,
    kind: 'user',
    description:
      'The task cannot be saved as given: the assignee is not an active user, the lead does not exist, or the reminder time has passed (details name the field).',
  },
  TASK_NOT_YOURS: {
    status: 403,
    kind: 'auth',
    description:
      "Tasks are changed by their assignee, their creator or an admin; other people's task lists are for managers and admins.",
  },
} as const satisfies Record<string, ErrorSpec>;
