import { dropDatabase } from '@arbiter/database';
import { createRedis, deleteKeysWithPrefix } from '@arbiter/redis';
import type { Child } from './processes.js';

/** Stops the children, drops the benchmark database and deletes its Redis keys (SCAN, never FLUSHALL). */
export async function cleanUp(
  redisUrl: string,
  children: Child[],
  databaseUrl: string | null,
  redisPrefix: string,
): Promise<void> {
  for (const child of children) {
    await child
      .stop()
      .catch((error: Error) => console.error(`stopping ${child.options.name}: ${error.message}`));
  }
  if (databaseUrl) {
    await dropDatabase(databaseUrl).catch((error: Error) =>
      console.error(`could not drop the benchmark database: ${error.message}`),
    );
  }
  const redis = createRedis(redisUrl, 'worker');
  try {
    const deleted = await deleteKeysWithPrefix(redis, redisPrefix);
    console.log(
      `cleaned up: child processes stopped, database dropped, ${deleted} Redis key(s) under ${redisPrefix} removed`,
    );
  } catch (error) {
    console.error(`could not delete the Redis keys under ${redisPrefix}: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
