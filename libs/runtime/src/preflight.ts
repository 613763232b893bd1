import {
  type AppConfig,
  appDatabaseUrl,
  ConfigError,
  loadConfig,
  redactUrl,
  sealerDatabaseUrl,
} from '@arbiter/config';
import { createDataSource } from '@arbiter/database';
import { staleFunctionFiles } from '@arbiter/migrations';
import { assertNoEviction, createRedis } from '@arbiter/redis';
import pg from 'pg';

/** A start-up problem with a message meant for the operator; printed without a stack trace. */
export class StartupError extends Error {}

export function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) failStartup(error.message);
    throw error;
  }
}

export function failStartup(message: string): never {
  process.stderr.write(`\nArbiter cannot start:\n  ${message.replaceAll('\n', '\n  ')}\n\n`);
  process.exit(1);
}

const PG_HELP =
  'Set DATABASE_URL to a reachable PostgreSQL (default postgres://postgres@127.0.0.1:5432/arbiter), or start it, ' +
  'e.g. `pg_ctlcluster --skip-systemctl-redirect 15 main start` or `docker compose up -d postgres`.';
const REDIS_HELP =
  'Set REDIS_URL to a reachable Redis (default redis://127.0.0.1:6379), or start it, ' +
  'e.g. `redis-server --daemonize yes --maxmemory-policy noeviction` or `docker compose up -d redis`.';

export async function checkPostgres(url: string, timeoutMs = 3000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '3D000') {
      throw new StartupError(
        `PostgreSQL database in ${redactUrl(url)} does not exist. Run \`npm run migrate\` to create it.`,
      );
    }
    // 28000: no such role or it may not log in; 28P01: wrong password.
    if (code === '28000' || code === '28P01') {
      throw new StartupError(
        `PostgreSQL at ${redactUrl(url)} refused the login (${(error as Error).message}). The migrations create ` +
          'the login roles (run `npm run migrate`); DATABASE_APP_PASSWORD and DATABASE_SEALER_PASSWORD must ' +
          'match what they set.',
      );
    }
    throw new StartupError(
      `Cannot reach PostgreSQL at ${redactUrl(url)} (${(error as Error).message}). ${PG_HELP}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const redis = createRedis(url, 'command', {
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new StartupError(
      `Cannot reach Redis at ${redactUrl(url)} (${(error as Error).message || 'connection refused'}). ${REDIS_HELP}`,
    );
  }
  try {
    await assertNoEviction(redis);
  } catch (error) {
    throw new StartupError((error as Error).message);
  } finally {
    redis.disconnect();
  }
}

/** The API and worker never hold a superuser's connection: it could shed the append-only role. */
async function checkNotSuperuser(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ rolsuper: boolean; name: string }>(
      `SELECT rolsuper, current_user AS name FROM pg_roles WHERE rolname = current_user`,
    );
    if (rows[0]?.rolsuper) {
      throw new StartupError(
        `The API and worker log in to PostgreSQL as ${rows[0].name}, a superuser. Log in as the application's ` +
          'role instead: DATABASE_APP_ROLE (default arbiter_app) with DATABASE_URL naming the server, or ' +
          'DATABASE_URL naming that role with DATABASE_APP_ROLE empty.',
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every migration applied, and every function file as it is now (a database running older rules would do). */
export async function checkMigrated(url: string): Promise<void> {
  const dataSource = await createDataSource({ url, poolSize: 1 }).initialize();
  try {
    if (await dataSource.showMigrations()) {
      throw new StartupError('The database schema is not up to date. Run `npm run migrate`.');
    }
    const stale = await staleFunctionFiles(dataSource);
    if (stale.length > 0) {
      throw new StartupError(
        `The database's SQL functions are not up to date (${stale.join(', ')}). Run \`npm run migrate\`.`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

/** Fails within seconds, with a message naming what to fix, when Postgres or Redis is unusable. */
export async function preflight(config: AppConfig, { sealer = false } = {}): Promise<void> {
  const app = appDatabaseUrl(config);
  try {
    if (sealer && config.NODE_ENV === 'production' && !config.AUDIT_SIGNING_KEY) {
      throw new StartupError(
        'AUDIT_SIGNING_KEY must be set for the worker in production: its sealer signs checkpoints.',
      );
    }
    await Promise.all([checkPostgres(app), checkRedis(config.REDIS_URL)]);
    if (sealer) await checkPostgres(sealerDatabaseUrl(config));
    await checkNotSuperuser(app);
    await checkMigrated(app);
  } catch (error) {
    if (error instanceof StartupError) failStartup(error.message);
    throw error;
  }
}
