import { createRedis, deleteKeysWithPrefix } from '@arbiter/redis';
import pg from 'pg';
import { RUN_ID } from './test-env.js';

/** Drops every database and Redis key this test run made, even after a crash of some test file. */
const template = process.env.ARBITER_TEST_TEMPLATE_URL;
if (template) {
  const admin = new URL(template);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'arbiter\\_test\\_%' AND position($1 in datname) > 0`,
    [RUN_ID],
  );
  for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await client.end();
}
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
await deleteKeysWithPrefix(redis, `arbtest-${RUN_ID}-`);
redis.disconnect();
