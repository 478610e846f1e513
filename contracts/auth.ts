import type { ErrorSpec } from './errors.ts';

export const roles = ['admin', 'marketing', 'sales_manager', 'sales_rep'] as const;
export type Role = (typeof roles)[number];

/** API key scopes. `admin` grants every scope. */
export const scopes = ['leads:read', 'leads:write', 'deals:read', 'deals:write', 'capture', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export const roleLabels: Record<Role, string> = {
  admin: 'Admin',
  marketing: 'Marketing',
  sales_manager: 'Sales manager',
  sales_rep: 'Sales rep',
};

export const authErrors = {
  INVALID_CREDENTIALS: { status: 401, kind: 'auth', description: 'The email or password is wrong.' },
  ACCOUNT_LOCKED: {
    status: 429,
    kind: 'auth',
    description:
      'Too many failed logins for this account; it is locked until the time in Retry-After passes.',
  },
  CURRENT_PASSWORD_WRONG: {
    status: 422,
    kind: 'user',
    description: 'The current password given to change a password is wrong.',
  },
  SETUP_ALREADY_DONE: {
    status: 409,
    kind: 'conflict',
    description: 'First-run setup is only possible while no user exists.',
  },
  USER_NOT_FOUND: { status: 404, kind: 'user', description: 'No user has this id.' },
  USER_EMAIL_TAKEN: { status: 409, kind: 'conflict', description: 'Another user already has this email.' },
  LAST_ADMIN: {
    status: 422,
    kind: 'user',
    description: 'The change would leave no active admin; promote another admin first.',
  },
  API_KEY_NOT_FOUND: { status: 404, kind: 'user', description: 'No API key has this id.' },
} as const satisfies Record<string, ErrorSpec>;
