import { type AppConfig, loadConfig } from '@arbiter/config';
import { createDatabaseIfMissing, databaseName, dropDatabase, withDatabaseName } from '@arbiter/database';
import { createRedis, deleteKeysWithPrefix } from '@arbiter/redis';
import { randomBytes } from 'node:crypto';

export const RUN_ID = process.env.ARBITER_TEST_RUN ?? `local${process.pid}`;
const TEMPLATE_URL = process.env.ARBITER_TEST_TEMPLATE_URL;

export interface TestEnv {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** The environment variables of this test file's configuration, with `overrides` applied (for processes). */
  settings(overrides?: Record<string, string>): Record<string, string>;
  /** A validated configuration for this test file, with `overrides` applied. */
  config(overrides?: Record<string, string>): AppConfig;
  cleanup(): Promise<void>;
}

/**
 * A database cloned from the run's migrated template and a Redis key prefix, both private to the caller.
 * Refuses any database whose name lacks "test".
 */
export async function createTestEnv(): Promise<TestEnv> {
  if (!TEMPLATE_URL) throw new Error('Run tests with `npm test` (it prepares the template database).');
  const suffix = randomBytes(4).toString('hex');
  const databaseUrl = withDatabaseName(TEMPLATE_URL, `arbiter_test_${RUN_ID}_${suffix}`);
  if (!databaseName(databaseUrl).includes('test'))
    throw new Error('refusing a database without "test" in its name');
  await createDatabaseIfMissing(databaseUrl, databaseName(TEMPLATE_URL));
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `arbtest-${RUN_ID}-${suffix}`;
  const settings = (overrides: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: 'test-secret-test-secret-test-secret',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    PORT: '0',
    HOST: '127.0.0.1',
    // Production hashes at 2^17 (0.6 s a hash here); tests at 2^14, as the unit test of the default shows.
    PASSWORD_SCRYPT_LOG_N: '14',
    // Tests read /metrics right after changing what it reports.
    METRICS_READ_INTERVAL_MS: '0',
    ...overrides,
  });
  return {
    databaseUrl,
    redisUrl,
    redisPrefix,
    settings,
    config: (overrides = {}) => loadConfig(settings(overrides)),
    cleanup: async () => {
      await dropDatabase(databaseUrl);
      const redis = createRedis(redisUrl, 'worker');
      try {
        await deleteKeysWithPrefix(redis, redisPrefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-1' };
