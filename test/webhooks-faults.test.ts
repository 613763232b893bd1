import { DELIVERY_QUEUE } from '@arbiter/delivery';
import { createRedis } from '@arbiter/redis';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.js';
import { eventually, sleep } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { startWorkerProcess, type WorkerProcess } from './support/app-process.js';

const TIMEOUT_MS = 1500;

/**
 * Postgres is the record of every delivery: a worker killed mid-attempt, Redis down and Redis emptied all
 * end in exactly one recorded success under the delivery's one webhook-id. The worker runs as its own
 * process (so it can be SIGKILLed) against a private redis-server (so it can be stopped and flushed).
 */
describe('webhook deliveries survive worker crashes and Redis faults', () => {
  let env: TestEnv;
  let redis: PrivateRedis;
  let receiver: WebhookReceiver;
  let api: RunningApi;
  let db: pg.Client;
  let admin: string;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];

  before(async () => {
    env = await createTestEnv();
    redis = await startPrivateRedis();
    receiver = await WebhookReceiver.start();
    const settings = {
      WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    };
    api = await startApi(env.config({ REDIS_URL: redis.url, ...settings }));
    workerEnv = {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: env.redisPrefix,
      JWT_SECRET: 'test-secret-test-secret-test-secret',
      ...settings,
    };
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    for (const worker of workers) await worker.kill();
    await api?.close();
    await receiver?.close();
    await db?.end();
    await redis?.close();
    await env?.cleanup();
  });

  async function startWorker(): Promise<WorkerProcess> {
    const worker = await startWorkerProcess(workerEnv);
    workers.push(worker);
    return worker;
  }

  /** An auto-approving queue whose deliveries go to `path` on the receiver. */
  async function autoQueue(path: string) {
    const queue = await newQueue(api.client, admin, {
      autoApproveAbove: 0.9,
      callbackUrl: receiver.url(path),
    });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    return {
      slug: queue.slug,
      submit: async () => {
        const res = await api.client.post(
          `/api/v1/queues/${queue.slug}/items`,
          itemBody({ confidence: 0.95 }),
          {
            apiKey: key,
          },
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.status, 'auto_approved');
        return res.body.id as string;
      },
    };
  }

  async function deliveryRow(itemId: string) {
    const { rows } = await db.query<{ id: string; webhook_id: string; status: string }>(
      `SELECT id, webhook_id, status FROM deliveries WHERE item_id = $1`,
      [itemId],
    );
    return rows[0];
  }

  async function attemptsOf(deliveryId: string) {
    const { rows } = await db.query<{ status_code: number | null; error: string | null }>(
      `SELECT status_code, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id`,
      [deliveryId],
    );
    return rows;
  }

  async function auditActions(deliveryId: string): Promise<string[]> {
    const { rows } = await db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq`,
      [deliveryId],
    );
    return rows.map((r) => r.action);
  }

  const delivered = (itemId: string, timeoutMs = 15_000) =>
    eventually(
      `delivery of ${itemId}`,
      async () => (await deliveryRow(itemId))?.status === 'delivered',
      timeoutMs,
    );

  it('a worker SIGKILLed mid-delivery: a restarted worker retries under the same webhook-id, one success recorded', async () => {
    const first = await startWorker();
    const { submit } = await autoQueue('/crash');
    receiver.respond('/crash', (n) => (n === 1 ? 'hold' : { status: 200 }));
    const itemId = await submit();
    const [held] = await receiver.waitFor('/crash', 1);
    await first.kill();
    const row = await deliveryRow(itemId);
    assert.equal(row!.status, 'pending', 'no outcome was recorded by the killed worker');

    await startWorker();
    await delivered(itemId);
    const hooks = receiver.requests('/crash');
    assert.equal(hooks.length, 2);
    assert.equal(held!.headers['webhook-id'], row!.webhook_id);
    assert.equal(hooks[1]!.headers['webhook-id'], row!.webhook_id, 'the retry carries the same webhook-id');
    assert.equal(hooks[1]!.body, held!.body, 'and the same body');
    const attempts = await attemptsOf(row!.id);
    assert.equal(attempts.filter((a) => a.status_code === 200).length, 1, 'exactly one recorded success');
    assert.deepEqual(
      attempts.map((a) => a.status_code),
      [null, 200],
    );
    assert.match(attempts[0]!.error!, /interrupted/);
    assert.deepEqual(await auditActions(row!.id), ['delivery.succeeded']);
    await sleep(1000);
    assert.equal(receiver.requests('/crash').length, 2, 'nothing sent after the success');
  });

  it('an item auto-approved while Redis is down is delivered once Redis is back, empty', async () => {
    const running = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    assert.equal(running.length, 1, 'the restarted worker runs');
    const { submit } = await autoQueue('/outage');
    await redis.stop();
    const itemId = await submit();
    const row = await deliveryRow(itemId);
    assert.equal(row?.status, 'pending', 'the delivery is in Postgres with the decision');
    await sleep(1000);
    assert.equal(receiver.requests('/outage').length, 0);
    await redis.restart();
    await delivered(itemId);
    assert.equal(receiver.requests('/outage').length, 1);
    assert.equal(receiver.requests('/outage')[0]!.headers['webhook-id'], row!.webhook_id);
  });

  it('a retry whose timer job Redis lost (FLUSHALL) still happens, under the same webhook-id', async () => {
    const { submit } = await autoQueue('/flushed');
    receiver.respond('/flushed', (n) =>
      n === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    const itemId = await submit();
    await receiver.waitFor('/flushed', 1);
    const row = await deliveryRow(itemId);
    await eventually('the first attempt is recorded', async () => (await attemptsOf(row!.id)).length === 1);
    const { rows } = await db.query<{ generation: number }>(
      `SELECT generation FROM deliveries WHERE id = $1`,
      [row!.id],
    );
    const probe = createRedis(redis.url, 'worker');
    try {
      const retryJob = `${env.redisPrefix}:${DELIVERY_QUEUE}:dlv-${row!.id}-${rows[0]!.generation}`;
      await eventually(
        'the retry is a delayed job in Redis',
        async () => (await probe.exists(retryJob)) === 1,
        2000,
        20,
      );
      // A private server: FLUSHALL touches nobody else's keys.
      assert.equal(await probe.flushall(), 'OK');
      assert.equal(await probe.exists(retryJob), 0, 'Redis lost the retry job');
    } finally {
      probe.disconnect();
    }
    await delivered(itemId);
    const hooks = receiver.requests('/flushed');
    assert.equal(hooks.length, 2);
    assert.equal(new Set(hooks.map((h) => h.headers['webhook-id'])).size, 1);
    assert.deepEqual(
      (await attemptsOf(row!.id)).map((a) => a.status_code),
      [503, 200],
    );
  });
});
