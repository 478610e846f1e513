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
  // First and last touch (attribution module). Optional: writers of a lead row need not name them.
  first_touch?: string | null; // JSON
  first_touch_channel?: string | null;
  first_touch_campaign_id?: string | null;
  first_touch_at?: number | null;
  last_touch?: string | null; // JSON
  last_touch_channel?: string | null;
  last_touch_campaign_id?: string | null;
  last_touch_at?: number | null;
  // Scores (written by scoring; read-only on the lead view). Optional for writers, like the touches.
  score_fit?: number;
  score_engagement?: number;
  score_total?: number;
  fit_grade?: string | null;
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
  // Attribution (set on insert by the attribution module; null where a touchpoint is no touch).
  channel?: string | null;
  campaign_id?: string | null;
  utm_source?: string | null; // lower-cased
  utm_medium?: string | null;
  utm_campaign?: string | null;
  rule_version?: number | null;
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

/** An index a bulk load dropped, to be built again from its definition (SQLite). */
export type DeferredIndexesTable = { name: string; definition: string; owner: string; deferred_at: number };

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

/** Events of anonymous visitors (tracking), kept until the visitor is identified. */
export type VisitorEventsTable = {
  id: string;
  visitor_id: string;
  type: string; // page_viewed | event
  occurred_at: number;
  properties: string; // JSON, the touchpoint properties (contracts/capture.ts)
  received_at: number;
};

/** Every identity stitch: a visitor's browser joined to a lead, and whether it was undone. */
export type VisitorStitchesTable = {
  id: string;
  visitor_id: string;
  lead_id: string;
  reason: string; // identify | form | api
  outcome: string; // linked | separate_person | same_person
  previous_lead_id: string | null;
  event_count: number;
  note: string;
  actor_type: string | null;
  actor_id: string | null;
  actor_label: string | null;
  at: number;
  undone_at: number | null;
  undone_by: string | null;
  undone_events: number | null;
};

/** Tracking settings: one row (id 'default'). */
export type TrackingSettingsTable = {
  id: string;
  allowed_domains: string; // JSON array
  require_consent: number;
  same_browser_same_person: number;
  updated_at: number;
  updated_by: string | null;
};

/** Forms built in the builder; `definition` holds fields, consents and settings (JSON). */
export type FormsTable = {
  id: string;
  slug: string;
  name: string;
  status: string; // draft | published | archived
  definition: string;
  hubspot_form_guid: string | null;
  submission_count: number;
  spam_count: number;
  last_submission_at: number | null;
  published_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
};

/** Every version of every consent text a form showed; its id is the textVersion leads record. */
export type FormConsentVersionsTable = {
  id: string;
  form_id: string;
  consent_key: string;
  version: number;
  purpose: string;
  text: string;
  created_at: number;
};

export type FormSubmissionsTable = {
  id: string;
  form_id: string;
  status: string; // accepted | pending | confirmed | spam
  spam_reason: string | null;
  disposable: number;
  lead_id: string | null;
  email: string | null;
  data: string; // JSON
  consents: string; // JSON
  page_url: string | null;
  utm: string; // JSON
  visitor_id: string | null;
  via: string;
  token_id: string | null;
  ip_hash: string | null;
  user_agent: string | null;
  created_at: number;
  confirmed_at: number | null;
};

/** Published channel rule sets; `version` counts up from 1 (the defaults). */
export type ChannelRuleVersionsTable = {
  version: number;
  definition: string; // JSON (contracts/attribution.ts RuleSetDefinition)
  note: string | null;
  published_at: number;
  published_by: string | null;
};

/** The one shared draft of the channel rules (id 'draft'). */
export type ChannelRuleDraftTable = {
  id: string;
  definition: string;
  based_on: number;
  updated_at: number;
  updated_by: string | null;
};

/** Reclassification runs over touchpoint history, with their checkpoint and progress. */
export type AttributionRunsTable = {
  id: string;
  reason: string; // publish | campaign
  rule_version: number;
  campaign_keys: string | null; // JSON array of utm_campaign values, or null for all
  status: string;
  total: number;
  done: number;
  changed: number;
  leads_updated: number;
  checkpoint: string | null;
  message: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
};

export type CampaignsTable = {
  id: string;
  name: string;
  channel: string;
  status: string;
  start_date: string | null; // YYYY-MM-DD
  end_date: string | null;
  description: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
};

/** utm_campaign values (lower-cased) and the campaign each maps to. */
export type CampaignKeysTable = { key: string; campaign_id: string };

export type CampaignCostsTable = {
  id: string;
  campaign_id: string;
  date: string; // YYYY-MM-DD
  amount: number; // minor units
  currency: string; // ISO 4217
  note: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
};

/** Predictive model training runs; a completed run is a model version (predict module). */
export type PredictModelsTable = {
  id: string;
  version: number | null;
  status: string; // queued | running | completed | failed
  trigger: string; // manual | schedule | cli
  phase: string;
  done: number;
  total: number;
  options: string; // JSON
  report: string | null; // JSON
  model: string | null; // JSON
  message: string | null;
  requested_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
};

/** Each open lead's conversion probability under the latest model (predict module). */
export type LeadPredictionsTable = {
  lead_id: string;
  probability: number;
  factors: string; // JSON array of { label, contribution }
  model_id: string;
  model_version: number;
  scored_at: number;
};

export type LeadStageHistoryTable = {
  id: string;
  lead_id: string;
  from_stage: string | null;
  to_stage: string;
  kind: string; // initial | historical | forward | recycle | disqualify | reopen
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  source: string;
  reason: string | null;
  reason_code: string | null;
  policy_version: number | null;
  details: string; // JSON object
};

export type QualificationPoliciesTable = {
  version: number;
  status: string; // draft | proposed | active | superseded | withdrawn
  definition: string; // JSON
  note: string | null;
  created_by_id: string | null;
  created_by_label: string | null;
  created_at: number;
  updated_at: number;
  proposed_at: number | null;
  proposed_by_id: string | null;
  proposed_by_label: string | null;
  activated_at: number | null;
  override: string | null; // JSON { by, reason, at }
  superseded_at: number | null;
};

export type QualificationPolicyApprovalsTable = {
  version: number;
  role: string;
  user_id: string;
  user_label: string | null;
  at: number;
};

export type DomainEventsTable = {
  id: string;
  type: string;
  lead_id: string | null;
  payload: string; // JSON
  occurred_at: number;
};

/** Saved segments: dynamic (a filter, JSON) or static (a list kept by hand). */
export type SegmentsTable = {
  id: string;
  name: string;
  description: string | null;
  kind: string; // dynamic | static
  filter: string | null;
  time_window: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  refreshed_at: number | null;
};

export type SegmentMembersTable = { segment_id: string; lead_id: string; added_at: number };

/** Every lead entering or leaving a segment. */
export type SegmentHistoryTable = {
  id: string;
  segment_id: string;
  lead_id: string;
  change: string; // entered | left
  reason: string; // event | refresh | manual
  at: number;
};

/** Outbound webhook subscriptions (webhooks module). */
export type WebhookSubscriptionsTable = {
  id: string;
  url: string;
  description: string;
  events: string; // JSON array of event types
  secret: string;
  active: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  consecutive_failures: number;
  last_delivery_at: number | null;
  last_delivery_status: string | null;
  /** 1 when made or last changed by a non-admin: public https targets only. */
  restricted: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
};

/** One event for one subscription (webhooks module). */
export type WebhookDeliveriesTable = {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  status: string; // pending | delivered | failed
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
  updated_at: number;
};

/** One HTTP attempt at a delivery (webhooks module). */
export type WebhookAttemptsTable = {
  id: string;
  delivery_id: string;
  attempt: number;
  trigger: string; // automatic | replay | test
  status_code: number | null;
  ok: number;
  duration_ms: number;
  error: string | null;
  response_body: string | null;
  started_at: number;
};

/** Scoring model versions: one draft, one published, the rest retired (definition is JSON). */
export type ScoringModelsTable = {
  version: number;
  status: string;
  definition: string;
  note: string | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
  published_by_label: string | null;
  rescore_total: number | null;
  rescore_done: number | null;
  rescore_changed: number | null;
  rescore_finished_at: number | null;
  backtest: string | null;
};

/** Per lead: the model version its state was built under and, per engagement rule, its event times. */
export type LeadScoresTable = { lead_id: string; version: number; state: string; updated_at: number };

/** A lead's score each time it changed. */
export type LeadScoreHistoryTable = {
  id: string;
  lead_id: string;
  at: number;
  version: number;
  fit: number;
  engagement: number;
  total: number;
  grade: string | null;
  cause: string;
};
// Handoff routing (routing module).
export type RoutingTeamsTable = {
  id: string;
  name: string;
  manager_id: string | null;
  rr_clock: number;
  rr_turns: number;
  created_at: number;
  updated_at: number;
};
export type RoutingTeamMembersTable = {
  team_id: string;
  user_id: string;
  weight: number;
  position: number;
  rr_pass: number;
  rr_last: number;
};
export type RoutingRepsTable = {
  user_id: string;
  out_until: number | null;
  capacity: number | null;
  updated_at: number;
};
export type RoutingRulesTable = {
  id: string;
  position: number;
  name: string;
  condition: string | null;
  is_default: number;
  active: number;
  team_id: string | null;
  strategy: string;
  owner_id: string | null;
  sla_minutes: number | null;
  sla_action: string;
  created_at: number;
  updated_at: number;
};
export type LeadAssignmentsTable = {
  id: string;
  lead_id: string;
  owner_id: string | null;
  team_id: string | null;
  rule_id: string | null;
  rule_name: string | null;
  strategy: string;
  reason: string;
  status: string;
  assigned_at: number;
  sla_due_at: number | null;
  escalated_at: number | null;
  closed_at: number | null;
  closed_by: string | null;
  response_ms: number | null;
  reason_code: string | null;
  note: string | null;
  sla_warned_at: number | null;
  // The first touch by sales (from the activities module's activities).
  first_touch_at: number | null;
  first_touch_activity_id: string | null;
  first_touch_minutes: number | null;
};
export type RoutingSettingsTable = { id: string; value: string; updated_at: number };

// Sales work: activities, tasks (their modules) and in-app notifications (notifications module).
export type ActivitiesTable = {
  id: string;
  lead_id: string;
  deal_id: string | null;
  type: string;
  outcome: string | null;
  occurred_at: number;
  duration_minutes: number | null;
  body: string;
  author_id: string | null;
  author_label: string;
  by_sales: number;
  created_at: number;
  updated_at: number;
};
export type TasksTable = {
  id: string;
  title: string;
  notes: string;
  due_at: number;
  remind_at: number | null;
  reminder_job_id: string | null;
  reminded_at: number | null;
  assignee_id: string;
  lead_id: string | null;
  status: string;
  done_at: number | null;
  done_by: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
};
export type NotificationsTable = {
  id: string;
  user_id: string;
  kind: string;
  lead_id: string | null;
  task_id: string | null;
  title: string;
  body: string;
  created_at: number;
  read_at: number | null;
};
export type NotificationPreferencesTable = {
  user_id: string;
  kind: string;
  email: number;
  updated_at: number;
};

// Pipelines and deals (deals module).
export type PipelinesTable = {
  id: string;
  name: string;
  is_default: number;
  lost_reasons: string; // JSON array of { code, label }
  created_at: number;
  updated_at: number;
};

export type PipelineStagesTable = {
  id: string;
  pipeline_id: string;
  name: string;
  position: number;
  probability: number;
  kind: string; // open | won | lost
  created_at: number;
  updated_at: number;
};

export type DealsTable = {
  id: string;
  name: string;
  pipeline_id: string;
  stage_id: string;
  position: number;
  status: string; // open | won | lost
  amount: number | null; // minor units
  currency: string | null;
  expected_close: string | null; // YYYY-MM-DD
  owner_id: string | null;
  company_id: string | null;
  closed_at: number | null;
  lost_reason_code: string | null;
  lost_reason_label: string | null;
  lost_note: string | null;
  stage_entered_at: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
};

export type DealLeadsTable = {
  deal_id: string;
  lead_id: string;
  is_primary: number;
  position: number;
  added_at: number;
};

export type DealStageHistoryTable = {
  id: string;
  deal_id: string;
  kind: string; // created | moved | won | lost | reopened
  from_stage_id: string | null;
  from_stage_name: string | null;
  to_stage_id: string;
  to_stage_name: string;
  status: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  reason: string | null;
};

export type DB = {
  pipelines: PipelinesTable;
  pipeline_stages: PipelineStagesTable;
  deals: DealsTable;
  deal_leads: DealLeadsTable;
  deal_stage_history: DealStageHistoryTable;
  routing_teams: RoutingTeamsTable;
  routing_team_members: RoutingTeamMembersTable;
  routing_reps: RoutingRepsTable;
  routing_rules: RoutingRulesTable;
  lead_assignments: LeadAssignmentsTable;
  routing_settings: RoutingSettingsTable;
  activities: ActivitiesTable;
  tasks: TasksTable;
  notifications: NotificationsTable;
  notification_preferences: NotificationPreferencesTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  scoring_models: ScoringModelsTable;
  lead_scores: LeadScoresTable;
  lead_score_history: LeadScoreHistoryTable;
  predict_models: PredictModelsTable;
  lead_predictions: LeadPredictionsTable;
  lead_stage_history: LeadStageHistoryTable;
  qualification_policies: QualificationPoliciesTable;
  qualification_policy_approvals: QualificationPolicyApprovalsTable;
  domain_events: DomainEventsTable;
  channel_rule_versions: ChannelRuleVersionsTable;
  channel_rule_draft: ChannelRuleDraftTable;
  attribution_runs: AttributionRunsTable;
  campaigns: CampaignsTable;
  campaign_keys: CampaignKeysTable;
  campaign_costs: CampaignCostsTable;
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
  deferred_indexes: DeferredIndexesTable;
  forms: FormsTable;
  form_consent_versions: FormConsentVersionsTable;
  form_submissions: FormSubmissionsTable;
  visitor_events: VisitorEventsTable;
  visitor_stitches: VisitorStitchesTable;
  tracking_settings: TrackingSettingsTable;
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  segment_history: SegmentHistoryTable;
};

/** Reads a JSON column on either dialect. */
export function fromJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') return value === '' ? fallback : (JSON.parse(value) as T);
  return value as T;
}
