import { type AppConfig, ConfigError, loadConfig, redactUrl } from '@arbiter/config';
import { createDataSource } from '@arbiter/database';
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

export async function checkMigrated(url: string): Promise<void> {
  const dataSource = await createDataSource({ url, poolSize: 1 }).initialize();
  try {
    if (await dataSource.showMigrations()) {
      throw new StartupError('The database schema is not up to date. Run `npm run migrate`.');
    }
  } finally {
    await dataSource.destroy();
  }
}

/** Fails within seconds, with a message naming what to fix, when Postgres or Redis is unusable. */
export async function preflight(config: AppConfig): Promise<void> {
  try {
    await Promise.all([checkPostgres(config.DATABASE_URL), checkRedis(config.REDIS_URL)]);
    await checkMigrated(config.DATABASE_URL);
  } catch (error) {
    if (error instanceof StartupError) failStartup(error.message);
    throw error;
  }
}
