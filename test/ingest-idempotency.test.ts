import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const idemKey = () => `idem-${randomBytes(8).toString('hex')}`;

describe('single submits are idempotent by Idempotency-Key and by externalId', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let redis: Redis;
  let adminToken: string;
  /** A queue without auto-approval. */
  let queue: { id: string; slug: string };
  /** A queue that auto-approves at confidence 0.9 or more. */
  let autoQueue: { id: string; slug: string };
  let key: string;
  let service: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    redis = new Redis(env.redisUrl, { maxRetriesPerRequest: 1 });
    adminToken = await loginAdmin(api.client);
    queue = await newQueue(api.client, adminToken);
    autoQueue = await newQueue(api.client, adminToken, { autoApproveAbove: 0.9 });
    const created = await newServiceKey(api.client, adminToken, [queue.slug, autoQueue.slug]);
    key = created.key;
    service = created.service;
  });

  after(async () => {
    redis?.disconnect();
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  const submit = (body: unknown, options: { apiKey?: string; idempotencyKey?: string; slug?: string } = {}) =>
    api.client.post(`/api/v1/queues/${options.slug ?? queue.slug}/items`, body, {
      apiKey: options.apiKey ?? key,
      headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
    });

  async function counts() {
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM items) AS items,
              (SELECT count(*)::int FROM audit_events WHERE subject_type = 'item') AS events,
              (SELECT count(*)::int FROM decisions) AS decisions`,
    );
    return rows[0] as { items: number; events: number; decisions: number };
  }

  async function itemRows(where: string, params: unknown[]) {
    const { rows } = await db.query(`SELECT * FROM items WHERE ${where} ORDER BY created_at`, params);
    return rows;
  }

  async function itemEvents(itemId: string) {
    const { rows } = await db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE subject_type = 'item' AND subject_id = $1 ORDER BY seq`,
      [itemId],
    );
    return rows.map((r) => r.action);
  }

  const jobKey = (queueId: string, itemId: string) => `${env.redisPrefix}:review-${queueId}:${itemId}`;

  async function jobsWaiting(queueId: string): Promise<number> {
    const bull = new Queue(`review-${queueId}`, { connection: redis, prefix: env.redisPrefix });
    try {
      const byState = await bull.getJobCounts('wait', 'prioritized', 'active', 'delayed');
      return Object.values(byState).reduce((a, b) => a + b, 0);
    } finally {
      await bull.close();
    }
  }

  function assertConflict(res: { status: number; body: any }) {
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.statusCode, 422);
    assert.equal(res.body.code, 'IDEMPOTENCY_CONFLICT');
    assert.equal(typeof res.body.message, 'string');
  }

  it('answers 201 first and 200 with the original item for the same Idempotency-Key and body', async () => {
    const body = itemBody({ metadata: { ticket: 'T-1' } });
    const idem = idemKey();
    const first = await submit(body, { idempotencyKey: idem });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.match(first.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(first.body.status, 'pending');
    assert.equal(first.body.queue, queue.slug);
    assert.equal(first.body.externalId, body.externalId);
    assert.equal(first.body.service, service);
    assert.deepEqual(first.body.model, body.model);
    assert.deepEqual(first.body.input, body.input);
    assert.deepEqual(first.body.output, body.output);
    assert.equal(first.body.confidence, body.confidence);
    assert.equal(first.body.reason, body.reason);
    assert.deepEqual(first.body.metadata, { ticket: 'T-1' });
    assert.equal(first.body.decision, null);

    const again = await submit(body, { idempotencyKey: idem });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.body.id);
    assert.deepEqual(again.body, first.body, 'the replay is the original item');

    const rows = await itemRows('external_id = $1', [body.externalId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].id, first.body.id);
    assert.equal(rows[0].idempotency_key, idem);
    assert.deepEqual(await itemEvents(first.body.id), ['item.received']);
  });

  it('answers 200 with the original for the same externalId and body without a key', async () => {
    const body = itemBody();
    const first = await submit(body);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const before = await counts();

    const again = await submit(body);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.body.id);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(await counts(), before, 'nothing new stored');
    assert.equal((await itemRows('external_id = $1', [body.externalId])).length, 1);
  });

  it('refuses the same externalId with a different body with 422 and stores nothing', async () => {
    const body = itemBody();
    const first = await submit(body);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const before = await counts();

    assertConflict(await submit({ ...body, confidence: 0.43 }));
    assertConflict(await submit({ ...body, output: { label: 'praise' } }));
    assertConflict(await submit({ ...body, priority: 5 }));
    assertConflict(await submit({ ...body, confidence: 0.43 }, { idempotencyKey: idemKey() }));

    assert.deepEqual(await counts(), before, 'nothing stored');
    const rows = await itemRows('external_id = $1', [body.externalId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].confidence, 0.42, 'the original is unchanged');
    assert.deepEqual(rows[0].output, { label: 'complaint' });
  });

  it('refuses the same Idempotency-Key with a different body (other externalId) with 422 and stores nothing', async () => {
    const idem = idemKey();
    const body = itemBody();
    const first = await submit(body, { idempotencyKey: idem });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const before = await counts();

    const other = itemBody();
    assertConflict(await submit(other, { idempotencyKey: idem }));
    // The key wins even in another queue of the same service.
    assertConflict(await submit(body, { idempotencyKey: idem, slug: autoQueue.slug }));

    assert.deepEqual(await counts(), before, 'nothing stored');
    assert.equal((await itemRows('external_id = $1', [other.externalId])).length, 0);
    assert.equal((await itemRows('idempotency_key = $1', [idem])).length, 1);
    // The original is still answered for its own body.
    const replay = await submit(body, { idempotencyKey: idem });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.id, first.body.id);
  });

  it('treats a key used by a batch and by a single submit as one key: the second use is 422', async () => {
    const batchKey = idemKey();
    const batchBody = { items: [itemBody()] };
    const batch = await api.client.post(`/api/v1/queues/${queue.slug}/items/batch`, batchBody, {
      apiKey: key,
      headers: { 'idempotency-key': batchKey },
    });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    const before = await counts();
    assertConflict(await submit(itemBody(), { idempotencyKey: batchKey }));
    assert.deepEqual(await counts(), before, 'the single submit stored nothing');

    const singleKey = idemKey();
    assert.equal((await submit(itemBody(), { idempotencyKey: singleKey })).status, 201);
    const afterSingle = await counts();
    assertConflict(
      await api.client.post(`/api/v1/queues/${queue.slug}/items/batch`, batchBody, {
        apiKey: key,
        headers: { 'idempotency-key': singleKey },
      }),
    );
    assert.deepEqual(await counts(), afterSingle, 'the batch stored nothing');
    const replayed = await api.client.post(`/api/v1/queues/${queue.slug}/items/batch`, batchBody, {
      apiKey: key,
      headers: { 'idempotency-key': batchKey },
    });
    assert.deepEqual(replayed.body, batch.body, 'the batch key still replays its own batch');
  });

  it('never lets a single submit and a batch racing with one Idempotency-Key both succeed', async () => {
    const records = async (idem: string) =>
      (await db.query(`SELECT item_id FROM idempotency_records WHERE key = $1`, [idem])).rows;
    for (let round = 0; round < 40; round += 1) {
      const idem = idemKey();
      const batchBody = { items: [itemBody(), itemBody()] };
      const [single, batch] = await Promise.all([
        submit(itemBody(), { idempotencyKey: idem }),
        api.client.post(`/api/v1/queues/${queue.slug}/items/batch`, batchBody, {
          apiKey: key,
          headers: { 'idempotency-key': idem },
        }),
      ]);
      const won = [single.status === 201, batch.status === 200];
      assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${single.status} ${batch.status}`);
      assertConflict(won[0] ? batch : single);
      const stored = await itemRows('idempotency_key = $1 OR id = ANY($2::uuid[])', [
        idem,
        won[1] ? batch.body.results.map((r: { id: string }) => r.id) : [],
      ]);
      assert.equal(stored.length, won[0] ? 1 : 2, `round ${round}: only the winner's items`);
      const [record] = await records(idem);
      assert.equal(record.item_id, won[0] ? single.body.id : null, 'the key names the winner');
    }
  });

  it('leaves no claim on a key whose submission its externalId refused or replayed', async () => {
    const body = itemBody();
    assert.equal((await submit(body)).status, 201);
    const refusedKey = idemKey();
    assertConflict(await submit({ ...body, priority: 9 }, { idempotencyKey: refusedKey }));
    const replayKey = idemKey();
    assert.equal((await submit(body, { idempotencyKey: replayKey })).status, 200);
    const { rows } = await db.query(`SELECT key FROM idempotency_records WHERE key = ANY($1)`, [
      [refusedKey, replayKey],
    ]);
    assert.deepEqual(rows, [], 'neither key is held');
    // Free means usable: the refused key now stores a new item.
    assert.equal((await submit(itemBody(), { idempotencyKey: refusedKey })).status, 201);
  });

  it('treats the same JSON with its keys in another order as the same request', async () => {
    const idem = idemKey();
    const body = itemBody({ metadata: { a: 1, b: 2 } });
    const first = await submit(body, { idempotencyKey: idem });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const reordered = Object.fromEntries(Object.entries({ ...body, metadata: { b: 2, a: 1 } }).reverse());
    const again = await submit(reordered, { idempotencyKey: idem });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.body.id);
  });

  for (const [name, value] of [
    ['longer than 255 characters', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['with non-ASCII characters', 'clé'],
  ] as const) {
    it(`refuses an Idempotency-Key ${name} with 400 and stores nothing`, async () => {
      const before = await counts();
      const res = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
        apiKey: key,
        headers: { 'idempotency-key': value },
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(res.body.details.some((d: { path: string }) => d.path === 'Idempotency-Key'));
      assert.deepEqual(await counts(), before);
    });
  }

  it('scopes the Idempotency-Key to the service, not to the API key', async () => {
    const idem = idemKey();
    const body = itemBody();
    const first = await submit(body, { idempotencyKey: idem });
    assert.equal(first.status, 201, JSON.stringify(first.body));

    // Another service, same queue, same key value and body: its own item.
    const other = await newServiceKey(api.client, adminToken, [queue.slug]);
    assert.notEqual(other.service, service);
    const theirs = await submit(body, { apiKey: other.key, idempotencyKey: idem });
    assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
    assert.notEqual(theirs.body.id, first.body.id);
    assert.equal(theirs.body.service, other.service);

    // A second key of the first service shares that service's keys.
    const sibling = await newServiceKey(api.client, adminToken, [queue.slug], service);
    const replay = await submit(body, { apiKey: sibling.key, idempotencyKey: idem });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.id, first.body.id);

    const rows = await itemRows('idempotency_key = $1', [idem]);
    assert.deepEqual(rows.map((r) => r.service).sort(), [service, other.service].sort());

    // Each service sees only its own item.
    assert.equal((await api.client.get(`/api/v1/items/${first.body.id}`, { apiKey: other.key })).status, 404);
    assert.equal((await api.client.get(`/api/v1/items/${theirs.body.id}`, { apiKey: key })).status, 404);
  });

  for (const withKey of [true, false]) {
    it(`creates exactly one item from 50 concurrent identical requests (${withKey ? 'same Idempotency-Key' : 'same externalId, no key'})`, async () => {
      const body = itemBody();
      const idem = withKey ? idemKey() : undefined;
      const before = await counts();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => submit(body, { idempotencyKey: idem })),
      );
      const statuses = responses.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 200).length, 49, `statuses: ${statuses.join(',')}`);
      const ids = new Set(responses.map((r) => r.body.id));
      assert.equal(ids.size, 1, 'every answer names the same item');
      const [id] = [...ids];
      for (const r of responses) assert.equal(r.body.status, 'pending');

      const rows = await itemRows('external_id = $1', [body.externalId]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].id, id);
      assert.deepEqual(await itemEvents(id), ['item.received']);
      const after = await counts();
      assert.equal(after.items, before.items + 1);
      assert.equal(after.events, before.events + 1);
      assert.equal(await redis.exists(jobKey(queue.id, id)), 1, 'the item has its review job');
    });
  }

  it('lets one of 50 concurrent requests with one Idempotency-Key and different bodies win; the rest get 422', async () => {
    const idem = idemKey();
    const bodies = Array.from({ length: 50 }, () => itemBody());
    const before = await counts();
    const responses = await Promise.all(bodies.map((body) => submit(body, { idempotencyKey: idem })));
    const created = responses.filter((r) => r.status === 201);
    assert.equal(created.length, 1, responses.map((r) => r.status).join(','));
    for (const r of responses.filter((r) => r.status !== 201)) assertConflict(r);
    const rows = await itemRows('idempotency_key = $1', [idem]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].id, created[0]!.body.id);
    const after = await counts();
    assert.equal(after.items, before.items + 1);
    assert.equal(after.events, before.events + 1);
  });

  it('lets one of 50 concurrent requests with one externalId and different bodies win; the rest get 422', async () => {
    const externalId = `ext-race-${randomBytes(4).toString('hex')}`;
    const before = await counts();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => submit(itemBody({ externalId, priority: i }))),
    );
    const created = responses.filter((r) => r.status === 201);
    assert.equal(created.length, 1, responses.map((r) => r.status).join(','));
    for (const r of responses.filter((r) => r.status !== 201)) assertConflict(r);
    const rows = await itemRows('external_id = $1', [externalId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].priority, created[0]!.body.priority, 'the stored body is the winner');
    assert.equal((await counts()).items, before.items + 1);
  });

  it('auto-approves at or above autoApproveAbove with an auto_approve decision and history', async () => {
    const body = itemBody({ confidence: 0.95, output: { label: 'praise', score: [1, 2] } });
    const res = await submit(body, { slug: autoQueue.slug });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'auto_approved');
    assert.equal(res.body.queue, autoQueue.slug);
    const decision = res.body.decision;
    assert.ok(decision, 'the answer carries the decision');
    assert.equal(decision.verdict, 'auto_approve');
    assert.deepEqual(decision.output, body.output);
    assert.deepEqual(decision.patch, []);
    assert.equal(decision.reviewerId, null);
    assert.equal(decision.itemId, res.body.id);
    assert.equal(typeof decision.decidedAt, 'string');

    const shown = await api.client.get(`/api/v1/items/${res.body.id}`, { apiKey: key });
    assert.equal(shown.status, 200, JSON.stringify(shown.body));
    assert.equal(shown.body.status, 'auto_approved');
    assert.equal(shown.body.decision.verdict, 'auto_approve');
    assert.deepEqual(shown.body.decision.output, body.output);
    assert.deepEqual(
      shown.body.history.map((e: { action: string }) => e.action),
      ['item.received', 'item.auto_approved'],
    );
    assert.ok(shown.body.history[0].seq < shown.body.history[1].seq, 'oldest first');

    const { rows } = await db.query(
      `SELECT verdict, output, patch, reviewer_id FROM decisions WHERE item_id = $1`,
      [res.body.id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].verdict, 'auto_approve');
    assert.equal(rows[0].reviewer_id, null);
    assert.equal(await redis.exists(jobKey(autoQueue.id, res.body.id)), 0, 'no review job for it');

    // The replay answers the same auto-approved item.
    const again = await submit(body, { slug: autoQueue.slug });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, res.body.id);
    assert.equal(again.body.status, 'auto_approved');
    assert.equal(again.body.decision.verdict, 'auto_approve');
  });

  it('auto-approves exactly at the threshold and leaves a lower confidence pending', async () => {
    const at = await submit(itemBody({ confidence: 0.9 }), { slug: autoQueue.slug });
    assert.equal(at.status, 201, JSON.stringify(at.body));
    assert.equal(at.body.status, 'auto_approved');

    const low = await submit(itemBody({ confidence: 0.5 }), { slug: autoQueue.slug });
    assert.equal(low.status, 201, JSON.stringify(low.body));
    assert.equal(low.body.status, 'pending');
    assert.equal(low.body.decision, null);
    assert.equal(await redis.exists(jobKey(autoQueue.id, low.body.id)), 1);

    const shown = await api.client.get(`/api/v1/items/${low.body.id}`, { apiKey: key });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.status, 'pending');
    assert.equal(shown.body.decision, null);
    assert.deepEqual(
      shown.body.history.map((e: { action: string }) => e.action),
      ['item.received'],
    );
  });

  it('never auto-approves a model_error without output', async () => {
    const res = await submit(itemBody({ confidence: 0.99, output: undefined, reason: 'model_error' }), {
      slug: autoQueue.slug,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'pending');
  });

  it('stores priority 0 by default and the given priority otherwise', async () => {
    const plain = await submit(itemBody());
    assert.equal(plain.status, 201);
    assert.equal(plain.body.priority, 0);
    const urgent = await submit(itemBody({ priority: 87 }));
    assert.equal(urgent.status, 201);
    assert.equal(urgent.body.priority, 87);

    const { rows } = await db.query<{ id: string; priority: number }>(
      `SELECT id, priority FROM items WHERE id = ANY($1::uuid[])`,
      [[plain.body.id, urgent.body.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r.priority]));
    assert.equal(byId.get(plain.body.id), 0);
    assert.equal(byId.get(urgent.body.id), 87);
    const shown = await api.client.get(`/api/v1/items/${urgent.body.id}`, { apiKey: key });
    assert.equal(shown.body.priority, 87);
  });

  it('treats an explicit default as the same request as an omitted one', async () => {
    const body = itemBody();
    const first = await submit(body);
    assert.equal(first.status, 201);
    const again = await submit({ ...body, priority: 0, metadata: {} });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.body.id);
  });

  it('refuses submissions to a paused queue with 423 and stores nothing; resume accepts again', async () => {
    const paused = await newQueue(api.client, adminToken);
    const pausedKey = (await newServiceKey(api.client, adminToken, [paused.slug])).key;
    const pause = await api.client.post(`/api/v1/queues/${paused.slug}/pause`, undefined, {
      token: adminToken,
    });
    assert.equal(pause.status, 200, JSON.stringify(pause.body));
    assert.equal(pause.body.paused, true);

    const body = itemBody();
    const before = await counts();
    const refused = await submit(body, { apiKey: pausedKey, slug: paused.slug, idempotencyKey: idemKey() });
    assert.equal(refused.status, 423, JSON.stringify(refused.body));
    assert.equal(refused.body.statusCode, 423);
    assert.equal(refused.body.code, 'QUEUE_PAUSED');
    assert.deepEqual(await counts(), before, 'nothing stored');

    const resume = await api.client.post(`/api/v1/queues/${paused.slug}/resume`, undefined, {
      token: adminToken,
    });
    assert.equal(resume.status, 200, JSON.stringify(resume.body));
    assert.equal(resume.body.paused, false);
    const accepted = await submit(body, { apiKey: pausedKey, slug: paused.slug });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    assert.equal(accepted.body.status, 'pending');
    assert.equal((await counts()).items, before.items + 1);
  });

  it('puts a pending item on its BullMQ review queue with job id = item id, once', async () => {
    const own = await newQueue(api.client, adminToken);
    const ownKey = (await newServiceKey(api.client, adminToken, [own.slug])).key;
    const body = itemBody({ priority: 10 });
    const res = await submit(body, { apiKey: ownKey, slug: own.slug });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(await redis.exists(jobKey(own.id, res.body.id)), 1);
    const data = JSON.parse((await redis.hget(jobKey(own.id, res.body.id), 'data')) ?? 'null');
    assert.deepEqual(data, { itemId: res.body.id, queueId: own.id });

    const again = await submit(body, { apiKey: ownKey, slug: own.slug });
    assert.equal(again.status, 200);
    assert.equal(await jobsWaiting(own.id), 1, 'a replay enqueues nothing more');
  });
});
