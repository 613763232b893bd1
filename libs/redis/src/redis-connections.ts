import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'command' | 'worker';

/**
 * `command` connections sit on the request path: no offline queue, so a dead Redis fails a call at once
 * instead of holding the request. `worker` connections (BullMQ workers, blocking reads) retry forever.
 */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'command'
      ? // Commands issued in the same tick share one write: syscalls are the cost on the request path.
        {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          enableAutoPipelining: true,
        }
      : { maxRetriesPerRequest: null, enableReadyCheck: true, connectTimeout: 5000 };
  const redis = new Redis(url, {
    ...options,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    ...extra,
  });
  // ioredis reports each failed reconnect as an 'error' event; without a listener Node would crash on it.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * BullMQ loses jobs if Redis evicts keys under memory pressure; refuse to run on such a server.
 * Returns the configured policy so start-up can print it.
 */
export async function assertNoEviction(redis: Redis): Promise<string> {
  let policy: string | undefined;
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    policy = reply[1];
  } catch {
    // Managed Redis services often disable CONFIG; INFO still tells the policy.
    const info = await redis.info('memory');
    policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  }
  if (policy !== 'noeviction') {
    throw new Error(
      `Redis maxmemory-policy is "${policy ?? 'unknown'}"; Arbiter needs "noeviction" so queued work is never dropped. ` +
        'Set it with: redis-cli CONFIG SET maxmemory-policy noeviction',
    );
  }
  return policy;
}

/** Deletes every key under `prefix` with SCAN (never KEYS or FLUSHALL): the server may be shared. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Resolves when the connection is ready, or after `timeoutMs` (the caller then runs degraded). */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
