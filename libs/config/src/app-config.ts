import { SEALER_ROLE } from '@arbiter/migrations';
import { plainToInstance, Transform } from 'class-transformer';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { publicKeyText, readEd25519Key } from './ed25519-key.js';

const DEV_JWT_SECRET = 'arbiter-development-secret-do-not-use-in-production';

/**
 * Secret values written in this repository (the development default, the demo logins, earlier compose
 * defaults): anyone can read them, so production refuses them whatever their length.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  DEV_JWT_SECRET,
  'change-this-compose-jwt-secret',
  'change-me-now',
  'arbiter-admin-demo',
  'arbiter-reviewer-demo',
  'arbiter-reviewer2-demo',
  'arbiter-lead-demo',
  'arbiter-auditor-demo',
];
/** The shortest secret production takes, in bytes (a 256-bit HMAC key). */
export const MIN_SECRET_BYTES = 32;
/** Settings whose values are never printed. */
const SECRET_SETTINGS = new Set([
  'JWT_SECRET',
  'BOOTSTRAP_ADMIN_PASSWORD',
  'METRICS_TOKEN',
  'DATABASE_APP_PASSWORD',
  'DATABASE_SEALER_PASSWORD',
  'AUDIT_SIGNING_KEY',
  'AUDIT_CHECKPOINT_SECRET',
]);
const URL_SETTINGS = new Set(['DATABASE_URL', 'REDIS_URL', 'AUDIT_CHECKPOINT_URL']);

/** DATABASE_URL's server and database, logged in as `role` with `password` (or as its own user, for ''). */
function asRole(databaseUrl: string, role: string, password: string | undefined): string {
  if (!role) return databaseUrl;
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = password ?? '';
  return url.toString();
}

/** Where the API and worker connect: as the application's login role. */
export const appDatabaseUrl = (config: AppConfig) =>
  asRole(config.DATABASE_URL, config.DATABASE_APP_ROLE, config.DATABASE_APP_PASSWORD);

/** Where the worker's audit sealer connects: as the sealer's login role. */
export const sealerDatabaseUrl = (config: AppConfig) =>
  asRole(config.DATABASE_URL, SEALER_ROLE, config.DATABASE_SEALER_PASSWORD);

/** The key the worker's sealer signs audit checkpoints with; null when none is set (it then makes one). */
export const auditSigningKey = (config: AppConfig): KeyObject | null =>
  config.AUDIT_SIGNING_KEY === undefined ? null : readEd25519Key(config.AUDIT_SIGNING_KEY, 'private');

/**
 * The key checkpoint signatures must verify with: AUDIT_PUBLIC_KEY, else the public half of AUDIT_SIGNING_KEY;
 * null when neither is set (then only the key stored with a checkpoint is there to check it with).
 */
export function pinnedAuditKey(config: AppConfig): KeyObject | null {
  if (config.AUDIT_PUBLIC_KEY !== undefined) return readEd25519Key(config.AUDIT_PUBLIC_KEY, 'public');
  const signing = auditSigningKey(config);
  return signing && createPublicKey(signing);
}

/** A URL with any password masked, for messages and logs. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** How a setting's value may appear in an error message. */
function shown(setting: string, value: unknown): string {
  if (SECRET_SETTINGS.has(setting)) return '(hidden)';
  if (URL_SETTINGS.has(setting) && typeof value === 'string') return JSON.stringify(redactUrl(value));
  return JSON.stringify(value);
}

const toList = ({ value }: { value: unknown }): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean)
    : [];

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '5s,30s,2m,10m,30m,1h,2h,5h,15h';

/** `5s,30s,2m,1h` (or bare milliseconds) to milliseconds; a bad entry becomes NaN, which validation names. */
export function parseDurations(text: string): number[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(\d+)(ms|s|m|h)?$/.exec(entry);
      return match ? Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 'ms']! : Number.NaN;
    });
}

const toDurations = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? parseDurations(value) : value;

/** Every setting Arbiter reads from the environment, validated once at boot. */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /**
   * API processes behind PORT: 1 runs the API in this process; more fork that many workers behind a
   * primary that owns the port and routes each socket.io session to the worker holding it.
   */
  @IsInt()
  @Min(1)
  @Max(256)
  API_PROCESSES = availableParallelism();

  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/arbiter';

  /**
   * The login role the API and worker connect as, on DATABASE_URL's server and database (the migrations
   * create it; only `npm run migrate` uses DATABASE_URL's own user). It may only append to the audit log and
   * cannot become anyone else. Empty to connect as DATABASE_URL's user, which must then not be a superuser.
   */
  @Matches(/^([a-z_][a-z0-9_]{0,62})?$/)
  DATABASE_APP_ROLE = 'arbiter_app';

  /** The app role's password (set on it by `npm run migrate`); none where the server trusts local logins. */
  @IsOptional()
  @IsString()
  DATABASE_APP_PASSWORD?: string;

  /** The password of the audit sealer's login role (only the worker's sealer inserts chain links). */
  @IsOptional()
  @IsString()
  DATABASE_SEALER_PASSWORD?: string;

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Key prefix for everything Arbiter keeps in Redis; lets several deployments or test runs share one server. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/)
  REDIS_PREFIX = 'arbiter';

  @IsString()
  @MinLength(16)
  JWT_SECRET = DEV_JWT_SECRET;

  @IsInt()
  @Min(2)
  @Max(7 * 24 * 3600)
  JWT_TTL_SECONDS = 8 * 3600;

  @IsOptional()
  @IsString()
  BOOTSTRAP_ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(8)
  BOOTSTRAP_ADMIN_PASSWORD?: string;

  @Transform(toList)
  WEBHOOK_ALLOW_HOSTS: string[] = [];

  /** Delays between webhook attempts (`5s,30s,2m,1h`, or milliseconds): one more attempt than entries. */
  @Transform(toDurations)
  @IsInt({ each: true, message: 'each entry must be a duration such as 500ms, 5s, 2m or 1h' })
  @Min(0, { each: true })
  @Max(7 * 24 * 3_600_000, { each: true })
  WEBHOOK_RETRY_SCHEDULE: number[] = parseDurations(DEFAULT_WEBHOOK_RETRY_SCHEDULE);

  /** Each webhook attempt, connect to response headers, must finish within this. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** How often the worker looks in Postgres for webhook deliveries that are due (the outbox). */
  @IsInt()
  @Min(20)
  @Max(60_000)
  WEBHOOK_POLL_INTERVAL_MS = 1000;

  /** Webhook attempts one worker process runs at the same time. */
  @IsInt()
  @Min(1)
  @Max(1024)
  WEBHOOK_CONCURRENCY = 32;

  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @IsInt()
  @Min(2)
  @Max(256)
  JSON_MAX_DEPTH = 32;

  @IsInt()
  @Min(1)
  @Max(4096)
  MAX_EXTERNAL_ID_LENGTH = 256;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_COMMENT_LENGTH = 10_000;

  @IsInt()
  @Min(1)
  @Max(1024)
  MAX_METADATA_KEYS = 64;

  @IsInt()
  @Min(1)
  @Max(10_000)
  MAX_BATCH_ITEMS = 500;

  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_SIZE = 20;

  @IsInt()
  @Min(100)
  @Max(600_000)
  RECONCILE_INTERVAL_MS = 5000;

  /** How long the worker waits between passes that seal new audit events into the hash chain. */
  @IsInt()
  @Min(10)
  @Max(60_000)
  AUDIT_SEAL_INTERVAL_MS = 250;

  /** The Ed25519 private key audit checkpoints are signed with (PKCS#8 PEM, or its DER in base64). */
  @IsOptional()
  @IsString()
  AUDIT_SIGNING_KEY?: string;

  /** The public key checkpoints must verify with (SPKI PEM, or its DER in base64), pinned for the API. */
  @IsOptional()
  @IsString()
  AUDIT_PUBLIC_KEY?: string;

  /** The sealer signs a checkpoint of the chain's head at most this often, when it has sealed since the last. */
  @IsInt()
  @Min(0)
  @Max(24 * 3_600_000)
  AUDIT_CHECKPOINT_INTERVAL_MS = 60_000;

  /** Where each new checkpoint is POSTed (best effort), so a copy lives outside the database. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  AUDIT_CHECKPOINT_URL?: string;

  /** The Standard Webhooks secret (`whsec_...`) the checkpoint POSTs are signed with. */
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, { message: 'must be whsec_ and the base64 of 16+ bytes' })
  AUDIT_CHECKPOINT_SECRET?: string;

  /** Events still unsealed this long after they were written are reported by the chain's verification. */
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 3_600_000)
  AUDIT_UNSEALED_BOUND_MS = 60_000;

  /**
   * How long the worker waits between passes that fold new decisions into the monitoring rollups and run the
   * drift detectors; 0 turns the fold off (the API still answers from the rollups as they stand).
   */
  @IsInt()
  @Min(0)
  @Max(600_000)
  MONITORING_FOLD_INTERVAL_MS = 500;

  /** Decisions one fold transaction takes at most; a backlog is worked off in several. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  MONITORING_FOLD_BATCH = 2000;

  /** How often the worker looks for items past their SLA deadline and applies their queue's policy. */
  @IsInt()
  @Min(50)
  @Max(600_000)
  SLA_SWEEP_INTERVAL_MS = 1000;

  /** `/metrics` wants `Authorization: Bearer <this>` when set; open to anyone who reaches it otherwise. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  /** Figures `/metrics` reads from Postgres are read at most this often per API node, however many scrape. */
  @IsInt()
  @Min(0)
  @Max(300_000)
  METRICS_READ_INTERVAL_MS = 5000;

  /** log2 of scrypt's N for password hashes (2^17 = 131072; production takes no less). */
  @IsInt()
  @Min(10)
  @Max(20)
  PASSWORD_SCRYPT_LOG_N = 17;

  /** Failed sign-ins an account may have within the window before sign-ins to it are refused (429). */
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES = 10;

  /** Failed sign-ins one address may make within the window, over all accounts, before it is refused. */
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ADDRESS = 100;

  /** The window failed sign-ins are counted over, from the first, in seconds. */
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  LOGIN_FAILURE_WINDOW_SECONDS = 900;

  /** Items a second each service may submit, over all API nodes together; 0 for no limit. */
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_SERVICE = 0;

  /**
   * A queue with an SLA refuses submits once its projected wait exceeds the SLA, but only from this many
   * pending items on, so a queue whose reviewers are just starting is not judged on thin data.
   */
  @IsInt()
  @Min(1)
  ADMISSION_MIN_PENDING = 50;

  @IsInt()
  @Min(0)
  @Max(120_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** How long a reviewer with no open socket keeps their claims before they are released. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  CLAIM_DISCONNECT_GRACE_MS = 30_000;

  /** The backstop sweep for leases whose timer job was lost. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  LEASE_SWEEP_INTERVAL_MS = 1000;

  /**
   * How long a taken review job stays locked, and how often abandoned ones are put back in line. A claim
   * holds the job for milliseconds; only a process that died, or lost Redis, in between leaves one behind.
   */
  @IsInt()
  @Min(500)
  @Max(600_000)
  REVIEW_JOB_LOCK_MS = 30_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  get usesDevSecret(): boolean {
    return this.JWT_SECRET === DEV_JWT_SECRET;
  }
}

export class ConfigError extends Error {}

/** Secrets production cannot run without (the worker also needs AUDIT_SIGNING_KEY: see preflight). */
const REQUIRED_IN_PRODUCTION = new Set(['JWT_SECRET']);

function productionSecretProblems(raw: Record<string, unknown>): string[] {
  const secrets: [string, unknown][] = [
    ['JWT_SECRET', raw.JWT_SECRET],
    ['BOOTSTRAP_ADMIN_PASSWORD', raw.BOOTSTRAP_ADMIN_PASSWORD],
    ['METRICS_TOKEN', raw.METRICS_TOKEN],
    ['DATABASE_APP_PASSWORD', raw.DATABASE_APP_PASSWORD],
    ['DATABASE_SEALER_PASSWORD', raw.DATABASE_SEALER_PASSWORD],
    ['AUDIT_SIGNING_KEY', raw.AUDIT_SIGNING_KEY],
    ['AUDIT_CHECKPOINT_SECRET', raw.AUDIT_CHECKPOINT_SECRET],
  ];
  const problems: string[] = [];
  for (const [setting, value] of secrets) {
    if (value === undefined) {
      if (REQUIRED_IN_PRODUCTION.has(setting)) problems.push(`${setting} must be set in production`);
    } else if (PUBLISHED_SECRETS.includes(String(value))) {
      problems.push(`${setting} is a value published in Arbiter's repository; choose your own`);
    } else if (Buffer.byteLength(String(value)) < MIN_SECRET_BYTES) {
      problems.push(`${setting} must be at least ${MIN_SECRET_BYTES} bytes in production`);
    }
  }
  return problems;
}

/** The checkpoint keys must be Ed25519 keys of one pair, and a sink needs its secret. Values never shown. */
function auditCheckpointProblems(config: AppConfig): string[] {
  const problems: string[] = [];
  const read = (setting: 'AUDIT_SIGNING_KEY' | 'AUDIT_PUBLIC_KEY', kind: 'private' | 'public') => {
    const text = config[setting];
    if (text === undefined) return null;
    try {
      return readEd25519Key(text, kind);
    } catch (error) {
      problems.push(`${setting} is ${(error as Error).message}`);
      return null;
    }
  };
  const signing = read('AUDIT_SIGNING_KEY', 'private');
  const pinned = read('AUDIT_PUBLIC_KEY', 'public');
  if (signing && pinned && publicKeyText(signing) !== publicKeyText(pinned))
    problems.push('AUDIT_PUBLIC_KEY is not the public key of AUDIT_SIGNING_KEY');
  // The API needs only the public key to check checkpoints; only the worker's sealer signs them.
  if (config.NODE_ENV === 'production' && !config.AUDIT_SIGNING_KEY && !config.AUDIT_PUBLIC_KEY)
    problems.push('AUDIT_PUBLIC_KEY (or, for the worker, AUDIT_SIGNING_KEY) must be set in production');
  if (config.AUDIT_CHECKPOINT_URL !== undefined && config.AUDIT_CHECKPOINT_SECRET === undefined)
    problems.push(
      'AUDIT_CHECKPOINT_SECRET must be set with AUDIT_CHECKPOINT_URL: checkpoint POSTs are signed',
    );
  return problems;
}

/**
 * Outside production the development JWT secret is allowed, but anyone who can reach a listener on a
 * non-loopback address could mint tokens with it: a warning for that case, null otherwise.
 */
export function exposedDevSecretWarning(config: AppConfig): string | null {
  if (config.NODE_ENV === 'production' || !config.usesDevSecret) return null;
  const host = config.HOST.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) return null;
  return (
    `WARNING: listening on ${config.HOST} with the development JWT_SECRET, which is published: anyone who ` +
    'can reach this port can sign in as any user. Set JWT_SECRET (32+ random bytes) or HOST=127.0.0.1.'
  );
}

/** Settings where an empty value is a choice (no role), not "use the default". */
const EMPTY_MEANS_NONE = new Set(['DATABASE_APP_ROLE']);

const NUMERIC = new Set(
  Object.entries(new AppConfig())
    .filter(([, v]) => typeof v === 'number')
    .map(([k]) => k),
);

/** Reads and validates the environment; throws a ConfigError that names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  const keys = new Set([
    ...Object.keys(new AppConfig()),
    'BOOTSTRAP_ADMIN_EMAIL',
    'BOOTSTRAP_ADMIN_PASSWORD',
    'METRICS_TOKEN',
    'DATABASE_APP_PASSWORD',
    'DATABASE_SEALER_PASSWORD',
    'AUDIT_SIGNING_KEY',
    'AUDIT_PUBLIC_KEY',
    'AUDIT_CHECKPOINT_URL',
    'AUDIT_CHECKPOINT_SECRET',
  ]);
  for (const key of keys) {
    const value = env[key];
    if (value === undefined || (value === '' && !EMPTY_MEANS_NONE.has(key))) continue;
    raw[key] = NUMERIC.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  const problems = errors.map(
    (e) => `${e.property}=${shown(e.property, e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
  );
  problems.push(...auditCheckpointProblems(config));
  if (config.NODE_ENV === 'production') {
    problems.push(...productionSecretProblems(raw));
    if (config.PASSWORD_SCRYPT_LOG_N < 17)
      problems.push('PASSWORD_SCRYPT_LOG_N must be at least 17 in production');
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return config;
}
