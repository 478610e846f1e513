import type { ColumnType } from 'kysely';

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

/**
 * A JSON column: jsonb on PostgreSQL (the driver returns parsed values), text on SQLite (a string).
 * Written as a JSON string; read through `fromJson`.
 */
export type JsonColumn = ColumnType<unknown, string, string>;

export type CompaniesTable = {
  id: string;
  domain: string;
  name: string | null;
  industry: string | null;
  employees: number | null;
  country: string | null;
  owner_id: string | null;
  created_at: number;
  updated_at: number;
};

export type CustomFieldsTable = {
  id: string;
  key: string;
  label: string;
  type: string;
  options: string; // JSON array
  help_text: string | null;
  merge_rule: string;
  position: number;
  archived_at: number | null;
  created_at: number;
  updated_at: number;
};

export type LeadFieldRulesTable = { field: string; merge_rule: string; updated_at: number };

export type LeadsTable = {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  job_title: string | null;
  company_name: string | null;
  company_id: string | null;
  website: string | null;
  country: string | null;
  city: string | null;
  industry: string | null;
  company_size: number | null;
  lifecycle_stage: string;
  owner_id: string | null;
  custom_fields: JsonColumn;
  consent: JsonColumn;
  field_times: string; // JSON: field → epoch ms its value was set
  search_text: string;
  source: string;
  merged_into: string | null;
  erased_at: number | null;
  created_at: number;
  updated_at: number;
};

export type LeadIdentitiesTable = {
  kind: string;
  system: string;
  value: string;
  lead_id: string;
  created_at: number;
};

export type TouchpointsTable = {
  id: string;
  lead_id: string;
  type: string;
  occurred_at: number;
  source: string;
  actor_type: string | null;
  actor_id: string | null;
  actor_label: string | null;
  properties: JsonColumn;
  created_at: number;
};

export type LeadMergesTable = {
  id: string;
  survivor_id: string;
  merged_id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  snapshot: string;
  undone_at: number | null;
  undone_by: string | null;
};

export type ConsentEventsTable = {
  id: string;
  lead_id: string;
  purpose: string;
  status: string;
  source: string;
  text_version: string | null;
  at: number;
};

export type ErasedEmailsTable = { hash: string; erased_at: number };

export type SavedViewsTable = {
  id: string;
  owner_id: string;
  resource: string;
  name: string;
  definition: string;
  shared: number;
  created_at: number;
  updated_at: number;
};

export type ImportsTable = {
  id: string;
  status: string;
  filename: string;
  size: number;
  chunk_count: number;
  encoding: string;
  delimiter: string;
  headers: string; // JSON array
  options: string | null; // JSON
  dry_run: number;
  rows_done: number;
  bytes_done: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  error_count: number;
  message: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
};

export type ImportChunksTable = { import_id: string; seq: number; data: Uint8Array };

export type ImportErrorsTable = {
  import_id: string;
  row_no: number;
  seq: number;
  column_name: string | null;
  field: string;
  rule: string;
  message: string;
  value: string | null;
};

export type MailOutboxTable = {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  category: string;
  related_type: string | null;
  related_id: string | null;
  status: string;
  message_id: string | null;
  error: string | null;
  created_at: number;
  sent_at: number | null;
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
  companies: CompaniesTable;
  custom_fields: CustomFieldsTable;
  lead_field_rules: LeadFieldRulesTable;
  leads: LeadsTable;
  lead_identities: LeadIdentitiesTable;
  touchpoints: TouchpointsTable;
  lead_merges: LeadMergesTable;
  consent_events: ConsentEventsTable;
  erased_emails: ErasedEmailsTable;
  saved_views: SavedViewsTable;
  mail_outbox: MailOutboxTable;
  imports: ImportsTable;
  import_chunks: ImportChunksTable;
  import_errors: ImportErrorsTable;
};

/** Reads a JSON column on either dialect. */
export function fromJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') return value === '' ? fallback : (JSON.parse(value) as T);
  return value as T;
}
