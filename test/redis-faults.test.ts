import { LEASE_QUEUE, LeaseTimer, leaseJobId, Reconciler, reviewQueueName } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) assert.fail(`${what}: not true within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Rejects if `promise` has not settled within `ms` (so a hang fails the test instead of stalling it). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('Redis faults: Postgres stays the record, the reconciler rebuilds the queue', () => {
  let env: TestEnv;
  let redis: PrivateRedis;
  let api: RunningApi;
  let db: pg.Client;
  let probe: Redis;
  let worker: INestApplicationContext | undefined;
  let token: string;
  const bullQueues = new Map<string, Queue>();

  before(async () => {
    env = await createTestEnv();
    redis = await startPrivateRedis();
    api = await startApi(env.config({ REDIS_URL: redis.url }));
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    probe = createRedis(redis.url, 'worker');
    token = await loginAdmin(api.client);
  });

  after(async () => {
    await Promise.all([...bullQueues.values()].map((q) => q.close().catch(() => undefined)));
    probe?.disconnect();
    await worker?.close();
    await api?.close();
    await db?.end();
    // Closed apps must let go of Redis; a client left reconnecting to a dead server would keep this process alive.
    const left = redis?.running ? await redis.waitForNoClients(10_000) : 0;
    await redis?.close();
    await env?.cleanup();
    assert.equal(left, 0, 'connections to Redis still open after closing the API and the worker');
  });

  const jobKey = (queueId: string, itemId: string) => `${env.redisPrefix}:review-${queueId}:${itemId}`;

  /** Jobs waiting for a reviewer on a queue, as BullMQ counts them. */
  async function waitingJobs(queueId: string): Promise<number> {
    let queue = bullQueues.get(queueId);
    if (!queue) {
      queue = new Queue(reviewQueueName(queueId), { connection: probe, prefix: env.redisPrefix });
      queue.on('error', () => undefined); // the probe connection reports every refused reconnect
      bullQueues.set(queueId, queue);
    }
    const counts = await queue.getJobCounts('wait', 'prioritized');
    return (counts['wait'] ?? 0) + (counts['prioritized'] ?? 0);
  }

  async function pendingIds(queueId: string): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM items WHERE queue_id = $1 AND status = 'pending' ORDER BY id`,
      [queueId],
    );
    return rows.map((r) => r.id);
  }

  async function existing(queueId: string, itemIds: string[]): Promise<number> {
    if (itemIds.length === 0) return 0;
    return probe.exists(...itemIds.map((id) => jobKey(queueId, id)));
  }

  async function newSetup(settings: Record<string, unknown> = {}) {
    const queue = await newQueue(api.client, token, settings);
    const { key } = await newServiceKey(api.client, token, [queue.slug]);
    return { queue, key };
  }

  it('answers 201 within 1 s while Redis is down; the reconciler enqueues the item once Redis is back', async (t) => {
    const { queue, key } = await newSetup();
    await redis.stop();

    const started = performance.now();
    const res = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
    const elapsed = performance.now() - started;
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'pending');
    assert.ok(elapsed < 1000, `submit with Redis down took ${Math.round(elapsed)} ms (limit 1000)`);
    t.diagnostic(`submit with Redis down answered in ${Math.round(elapsed)} ms`);
    const itemId: string = res.body.id;
    const { rows } = await db.query(`SELECT status FROM items WHERE id = $1`, [itemId]);
    assert.deepEqual(rows, [{ status: 'pending' }], 'the item is committed in Postgres');

    await redis.restart();
    assert.equal(await probe.exists(jobKey(queue.id, itemId)), 0, 'the restarted Redis starts empty');

    worker = await createWorkerApp(env.config({ REDIS_URL: redis.url, RECONCILE_INTERVAL_MS: '200' }));
    await eventually(
      'the reconciler re-creates the job',
      async () => (await probe.exists(jobKey(queue.id, itemId))) === 1,
    );

    // With Redis back the API enqueues directly again.
    const second = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    await eventually(
      'the API enqueues once Redis is back',
      async () => (await probe.exists(jobKey(queue.id, second.body.id))) === 1,
    );

    // More reconciler runs, including a full sweep (every 12th run), must not add anything twice.
    const reconciler = worker.get(Reconciler);
    for (let i = 0; i < 13; i++) await reconciler.reconcileOnce();
    const pending = await pendingIds(queue.id);
    assert.equal(pending.length, 2);
    assert.equal(await waitingJobs(queue.id), pending.length, 'one job per pending item, none twice');
  });

  it('rebuilds every pending job after FLUSHALL, and never enqueues auto-approved items', async () => {
    assert.ok(worker, 'the worker from the previous test is running');
    const { queue, key } = await newSetup({ autoApproveAbove: 0.9 });
    const pendingBatch = await api.client.post(
      `/api/v1/queues/${queue.slug}/items/batch`,
      { items: Array.from({ length: 200 }, () => itemBody({ confidence: 0.3 })) },
      { apiKey: key },
    );
    assert.equal(pendingBatch.status, 200, JSON.stringify(pendingBatch.body));
    const autoBatch = await api.client.post(
      `/api/v1/queues/${queue.slug}/items/batch`,
      { items: Array.from({ length: 20 }, () => itemBody({ confidence: 0.95 })) },
      { apiKey: key },
    );
    assert.equal(autoBatch.status, 200, JSON.stringify(autoBatch.body));
    const pendingItems: string[] = pendingBatch.body.results.map((r: { id: string; status: string }) => {
      assert.equal(r.status, 'pending', JSON.stringify(r));
      return r.id;
    });
    const autoItems: string[] = autoBatch.body.results.map((r: { id: string; status: string }) => {
      assert.equal(r.status, 'auto_approved', JSON.stringify(r));
      return r.id;
    });
    assert.deepEqual(await pendingIds(queue.id), [...pendingItems].sort());
    assert.equal(await existing(queue.id, pendingItems), 200, 'the API enqueued the batch');
    assert.equal(await existing(queue.id, autoItems), 0, 'auto-approved items are not queued');

    assert.equal(await probe.flushall(), 'OK');
    assert.equal(await existing(queue.id, pendingItems), 0);

    await worker!.get(Reconciler).reconcileOnce();
    assert.equal(await existing(queue.id, pendingItems), 200, 'every pending item has its job again');
    for (const id of pendingItems) assert.equal(await probe.exists(jobKey(queue.id, id)), 1, `job of ${id}`);
    assert.equal(await existing(queue.id, autoItems), 0, 'auto-approved items are still not queued');
    assert.equal(await waitingJobs(queue.id), 200, 'exactly one job per pending item');
  });

  it('a worker running through an outage re-enqueues everything once an empty Redis is back', async () => {
    assert.ok(worker, 'the worker from the first test is running');
    const { queue, key } = await newSetup();
    const before = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
    assert.equal(before.status, 201, JSON.stringify(before.body));
    await redis.stop();
    const during = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
    assert.equal(during.status, 201, JSON.stringify(during.body));
    // Several reconciler runs (200 ms apart) meet the outage, on this queue too.
    await sleep(1500);
    await redis.restart();
    const ids: string[] = [before.body.id, during.body.id];
    await eventually(
      'the running worker re-enqueues both items after the outage',
      async () => (await existing(queue.id, ids)) === 2,
      8000,
    );
    assert.equal(await waitingJobs(queue.id), 2);
  });

  it('boots with Redis down, serves submits at once, and recovers when Redis comes up', async (t) => {
    const down = await startPrivateRedis();
    await down.stop();
    let api2: RunningApi | undefined;
    try {
      const started = performance.now();
      const booting = startApi(env.config({ REDIS_URL: down.url }));
      api2 = await within(booting, 15_000, 'API boot with Redis down (start-up waits for Redis)').catch(
        async (error: unknown) => {
          // Let the stuck boot finish so its connections can be closed, then fail.
          await down.restart();
          const late = await within(booting, 15_000, 'API boot after Redis came up').catch(() => undefined);
          await late?.close();
          throw error;
        },
      );
      const bootMs = performance.now() - started;
      assert.ok(bootMs < 10_000, `boot with Redis down took ${Math.round(bootMs)} ms`);
      t.diagnostic(`createApiApp + listen with Redis down: ${Math.round(bootMs)} ms`);

      const live = await api2.client.get('/health/live');
      assert.equal(live.status, 200);
      assert.deepEqual(live.body, { status: 'ok' });
      const ready = await api2.client.get('/health/ready');
      assert.equal(ready.status, 503, JSON.stringify(ready.body));
      assert.equal(ready.body.code, 'UNAVAILABLE');
      assert.equal(ready.body.checks.redis, 'down');
      assert.equal(ready.body.checks.postgres, 'up');

      const { queue, key } = await newSetup();
      const t0 = performance.now();
      const res = await api2.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
      const elapsed = performance.now() - t0;
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.status, 'pending');
      assert.ok(elapsed < 1000, `submit took ${Math.round(elapsed)} ms (limit 1000)`);

      // A lease timer set during the outage is lost (the sweeper covers it); it must not break later ones.
      const leases = api2.app.get(LeaseTimer);
      leases.schedule(new Date(Date.now() + 600_000));
      await sleep(100);

      await down.restart();
      await eventually(
        'the API becomes ready once Redis is up',
        async () => (await api2!.client.get('/health/ready')).status === 200,
        10_000,
      );
      const checker = createRedis(down.url, 'worker');
      try {
        const next = await api2.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
          apiKey: key,
        });
        assert.equal(next.status, 201, JSON.stringify(next.body));
        await eventually(
          'a submit after recovery is enqueued by the API itself',
          async () => (await checker.exists(jobKey(queue.id, next.body.id))) === 1,
          2000,
        );
        const expiresAt = new Date(Date.now() + 600_000);
        leases.schedule(expiresAt);
        await eventually(
          'a lease timer set after recovery reaches Redis',
          async () =>
            (await checker.exists(`${env.redisPrefix}:${LEASE_QUEUE}:${leaseJobId(expiresAt)}`)) === 1,
          2000,
        );
      } finally {
        checker.disconnect();
      }
      await api2.close();
      api2 = undefined;
      const left = await down.waitForNoClients(10_000);
      assert.equal(left, 0, 'connections to Redis still open after closing the API');
    } finally {
      await api2?.close();
      if (down.running) await down.waitForNoClients(10_000);
      await down.close();
    }
  });
});
