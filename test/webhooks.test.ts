import { DELIVERY_QUEUE, DeliveryScheduler, deliveryJobId, HostResolver } from '@arbiter/delivery';
import { createRedis } from '@arbiter/redis';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { eventually, sleep } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { type ReceivedHook, signatureHolds, WebhookReceiver } from './support/webhook-receiver.js';

/** Four attempts, 150 ms (±20 %) apart. */
const SCHEDULE = '150ms,150ms,150ms';
const ATTEMPTS = 4;
const ALLOWED_NAME = 'receiver.webhooks.test';
const REBOUND_NAME = 'rebound.webhooks.test';

describe('webhooks: signed, retried, dead-lettered and replayed deliveries', () => {
  let env: TestEnv;
  let receiver: WebhookReceiver;
  let canary: WebhookReceiver;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: pg.Client;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    receiver = await WebhookReceiver.start();
    canary = await WebhookReceiver.start();
    const config = env.config({
      // Only the receiver's own port on loopback (and one test name): the canary's port is not allowed.
      WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port},${ALLOWED_NAME}`,
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE,
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_TIMEOUT_MS: '3000',
      SLA_SWEEP_INTERVAL_MS: '200',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.close();
    await canary?.close();
    await db?.end();
    await env?.cleanup();
  });

  async function workspace(settings: Record<string, unknown> = {}) {
    const queue = await newQueue(api.client, admin, settings);
    const key = await newServiceKey(api.client, admin, [queue.slug]);
    return {
      slug: queue.slug,
      key: key.key,
      secret: key.webhookSecret,
      keyId: key.id,
      service: key.service,
    };
  }

  /** Revokes a service key as an admin does (DELETE → 204); resolves with its revokedAt. */
  async function revoke(keyId: string) {
    const res = await api.client.delete(`/api/v1/api-keys/${keyId}`, { token: admin });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const listed = await api.client.get('/api/v1/api-keys', { token: admin });
    const revokedAt = listed.body.apiKeys.find((k: any) => k.id === keyId)?.revokedAt;
    assert.equal(typeof revokedAt, 'string');
    return revokedAt as string;
  }

  /** The key is refused: 401 on submit and on reading its own item. */
  async function assertRefused(slug: string, apiKey: string, itemId: string) {
    const submitted = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(), { apiKey });
    assert.equal(submitted.status, 401, JSON.stringify(submitted.body));
    assert.equal(submitted.body.code, 'UNAUTHENTICATED');
    const read = await api.client.get(`/api/v1/items/${itemId}`, { apiKey });
    assert.equal(read.status, 401, JSON.stringify(read.body));
    assert.equal(read.body.code, 'UNAUTHENTICATED');
  }

  async function submit(slug: string, apiKey: string, overrides: Record<string, unknown> = {}) {
    const res = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(overrides), { apiKey });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; status: string };
  }

  /** A reviewer of the queue claims the next item and approves it. */
  async function approveNext(slug: string) {
    const reviewer = await newUser(api.client, admin, ['reviewer'], [slug]);
    const claimed = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, {
      token: reviewer.token,
    });
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    const decided = await api.client.post(
      `/api/v1/claims/${claimed.body.claim.token}/decision`,
      { verdict: 'approve' },
      { token: reviewer.token },
    );
    assert.equal(decided.status, 201, JSON.stringify(decided.body));
    return decided.body.decision as { id: string; itemId: string; decidedAt: string };
  }

  async function deliveryOf(slug: string, itemId: string) {
    const res = await api.client.get(`/api/v1/deliveries?queue=${slug}`, { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.deliveries as any[]).find((d) => d.itemId === itemId);
  }

  async function settled(slug: string, itemId: string, status: string, timeoutMs = 10_000) {
    let delivery: any;
    await eventually(
      `delivery of ${itemId} ${status}`,
      async () => (delivery = await deliveryOf(slug, itemId))?.status === status,
      timeoutMs,
    );
    return delivery;
  }

  async function auditOf(deliveryId: string) {
    const { rows } = await db.query<{ action: string; actor_type: string; data: any }>(
      `SELECT action, actor_type, data FROM audit_events WHERE subject_id = $1 ORDER BY seq`,
      [deliveryId],
    );
    return rows;
  }

  const idsOf = (hooks: ReceivedHook[]) => new Set(hooks.map((h) => h.headers['webhook-id']));

  it('a decided item: two failures, then exactly one success, under one webhook-id and one body', async () => {
    const { slug, key, secret } = await workspace();
    receiver.respond('/flaky', (n) => ({ status: n <= 2 ? 500 : 200 }));
    const item = await submit(slug, key, { callbackUrl: receiver.url('/flaky') });
    assert.equal(item.status, 'pending');
    const decision = await approveNext(slug);

    const delivery = await settled(slug, item.id, 'delivered');
    const hooks = receiver.requests('/flaky');
    assert.equal(hooks.length, 3);
    assert.deepEqual(idsOf(hooks), new Set([delivery.webhookId]));
    assert.match(delivery.webhookId, /^msg_[0-9a-f]{32}$/);
    assert.equal(new Set(hooks.map((h) => h.body)).size, 1, 'the same body on every attempt');
    for (const hook of hooks) assert.ok(signatureHolds(secret, hook), 'each attempt is signed');
    assert.deepEqual(
      delivery.attempts.map((a: any) => a.statusCode),
      [500, 500, 200],
    );
    assert.equal(delivery.attempts[2].error, null);
    assert.equal(delivery.url, receiver.url('/flaky'));
    assert.equal(delivery.queue, slug);

    const body = JSON.parse(hooks[0]!.body);
    assert.equal(body.type, 'item.decided');
    assert.equal(body.timestamp, decision.decidedAt, 'timestamp is the decision time');
    assert.deepEqual(body.data.decision, { ...decision });
    const seen = await api.client.get(`/api/v1/items/${item.id}`, { apiKey: key });
    const { history: _history, ...view } = seen.body;
    assert.deepEqual(body.data.item, view, 'the item as GET /items/:id shows it, without history');
    assert.equal(body.data.item.status, 'approved');

    const audit = await auditOf(delivery.id);
    assert.deepEqual(
      audit.map((e) => [e.action, e.actor_type]),
      [['delivery.succeeded', 'system']],
    );
    assert.equal(audit[0]!.data.webhookId, delivery.webhookId);
    await sleep(500);
    assert.equal(receiver.requests('/flaky').length, 3, 'nothing sent after the success');
  });

  it('an auto-approved item is delivered to the queue callback URL; the signature verifies independently', async () => {
    const { slug, key, secret } = await workspace({
      autoApproveAbove: 0.9,
      callbackUrl: receiver.url('/auto'),
    });
    const item = await submit(slug, key, { confidence: 0.95 });
    assert.equal(item.status, 'auto_approved');
    const delivery = await settled(slug, item.id, 'delivered');
    const [hook] = await receiver.waitFor('/auto', 1);
    assert.equal(receiver.requests('/auto').length, 1);
    assert.equal(hook!.headers['webhook-id'], delivery.webhookId);
    assert.equal(hook!.headers['content-type'], 'application/json');
    const body = JSON.parse(hook!.body);
    assert.equal(body.data.item.id, item.id);
    assert.equal(body.data.decision.verdict, 'auto_approve');
    assert.equal(body.data.decision.reviewerId, null);

    const timestamp = Number(hook!.headers['webhook-timestamp']);
    assert.ok(Number.isInteger(timestamp) && Math.abs(timestamp - Date.now() / 1000) < 60, String(timestamp));
    assert.match(String(hook!.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
    assert.ok(signatureHolds(secret, hook!), 'HMAC-SHA256 of id.timestamp.body under the decoded secret');
    assert.equal(signatureHolds(secret, hook!, hook!.body.replace('auto_approve', 'auto_approvf')), false);
    assert.equal(signatureHolds(secret, hook!, `${hook!.body} `), false);
    const other = await newServiceKey(api.client, admin, [slug]);
    assert.equal(signatureHolds(other.webhookSecret, hook!), false, "another key's secret does not verify");
  });

  it('an SLA fallback is delivered like a decision, with verdict fallback and no reviewer', async () => {
    const fallbackOutput = { label: 'needs_human_follow_up' };
    const { slug, key } = await workspace({
      slaSeconds: 1,
      onSlaBreach: 'fallback',
      fallbackOutput,
      callbackUrl: receiver.url('/fallback'),
    });
    const item = await submit(slug, key);
    assert.equal(item.status, 'pending');
    await settled(slug, item.id, 'delivered', 15_000);
    const [hook] = receiver.requests('/fallback');
    const body = JSON.parse(hook!.body);
    assert.equal(body.data.item.status, 'fallback');
    assert.equal(body.data.decision.verdict, 'fallback');
    assert.equal(body.data.decision.reviewerId, null);
    assert.deepEqual(body.data.decision.output, fallbackOutput);
    assert.equal(body.timestamp, body.data.decision.decidedAt);
  });

  it('a receiver that always fails: dead-lettered after the last attempt, audited, then replayed under the same id', async () => {
    const { slug, key } = await workspace();
    let healthy = false;
    receiver.respond('/down', () => ({ status: healthy ? 204 : 500 }));
    receiver.respond('/down-too', () => ({ status: healthy ? 200 : 503 }));
    const first = await submit(slug, key, { callbackUrl: receiver.url('/down'), confidence: 0.1 });
    const second = await submit(slug, key, { callbackUrl: receiver.url('/down-too'), confidence: 0.2 });
    await approveNext(slug);
    await approveNext(slug);

    const dead = await settled(slug, first.id, 'dead');
    await settled(slug, second.id, 'dead');
    assert.equal(dead.attempts.length, ATTEMPTS);
    assert.ok(dead.attempts.every((a: any) => a.statusCode === 500 && a.error === 'HTTP 500'));
    assert.equal(receiver.requests('/down').length, ATTEMPTS);
    const audit = await auditOf(dead.id);
    assert.deepEqual(
      audit.map((e) => e.action),
      ['delivery.dead'],
    );
    assert.equal(audit[0]!.actor_type, 'system');
    assert.equal(audit[0]!.data.attempts, ATTEMPTS);
    const listed = await api.client.get('/api/v1/deliveries?status=dead', { token: admin });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.deliveries.some((d: any) => d.id === dead.id));
    await sleep(400);
    assert.equal(receiver.requests('/down').length, ATTEMPTS, 'nothing sent once dead');

    healthy = true;
    const replayed = await api.client.post(`/api/v1/deliveries/${dead.id}/replay`, undefined, {
      token: admin,
    });
    assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
    assert.equal(replayed.body.status, 'pending');
    assert.equal(replayed.body.webhookId, dead.webhookId);
    const delivered = await settled(slug, first.id, 'delivered');
    assert.equal(delivered.attempts.length, ATTEMPTS + 1, 'the replay appends to the attempts');
    assert.equal(delivered.attempts[ATTEMPTS].statusCode, 204);
    assert.deepEqual(idsOf(receiver.requests('/down')), new Set([dead.webhookId]));
    assert.deepEqual(
      (await auditOf(dead.id)).map((e) => e.action),
      ['delivery.dead', 'delivery.replayed', 'delivery.succeeded'],
    );
    const replayEvent = (await auditOf(dead.id)).find((e) => e.action === 'delivery.replayed')!;
    assert.equal(replayEvent.actor_type, 'user', 'the admin who replayed is on record');

    const bulk = await api.client.post(`/api/v1/deliveries/replay?status=dead&queue=${slug}`, undefined, {
      token: admin,
    });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    assert.deepEqual(bulk.body, { replayed: 1 });
    const again = await settled(slug, second.id, 'delivered');
    assert.ok((await auditOf(again.id)).some((e) => e.action === 'delivery.replayed'));
    assert.deepEqual(idsOf(receiver.requests('/down-too')), new Set([again.webhookId]));
    assert.equal(receiver.requests('/down-too').length, ATTEMPTS + 1);
  });

  it('410 Gone stops at once; a replay goes to the callback URL as fixed since', async () => {
    const { slug, key } = await workspace({ callbackUrl: receiver.url('/gone') });
    receiver.respond('/gone', () => ({ status: 410 }));
    const item = await submit(slug, key);
    await approveNext(slug);
    const dead = await settled(slug, item.id, 'dead');
    assert.deepEqual(
      dead.attempts.map((a: any) => a.statusCode),
      [410],
    );
    const [event] = await auditOf(dead.id);
    assert.equal(event!.action, 'delivery.dead');
    assert.match(event!.data.reason, /410/);
    await sleep(400);
    assert.equal(receiver.requests('/gone').length, 1);

    // The service moved its endpoint; the admin fixes the queue and replays: same id, the URL as it is now.
    const patched = await api.client.patch(
      `/api/v1/queues/${slug}`,
      { callbackUrl: receiver.url('/moved-here') },
      { token: admin },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const replayed = await api.client.post(`/api/v1/deliveries/${dead.id}/replay`, undefined, {
      token: admin,
    });
    assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
    assert.equal(replayed.body.url, receiver.url('/moved-here'));
    const delivered = await settled(slug, item.id, 'delivered');
    assert.deepEqual(
      delivered.attempts.map((a: any) => a.statusCode),
      [410, 200],
    );
    const [hook] = receiver.requests('/moved-here');
    assert.equal(hook!.headers['webhook-id'], dead.webhookId);
    assert.equal(hook!.body, receiver.requests('/gone')[0]!.body);
  });

  it('honours Retry-After, in seconds and as an HTTP date', async () => {
    const { slug, key } = await workspace({ autoApproveAbove: 0.9 });
    receiver.respond('/later', (n) =>
      n === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    receiver.respond('/later-date', (n) =>
      n === 1
        ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() } }
        : { status: 200 },
    );
    const seconds = await submit(slug, key, { confidence: 0.95, callbackUrl: receiver.url('/later') });
    const date = await submit(slug, key, { confidence: 0.95, callbackUrl: receiver.url('/later-date') });
    await settled(slug, seconds.id, 'delivered', 15_000);
    await settled(slug, date.id, 'delivered', 15_000);
    const [a, b] = receiver.requests('/later');
    assert.ok(
      b!.at - a!.at >= 1990,
      `second attempt ${Math.round(b!.at - a!.at)} ms after the first (Retry-After: 2)`,
    );
    const [c, d] = receiver.requests('/later-date');
    // An HTTP date has whole seconds: at least 2 s of the 3 remain.
    assert.ok(d!.at - c!.at >= 1990, `second attempt ${Math.round(d!.at - c!.at)} ms after the first`);
  });

  it('a job that fires before its attempt is due waits for it instead of sending early', async () => {
    const { slug, key } = await workspace({ autoApproveAbove: 0.9 });
    receiver.respond('/early', (n) =>
      n === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    const item = await submit(slug, key, { confidence: 0.95, callbackUrl: receiver.url('/early') });
    await eventually(
      'the first attempt is recorded',
      async () => (await deliveryOf(slug, item.id))?.attempts.length === 1,
    );
    const { rows } = await db.query<{ id: string; generation: number }>(
      `SELECT id, generation FROM deliveries WHERE item_id = $1`,
      [item.id],
    );
    const { id, generation } = rows[0]!;
    const connection = createRedis(env.redisUrl, 'worker');
    const queue = new Queue(DELIVERY_QUEUE, { connection, prefix: env.redisPrefix });
    try {
      const jobId = deliveryJobId(id, generation);
      await eventually('the retry timer is set', async () => (await queue.getJob(jobId)) !== undefined);
      // As if the timer fired two seconds early: the same job, due now.
      await queue.remove(jobId);
      await worker.get(DeliveryScheduler).enqueue([{ deliveryId: id, generation }]);
      await eventually(
        'the early job is put back as a delayed job',
        async () => (await (await queue.getJob(jobId))?.getState()) === 'delayed',
        1500,
        10,
      );
      assert.equal(receiver.requests('/early').length, 1, 'nothing sent early');
      await settled(slug, item.id, 'delivered');
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const [a, b] = receiver.requests('/early');
    assert.equal(receiver.requests('/early').length, 2);
    assert.ok(
      b!.at - a!.at >= 1990,
      `second attempt ${Math.round(b!.at - a!.at)} ms after the first (Retry-After: 2)`,
    );
  });

  it('does not follow redirects: a 3xx is a failed attempt and the target receives nothing', async () => {
    const { slug, key } = await workspace({ autoApproveAbove: 0.9 });
    receiver.respond('/moved', () => ({ status: 302, headers: { location: receiver.url('/target') } }));
    receiver.respond('/moved-permanently', () => ({
      status: 308,
      headers: { location: receiver.url('/target') },
    }));
    const item = await submit(slug, key, { confidence: 0.95, callbackUrl: receiver.url('/moved') });
    const other = await submit(slug, key, {
      confidence: 0.95,
      callbackUrl: receiver.url('/moved-permanently'),
    });
    const dead = await settled(slug, item.id, 'dead');
    const dead308 = await settled(slug, other.id, 'dead');
    assert.ok(dead.attempts.every((a: any) => a.statusCode === 302 && /redirect not followed/.test(a.error)));
    assert.ok(dead308.attempts.every((a: any) => a.statusCode === 308));
    assert.equal(receiver.requests('/moved').length, ATTEMPTS);
    assert.equal(receiver.requests('/target').length, 0);
  });

  it('refuses loopback, private, mapped and metadata callback URLs at submit time', async () => {
    const { slug, key } = await workspace();
    for (const url of [
      'http://0x7f000001/',
      'http://[::ffff:10.0.0.1]/',
      'http://[::1]/',
      'http://169.254.169.254/',
    ]) {
      const res = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody({ callbackUrl: url }), {
        apiKey: key,
      });
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.equal(res.body.details[0].path, 'callbackUrl');
      const queue = await api.client.post(
        '/api/v1/queues',
        { slug: `ssrf-${Math.random().toString(16).slice(2, 10)}`, name: 'SSRF', callbackUrl: url },
        { token: admin },
      );
      assert.equal(queue.status, 400, `queue ${url}: ${JSON.stringify(queue.body)}`);
      assert.equal(queue.body.code, 'VALIDATION_FAILED');
    }
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM items i JOIN queues q ON q.id = i.queue_id WHERE q.slug = $1`,
      [slug],
    );
    assert.deepEqual(rows, [{ n: 0 }], 'nothing stored');
  });

  it('at connect time, refuses a name that resolves to a private address; the listener there receives nothing', async () => {
    const resolver = worker.get(HostResolver);
    const resolved: string[] = [];
    resolver.use(async (host) => {
      resolved.push(host);
      if (host === REBOUND_NAME || host === ALLOWED_NAME) return [{ address: '127.0.0.1', family: 4 }];
      return lookup(host, { all: true });
    });
    try {
      const { slug, key } = await workspace({ autoApproveAbove: 0.9 });
      // The name does not resolve when the item is submitted; at delivery it resolves to loopback.
      const callbackUrl = `http://${REBOUND_NAME}:${canary.port}/hook`;
      const item = await submit(slug, key, { confidence: 0.95, callbackUrl });
      const dead = await settled(slug, item.id, 'dead');
      assert.equal(dead.attempts.length, ATTEMPTS, 'each refusal is a failed attempt');
      for (const attempt of dead.attempts) {
        assert.equal(attempt.statusCode, null);
        assert.match(attempt.error, /non-public address \(127\.0\.0\.1\)/);
      }
      assert.ok(resolved.includes(REBOUND_NAME));
      assert.equal(canary.requests().length, 0, 'the canary received nothing');

      // An allow-listed name connects to the address the resolver vetted (the system DNS knows no such name).
      const allowed = await submit(slug, key, {
        confidence: 0.95,
        callbackUrl: `http://${ALLOWED_NAME}:${receiver.port}/by-name`,
      });
      await settled(slug, allowed.id, 'delivered');
      assert.equal(receiver.requests('/by-name').length, 1);
      assert.equal(canary.requests().length, 0);
    } finally {
      resolver.use(null);
    }
  });

  it("a key revoked after submitting: its item is still reviewed and the decision delivered under the key's secret", async () => {
    const { slug, key, secret, keyId, service } = await workspace();
    const item = await submit(slug, key, { callbackUrl: receiver.url('/rotated') });
    // The service rotates its key: a new one for the same service and queue, then the old one revoked.
    const successor = await newServiceKey(api.client, admin, [slug], service);
    const revokedAt = await revoke(keyId);
    await assertRefused(slug, key, item.id);
    const seen = await api.client.get(`/api/v1/items/${item.id}`, { apiKey: successor.key });
    assert.equal(seen.status, 200, 'the new key of the same service reads it');
    assert.equal(seen.body.status, 'pending');

    const decision = await approveNext(slug);
    assert.equal(decision.itemId, item.id);
    assert.ok(Date.parse(decision.decidedAt) >= Date.parse(revokedAt));
    const delivery = await settled(slug, item.id, 'delivered');
    const hooks = receiver.requests('/rotated');
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0]!.headers['webhook-id'], delivery.webhookId);
    assert.ok(signatureHolds(secret, hooks[0]!), "signed with the revoked key's webhook secret");
    assert.equal(signatureHolds(successor.webhookSecret, hooks[0]!), false, "not with the new key's");
    const body = JSON.parse(hooks[0]!.body);
    assert.equal(body.data.item.id, item.id);
    assert.deepEqual(body.data.decision, { ...decision });
    await assertRefused(slug, key, item.id);
  });

  it("a revoked key's SLA fallback and its auto-approval retried after the revocation are delivered under its secret", async () => {
    const fallbackOutput = { label: 'needs_human_follow_up' };
    const { slug, key, secret, keyId } = await workspace({
      autoApproveAbove: 0.9,
      slaSeconds: 2,
      onSlaBreach: 'fallback',
      fallbackOutput,
    });
    // The auto-approval's first attempt hangs until WEBHOOK_TIMEOUT_MS (3 s): the retry comes after the revocation.
    receiver.respond('/revoked-auto', (n) => (n === 1 ? 'hold' : { status: 200 }));
    const auto = await submit(slug, key, { confidence: 0.95, callbackUrl: receiver.url('/revoked-auto') });
    assert.equal(auto.status, 'auto_approved');
    const pending = await submit(slug, key, { callbackUrl: receiver.url('/revoked-fallback') });
    assert.equal(pending.status, 'pending');
    await receiver.waitFor('/revoked-auto', 1);
    const revokedAt = await revoke(keyId);
    const revokedSeen = performance.now();

    await settled(slug, auto.id, 'delivered', 15_000);
    const retried = receiver.requests('/revoked-auto')[1]!;
    assert.ok(retried.at > revokedSeen, 'the delivered attempt was sent after the revocation');
    assert.ok(signatureHolds(secret, retried));
    assert.equal(JSON.parse(retried.body).data.decision.verdict, 'auto_approve');

    await settled(slug, pending.id, 'delivered', 15_000);
    const [fallback] = receiver.requests('/revoked-fallback');
    assert.ok(signatureHolds(secret, fallback!));
    const body = JSON.parse(fallback!.body);
    assert.equal(body.data.decision.verdict, 'fallback');
    assert.deepEqual(body.data.decision.output, fallbackOutput);
    assert.ok(
      Date.parse(body.data.decision.decidedAt) >= Date.parse(revokedAt),
      'decided after the revocation',
    );
    await assertRefused(slug, key, pending.id);
  });

  it('admin only, with strict query validation', async () => {
    const { slug, key } = await workspace();
    const reviewer = await newUser(api.client, admin, ['reviewer'], [slug]);
    const auditor = await newUser(api.client, admin, ['auditor']);
    const anyId = '00000000-0000-4000-8000-000000000000';
    const routes: [string, string][] = [
      ['GET', '/api/v1/deliveries'],
      ['POST', '/api/v1/deliveries/replay?status=dead'],
      ['POST', `/api/v1/deliveries/${anyId}/replay`],
    ];
    for (const [method, path] of routes) {
      assert.equal((await api.client.request(method, path)).status, 401, `${method} ${path} anonymous`);
      for (const [who, options] of [
        ['reviewer', { token: reviewer.token }],
        ['auditor', { token: auditor.token }],
        ['service', { apiKey: key }],
      ] as const) {
        const res = await api.client.request(method, path, options);
        assert.equal(res.status, 403, `${method} ${path} as ${who}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'FORBIDDEN');
      }
    }
    for (const query of [
      '?status=lost',
      '?bogus=1',
      '?limit=0',
      '?limit=x',
      '?queue=Not_A_Slug',
      '?status=dead&status=pending',
    ]) {
      const res = await api.client.get(`/api/v1/deliveries${query}`, { token: admin });
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(res.body.details.length > 0);
    }
    for (const query of ['', '?status=pending', '?status=dead&extra=1']) {
      const res = await api.client.post(`/api/v1/deliveries/replay${query}`, undefined, { token: admin });
      assert.equal(res.status, 400, `replay${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
    }
    const unknownQueue = await api.client.get('/api/v1/deliveries?queue=no-such-queue', { token: admin });
    assert.equal(unknownQueue.status, 404);
    assert.equal(unknownQueue.body.code, 'NOT_FOUND');
    const unknown = await api.client.post(`/api/v1/deliveries/${anyId}/replay`, undefined, { token: admin });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'NOT_FOUND');
    const notUuid = await api.client.post('/api/v1/deliveries/nope/replay', undefined, { token: admin });
    assert.equal(notUuid.status, 404);
    const ok = await api.client.get(`/api/v1/deliveries?status=delivered&queue=${slug}&limit=5`, {
      token: admin,
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { deliveries: [], next: null, total: 0 });
  });

  it('items without a callback URL get no delivery (the service polls)', async () => {
    const { slug, key } = await workspace({ autoApproveAbove: 0.9 });
    const item = await submit(slug, key, { confidence: 0.95 });
    assert.equal(item.status, 'auto_approved');
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE item_id = $1`, [
      item.id,
    ]);
    assert.deepEqual(rows, [{ n: 0 }]);
  });
});
