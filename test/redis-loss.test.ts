import {
  LEASE_QUEUE,
  LeaseTimer,
  leaseJobId,
  PendingItemRepository,
  reviewQueueName,
} from '@arbiter/dispatch';
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
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.js';
import { ReviewClient } from './support/review-client.js';
import { assertDecidedOnce, eventually, raceToDrain, sleep, submitItems } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const ITEMS = 1000;
const HOLDERS = 5;
/** A reviewer holds at most 10 live claims. */
const CLAIMS_EACH = 10;
const HELD = HOLDERS * CLAIMS_EACH;
const RESTORE_LIMIT_MS = 30_000;
const RECONCILE_INTERVAL_MS = 250;

interface Held {
  itemId: string;
  token: string;
  expiresAt: string;
  holder: { id: string; token: string };
}

describe('Redis loss: the queue comes back from Postgres, live claims stay put, all decided once', () => {
  let env: TestEnv;
  let redis: PrivateRedis;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: pg.Client;
  let probe: Redis;
  let admin: string;
  const sockets: ReviewClient[] = [];
  const probeQueues: Queue[] = [];

  before(async () => {
    env = await createTestEnv();
    redis = await startPrivateRedis();
    const config = env.config({
      REDIS_URL: redis.url,
      RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
      LEASE_SWEEP_INTERVAL_MS: '250',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    probe = createRedis(redis.url, 'worker');
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all(probeQueues.map((q) => q.close().catch(() => undefined)));
    probe?.disconnect();
    await worker?.close();
    await api?.close();
    await db?.end();
    const left = redis?.running ? await redis.waitForNoClients(10_000) : 0;
    await redis?.close();
    await env?.cleanup();
    assert.equal(left, 0, 'connections to Redis still open after closing the API and the worker');
  });

  it('SIGKILL and an empty restart: every pending item is queued again within 30 s; nothing lost or decided twice', async (t) => {
    const phases: string[] = [];
    let phaseStart = performance.now();
    const mark = (what: string) => {
      phases.push(`${what} ${Math.round(performance.now() - phaseStart)} ms`);
      phaseStart = performance.now();
    };
    const queue = await newQueue(api.client, admin);
    const slug = queue.slug;
    const { key } = await newServiceKey(api.client, admin, [slug]);
    const holders = await Promise.all(
      Array.from({ length: HOLDERS }, () => newUser(api.client, admin, ['reviewer'], [slug])),
    );
    const drainers = await Promise.all(
      Array.from({ length: 3 }, () => newUser(api.client, admin, ['reviewer'], [slug])),
    );

    const jobKey = (itemId: string) => `${env.redisPrefix}:${reviewQueueName(queue.id)}:${itemId}`;
    const jobsOf = async (ids: string[]) => (ids.length === 0 ? 0 : probe.exists(...ids.map(jobKey)));
    const bull = new Queue(reviewQueueName(queue.id), { connection: probe, prefix: env.redisPrefix });
    bull.on('error', () => undefined); // the probe connection reports every refused reconnect
    probeQueues.push(bull);
    const waitingJobs = async () => {
      const counts = await bull.getJobCounts('wait', 'prioritized', 'active', 'delayed');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    };
    const statusCounts = async (ids: string[]) =>
      Object.fromEntries(
        (
          await db.query<{ status: string; n: number }>(
            `SELECT status, count(*)::int AS n FROM items WHERE id = ANY($1::uuid[]) GROUP BY status`,
            [ids],
          )
        ).rows.map((r) => [r.status, r.n]),
      );

    // 1,000 items, all queued by the API.
    const itemIds = [
      ...(await submitItems(api.client, key, slug, ITEMS / 2)),
      ...(await submitItems(api.client, key, slug, ITEMS / 2)),
    ];
    assert.equal(new Set(itemIds).size, ITEMS);
    await eventually('every item has its review job', async () => (await jobsOf(itemIds)) === ITEMS, 30_000);

    mark('submit');
    // Five reviewers take ten each over HTTP.
    const held: Held[] = [];
    for (const holder of holders) {
      for (let i = 0; i < CLAIMS_EACH; i++) {
        const res = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, { token: holder.token });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        held.push({ itemId: res.body.item.id, ...res.body.claim, holder });
      }
    }
    const heldIds = held.map((h) => h.itemId);
    assert.equal(new Set(heldIds).size, HELD, 'fifty different items were handed out');
    const pendingIds = itemIds.filter((id) => !heldIds.includes(id));
    await eventually('claimed items left the queue', async () => (await jobsOf(heldIds)) === 0, 10_000);

    mark('claim 50');
    // Redis dies without a trace and comes back empty on the same port.
    await redis.stop();
    await redis.restart();
    const restartedAt = performance.now();

    const restoreMs = await eventually(
      'every pending item has its review job again',
      async () => (await jobsOf(pendingIds)) === pendingIds.length,
      RESTORE_LIMIT_MS,
      100,
    );
    t.diagnostic(
      `${pendingIds.length} review jobs restored ${Math.round(performance.now() - restartedAt)} ms after the restart ` +
        `(condition met after ${Math.round(restoreMs)} ms of polling)`,
    );
    assert.equal(await jobsOf(heldIds), 0, 'claimed items are not queued again');
    assert.equal(await waitingJobs(), pendingIds.length, 'one job per pending item, none twice');

    // Postgres accounts for all 1,000: the fifty claims are still live, with the same tokens and leases.
    assert.deepEqual(await statusCounts(itemIds), { pending: ITEMS - HELD, claimed: HELD });
    const live = await db.query<{ item_id: string; token: string; reviewer_id: string; expires_at: Date }>(
      `SELECT item_id, token, reviewer_id, expires_at FROM claims WHERE item_id = ANY($1::uuid[]) AND status = 'live'`,
      [itemIds],
    );
    assert.deepEqual(
      live.rows.map((r) => [r.item_id, r.token, r.reviewer_id]).sort(),
      held.map((h) => [h.itemId, h.token, h.holder.id]).sort(),
      'exactly the fifty claims are live, same holders and tokens',
    );
    const granted = new Map(held.map((h) => [h.token, Date.parse(h.expiresAt)]));
    for (const r of live.rows) {
      const drift = Math.abs(r.expires_at.getTime() - granted.get(r.token)!);
      assert.ok(drift <= 1, `the lease of ${r.item_id} moved by ${drift} ms`);
      assert.ok(r.expires_at.getTime() > Date.now(), 'the lease is still running');
    }

    mark('restore');
    // The API's lease timer and the worker's lease-expiry worker both work again: a timer due in a moment
    // reaches Redis and is consumed (its sweep finds the fifty live leases still running).
    const probeExpiry = new Date(Date.now() + 3000);
    const probeLease = `${env.redisPrefix}:${LEASE_QUEUE}:${leaseJobId(probeExpiry)}`;
    api.app.get(LeaseTimer).schedule(probeExpiry);
    await eventually(
      'a new lease timer reaches Redis',
      async () => (await probe.exists(probeLease)) === 1,
      10_000,
    );
    await eventually(
      'the worker consumes the lease timer once due',
      async () => (await probe.exists(probeLease)) === 0,
      30_000,
    );

    mark('lease timer');
    // Work resumes without restarting anything: holders decide their fifty while others drain the rest,
    // over HTTP and over sockets.
    const http = async (token: string) => {
      const taken: string[] = [];
      for (;;) {
        const claim = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, { token });
        if (claim.status === 204) return taken;
        assert.equal(claim.status, 200, JSON.stringify(claim.body));
        const decided = await api.client.post(
          `/api/v1/claims/${claim.body.claim.token}/decision`,
          { verdict: 'approve' },
          { token },
        );
        assert.equal(decided.status, 201, JSON.stringify(decided.body));
        taken.push(claim.body.item.id);
      }
    };
    const decideHeld = async (h: Held) => {
      const res = await api.client.post(
        `/api/v1/claims/${h.token}/decision`,
        { verdict: 'approve' },
        { token: h.holder.token },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.decision.itemId, h.itemId);
    };
    for (const d of drainers.slice(0, 2)) sockets.push(await ReviewClient.connect(api.url, d.token));
    const [socketLog, httpTaken] = await Promise.all([
      raceToDrain(sockets, slug, ITEMS),
      Promise.all(drainers.flatMap((d) => [http(d.token), http(d.token)])),
      Promise.all(held.map(decideHeld)),
    ]);
    mark('drain');
    const drained = [...socketLog.map((r) => r.itemId), ...httpTaken.flat()];
    t.diagnostic(
      `drained ${drained.length} items (${socketLog.length} over sockets, ${drained.length - socketLog.length} over HTTP)`,
    );
    assert.equal(new Set(drained).size, drained.length, 'no item was handed out twice');
    assert.deepEqual(new Set(drained), new Set(pendingIds), 'exactly the pending items were claimed fresh');

    // Each item decided exactly once; the fifty by their holders under the claim they had before the loss.
    await assertDecidedOnce(db, itemIds);
    const heldClaims = await db.query<{ item_id: string; token: string; status: string }>(
      `SELECT item_id, token, status FROM claims WHERE item_id = ANY($1::uuid[])`,
      [heldIds],
    );
    assert.deepEqual(
      heldClaims.rows.map((r) => [r.item_id, r.token, r.status]).sort(),
      held.map((h) => [h.itemId, h.token, 'decided']).sort(),
      'the held items were never claimed by anyone else',
    );
    const decidedBy = await db.query<{ item_id: string; reviewer_id: string }>(
      `SELECT item_id, reviewer_id FROM decisions WHERE item_id = ANY($1::uuid[])`,
      [heldIds],
    );
    assert.deepEqual(
      decidedBy.rows.map((r) => [r.item_id, r.reviewer_id]).sort(),
      held.map((h) => [h.itemId, h.holder.id]).sort(),
    );

    // No decided item is queued again, not even after more reconciler runs (a full sweep among them).
    assert.equal(await jobsOf(itemIds), 0, 'no review job left for a decided item');
    await sleep(RECONCILE_INTERVAL_MS * 14);
    assert.equal(await jobsOf(itemIds), 0, 'the reconciler queued no decided item');
    assert.equal(await waitingJobs(), 0);
    const last = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, {
      token: drainers[2]!.token,
    });
    assert.equal(last.status, 204, JSON.stringify(last.body));
    assert.deepEqual(await sockets[0]!.call('claim:next', { queue: slug }), { item: null });
    mark('final checks');
    t.diagnostic(phases.join(', '));
  });

  it('a reconciler sweep that races a claim leaves no job behind for the claimed item', async () => {
    const queue = await newQueue(api.client, admin);
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const bull = new Queue(reviewQueueName(queue.id), { connection: probe, prefix: env.redisPrefix });
    bull.on('error', () => undefined);
    probeQueues.push(bull);
    const [itemId] = await submitItems(api.client, key, queue.slug, 1);
    const jobKey = `${env.redisPrefix}:${reviewQueueName(queue.id)}:${itemId}`;
    await eventually('the item is queued', async () => (await probe.exists(jobKey)) === 1, 10_000);

    // The worker's next read of this queue's pending items is answered, then the item is claimed and decided
    // before the reconciler acts on what it read (the interleaving a busy queue produces now and then).
    const pending = worker.get(PendingItemRepository, { strict: false });
    const page = pending.page.bind(pending);
    let raced: Promise<void> | undefined;
    pending.page = async (queueId, afterId, limit) => {
      const rows = await page(queueId, afterId, limit);
      if (queueId !== queue.id || raced || !rows.some((r) => r.id === itemId)) return rows;
      raced = (async () => {
        const claim = await api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, {
          token: reviewer.token,
        });
        assert.equal(claim.status, 200, JSON.stringify(claim.body));
        assert.equal(claim.body.item.id, itemId);
        const decided = await api.client.post(
          `/api/v1/claims/${claim.body.claim.token}/decision`,
          { verdict: 'approve' },
          { token: reviewer.token },
        );
        assert.equal(decided.status, 201, JSON.stringify(decided.body));
      })();
      await raced;
      return rows;
    };
    try {
      // The job is lost (as with Redis emptied), so the next reconciler pass sweeps this queue.
      assert.equal(await bull.remove(itemId!), 1);
      await eventually(
        'the reconciler read the queue while the item was pending',
        () => raced !== undefined,
        10_000,
      );
      await raced;
    } finally {
      pending.page = page;
    }
    await sleep(RECONCILE_INTERVAL_MS * 4);
    assert.equal(
      (await db.query(`SELECT count(*)::int AS n FROM decisions WHERE item_id = $1`, [itemId])).rows[0].n,
      1,
    );
    assert.equal(await probe.exists(jobKey), 0, 'no review job left for the decided item');
    const counts = await bull.getJobCounts('wait', 'prioritized', 'active', 'delayed');
    assert.deepEqual(
      Object.values(counts).reduce((a, b) => a + b, 0),
      0,
    );
  });
});
