import { LEASE_QUEUE } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import { ReviewService } from '@arbiter/review';
import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { submitItems } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const LEASE_SECONDS = 10;
const CLAIMS = 8;

describe('lease timers', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let redis: Redis;
  let db: pg.Client;
  const sockets: ReviewClient[] = [];

  before(async () => {
    env = await createTestEnv();
    // The backstop sweep is held off for a minute: only the timers can expire these leases in time.
    const config = env.config({ LEASE_SWEEP_INTERVAL_MS: '60000' });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    redis = createRedis(env.redisUrl, 'worker');
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    redis?.disconnect();
    await db?.end();
    await worker?.close();
    await api?.close();
    await env?.cleanup();
  });

  it('claims made together share a timer per second, and it expires every one of them on time', async () => {
    const admin = await loginAdmin(api.client);
    const queue = await newQueue(api.client, admin, { leaseSeconds: LEASE_SECONDS });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    await submitItems(api.client, key, queue.slug, CLAIMS);
    const socket = await ReviewClient.connect(api.url, reviewer.token);
    sockets.push(socket);
    const expired = new Set<string>();
    socket.socket.on('claim:expired', (p: { token: string }) => expired.add(p.token));

    const claims = await Promise.all(
      Array.from({ length: CLAIMS }, () => socket.call('claim:next', { queue: queue.slug })),
    );
    const tokens = claims.map((c) => {
      assert.ok(c.claim?.token, JSON.stringify(c));
      return c.claim.token as string;
    });
    const lastExpiry = Math.max(...claims.map((c) => Date.parse(c.claim.expiresAt)));
    const seconds = new Set(claims.map((c) => Math.ceil(Date.parse(c.claim.expiresAt) / 1000)));

    const timers = await redis.zrange(`${env.redisPrefix}:${LEASE_QUEUE}:delayed`, '0', '-1');
    assert.deepEqual(
      timers.sort(),
      [...seconds].map((s) => `lease-${s * 1000}`).sort(),
      `${CLAIMS} claims ending in ${seconds.size} second(s) have one timer each second`,
    );

    const deadline = lastExpiry + 3000;
    while (expired.size < CLAIMS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([...expired].sort(), [...tokens].sort(), 'every lease expired by its timer');
    assert.ok(Date.now() >= lastExpiry, 'not before the last lease ended');
  });

  it('a lease that fails to expire is passed over, and the leases behind it expire on time', async () => {
    const admin = await loginAdmin(api.client);
    const queue = await newQueue(api.client, admin, { leaseSeconds: LEASE_SECONDS });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    await submitItems(api.client, key, queue.slug, 3);
    const socket = await ReviewClient.connect(api.url, reviewer.token);
    sockets.push(socket);
    const expired = new Set<string>();
    socket.socket.on('claim:expired', (p: { token: string }) => expired.add(p.token));
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const claimed = await socket.call('claim:next', { queue: queue.slug });
      assert.ok(claimed.claim?.token, JSON.stringify(claimed));
      tokens.push(claimed.claim.token as string);
    }
    const lastExpiry = Date.now() + LEASE_SECONDS * 1000;
    const [{ id: poisoned }] = (
      await db.query<{ id: string }>(`SELECT id FROM claims WHERE token = $1`, [tokens[0]])
    ).rows as [{ id: string }];

    // The oldest lease, first in every sweep, fails each time it is expired.
    const reviews = worker.get(ReviewService);
    const expire = reviews.expire.bind(reviews);
    reviews.expire = async (claimId) => {
      if (claimId === poisoned) throw new Error('this lease cannot be expired');
      return expire(claimId);
    };
    try {
      const deadline = lastExpiry + 3000;
      while (expired.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual([...expired].sort(), tokens.slice(1).sort(), 'the two leases behind it expired');
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM claims WHERE id = $1`, [
        poisoned,
      ]);
      assert.equal(rows[0]!.status, 'live', 'the failing lease is still live');
    } finally {
      reviews.expire = expire;
    }
  });
});
