/**
 * Database table types shared by both dialects. Conventions that keep SQLite and PostgreSQL alike:
 * times are epoch milliseconds (`bigint` on PostgreSQL, parsed to number), booleans are 0/1 integers,
 * ids are text, JSON is text unless a table notes otherwise.
 */
export type AppSecretsTable = { name: string; value: string; created_at: number };

export type AppFlagsTable = { name: string; created_at: number };

export type UsersTable = {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  active: number;
  failed_logins: number;
  locked_until: number | null;
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
};

export type SessionsTable = {
  id: string; // sha-256 of the cookie token
  user_id: string;
  csrf_token: string;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
};

export type ApiKeysTable = {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  scopes: string; // JSON array
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
};

export type AuditLogTable = {
  id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: string | null; // JSON object
};

export type JobsTable = {
  id: string;
  name: string;
  payload: string; // JSON
  status: string;
  run_at: number;
  attempts: number;
  max_attempts: number;
  idempotency_key: string | null;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
};

export type JobSchedulesTable = {
  name: string;
  job_name: string;
  payload: string;
  every_ms: number;
  next_run_at: number;
  last_run_at: number | null;
};

export type IdempotencyKeysTable = {
  scope: string;
  key: string;
  fingerprint: string;
  status: string; // 'pending' | 'done'
  response_status: number | null;
  response_body: string | null;
  created_at: number;
  expires_at: number;
};

export type DB = {
  app_secrets: AppSecretsTable;
  app_flags: AppFlagsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  job_schedules: JobSchedulesTable;
  idempotency_keys: IdempotencyKeysTable;
};
