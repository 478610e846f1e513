/**
 * Leadloop's configuration: one schema, read from environment variables and optionally a JSON file
 * (LEADLOOP_CONFIG_FILE; variables win). This is the only place that reads process.env.
 * Secrets have no defaults here: signing keys are generated on first run and stored with the data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Field = { env: string; schema: TSchema; default?: unknown; description: string };

/** Every setting: its variable, its schema, its default and what it does (docs/configuration.md). */
export const configFields = {
  port: {
    env: 'PORT',
    schema: Type.Integer({ minimum: 1, maximum: 65535 }),
    default: 3000,
    description: 'TCP port the web role listens on.',
  },
  host: {
    env: 'HOST',
    schema: Type.String({ minLength: 1 }),
    default: 'localhost',
    description: 'Interface to listen on. Use 0.0.0.0 to accept connections from other machines.',
  },
  dataDir: {
    env: 'LEADLOOP_DATA_DIR',
    schema: Type.String({ minLength: 1 }),
    default: './data',
    description: 'Directory for the embedded SQLite database and other local data.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    schema: Type.String({ pattern: '^postgres(ql)?://' }),
    description: 'PostgreSQL connection URL. When unset, Leadloop uses SQLite in the data directory.',
  },
  databasePoolSize: {
    env: 'DATABASE_POOL_SIZE',
    schema: Type.Integer({ minimum: 1, maximum: 200 }),
    default: 10,
    description: 'Maximum PostgreSQL connections per process.',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    schema: Type.Enum(logLevels),
    default: 'info',
    description: `Log level: ${logLevels.join(', ')}.`,
  },
  publicUrl: {
    env: 'LEADLOOP_PUBLIC_URL',
    schema: Type.String({ pattern: '^https?://[^\\s]+$' }),
    description: 'The URL people reach Leadloop at (used in links in emails). Defaults to http://HOST:PORT.',
  },
  trustProxy: {
    env: 'LEADLOOP_TRUST_PROXY',
    schema: Type.Boolean(),
    default: false,
    description: 'Trust X-Forwarded-* headers (set when running behind a reverse proxy or load balancer).',
  },
  secretKey: {
    env: 'LEADLOOP_SECRET_KEY',
    schema: Type.String({ minLength: 32 }),
    description:
      'Signing key (at least 32 characters). When unset, one is generated on first run and stored in the database.',
  },
  workerConcurrency: {
    env: 'LEADLOOP_WORKER_CONCURRENCY',
    schema: Type.Integer({ minimum: 1, maximum: 64 }),
    default: 4,
    description: 'Jobs a worker process runs at once.',
  },
  jobPollMs: {
    env: 'LEADLOOP_JOB_POLL_MS',
    schema: Type.Integer({ minimum: 10, maximum: 60000 }),
    default: 250,
    description: 'How often an idle worker looks for due jobs, in milliseconds.',
  },
  jobLeaseMs: {
    env: 'LEADLOOP_JOB_LEASE_MS',
    schema: Type.Integer({ minimum: 1000, maximum: 3600000 }),
    default: 60000,
    description:
      'How long a claimed job stays locked without a heartbeat before another worker may retry it.',
  },
  shutdownTimeoutMs: {
    env: 'LEADLOOP_SHUTDOWN_TIMEOUT_MS',
    schema: Type.Integer({ minimum: 0, maximum: 600000 }),
    default: 15000,
    description: 'How long shutdown waits for in-flight requests and jobs before giving up.',
  },
  sessionTtlHours: {
    env: 'LEADLOOP_SESSION_TTL_HOURS',
    schema: Type.Integer({ minimum: 1, maximum: 8760 }),
    default: 168,
    description: 'A login session ends after this many hours without use.',
  },
  loginMaxFailures: {
    env: 'LEADLOOP_LOGIN_MAX_FAILURES',
    schema: Type.Integer({ minimum: 1, maximum: 100 }),
    default: 5,
    description: 'Failed logins in a row after which an account is locked for a while.',
  },
  smtpUrl: {
    env: 'SMTP_URL',
    schema: Type.String({ pattern: '^smtps?://[^\\s]+$' }),
    description:
      'SMTP server for outgoing mail, e.g. smtp://user:password@mail.example.com:587 (smtps:// for TLS on connect). Unset: mail is kept in the outbox, readable under Settings → Outbox.',
  },
  mailFrom: {
    env: 'MAIL_FROM',
    schema: Type.String({ minLength: 3, maxLength: 200 }),
    default: 'Leadloop <leadloop@localhost>',
    description: 'The From address of mail Leadloop sends.',
  },
  formsRateLimit: {
    env: 'LEADLOOP_FORMS_RATE_LIMIT',
    schema: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    default: 30,
    description:
      'Form submissions one IP address may send per minute to the public submit endpoints (hosted page, embed, HubSpot-compatible); more answer 429 with Retry-After. Counted per instance.',
  },
  webhooksAllowHttp: {
    env: 'LEADLOOP_WEBHOOKS_ALLOW_HTTP',
    schema: Type.Boolean(),
    default: false,
    description:
      'Accept plain-http webhook targets on any host. Off: targets must be https, except loopback addresses (127.0.0.1, ::1, localhost), which may use http.',
  },
  slaWarningPercent: {
    env: 'LEADLOOP_SLA_WARNING_PERCENT',
    schema: Type.Integer({ minimum: 0, maximum: 99 }),
    default: 80,
    description:
      'When the "SLA ends soon" notification reaches the owner of an unaccepted lead, in percent of the rule\'s SLA window (80: after 80 % of the business minutes). 0 turns the warning off.',
  },
  loginLockMinutes: {
    env: 'LEADLOOP_LOGIN_LOCK_MINUTES',
    schema: Type.Integer({ minimum: 1, maximum: 1440 }),
    default: 15,
    description: 'How long an account stays locked after too many failed logins.',
  },
  trackRateLimit: {
    env: 'LEADLOOP_TRACK_RATE_LIMIT',
    schema: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    default: 600,
    description:
      'Tracking batches one IP address may send per minute to /api/v1/public/track; more answer 429 with Retry-After. 0 turns the limit off (benchmarks). Counted per instance.',
  },
  trackingAnonymousDays: {
    env: 'LEADLOOP_TRACKING_ANONYMOUS_DAYS',
    schema: Type.Integer({ minimum: 1, maximum: 3650 }),
    default: 395,
    description:
      'Days the events of never-identified visitors are kept (the visitor cookie lives about 13 months); older ones are deleted daily.',
  },
} as const satisfies Record<string, Field>;

type Fields = typeof configFields;
type WithDefault = { [K in keyof Fields]: Fields[K] extends { default: unknown } ? K : never }[keyof Fields];
type WithoutDefault = Exclude<keyof Fields, WithDefault>;

export type Config = Readonly<
  { [K in WithDefault]: Static<Fields[K]['schema']> } & {
    [K in WithoutDefault]?: Static<Fields[K]['schema']>;
  }
>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

/** Parses and validates the whole configuration, collecting every problem instead of stopping at the first. */
export function parseConfig(env: Env, overrides: Partial<Record<keyof Fields, unknown>> = {}): ConfigResult {
  const problems: string[] = [];
  let fileValues: Record<string, unknown> = {};
  const file = env.LEADLOOP_CONFIG_FILE;
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.push(`LEADLOOP_CONFIG_FILE: ${file} must hold a JSON object`);
      } else {
        fileValues = parsed as Record<string, unknown>;
        for (const key of Object.keys(fileValues)) {
          if (!(key in configFields))
            problems.push(`LEADLOOP_CONFIG_FILE: unknown setting "${key}" in ${file}`);
        }
      }
    } catch (error) {
      problems.push(`LEADLOOP_CONFIG_FILE: cannot read ${file} (${(error as Error).message})`);
    }
  }

  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configFields) as [keyof Fields, Field][]) {
    const fromEnv = env[field.env];
    let raw: unknown;
    let source: string;
    if (key in overrides) {
      raw = overrides[key];
      source = key;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      raw = fromEnv;
      source = field.env;
    } else if (key in fileValues) {
      raw = fileValues[key];
      source = `${key} (in ${file})`;
    } else {
      if ('default' in field) out[key] = field.default;
      continue;
    }
    const value = typeof raw === 'string' ? Value.Convert(field.schema, raw.trim()) : raw;
    if (Value.Check(field.schema, value)) {
      out[key] = value;
    } else {
      problems.push(`${source}: ${describeProblem(field.schema, raw)}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: Object.freeze(out) as unknown as Config };
}

function describeProblem(schema: TSchema, raw: unknown): string {
  const shown = JSON.stringify(raw);
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return `${shown} is not one of ${s.enum.join(', ')}`;
  if (s.type === 'integer') {
    const range = [
      s.minimum !== undefined ? `>= ${s.minimum}` : '',
      s.maximum !== undefined ? `<= ${s.maximum}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return `${shown} must be a whole number${range ? ` ${range}` : ''}`;
  }
  if (s.type === 'boolean') return `${shown} must be true or false`;
  if (typeof s.minLength === 'number' && typeof raw === 'string' && raw.length < s.minLength) {
    return `must be at least ${s.minLength} characters`;
  }
  if (typeof s.pattern === 'string') return `${shown} does not look right (expected ${s.pattern})`;
  return `${shown} is not valid`;
}

/** Reads the process environment; the one place that does. */
export function loadConfig(overrides: Partial<Record<keyof Fields, unknown>> = {}): ConfigResult {
  return parseConfig(process.env, overrides);
}

export function resolveDataDir(config: Config): string {
  return path.resolve(config.dataDir);
}

export function publicUrlOf(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
  return `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
}
