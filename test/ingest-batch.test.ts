import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const idemKey = () => `batch-${randomBytes(8).toString('hex')}`;

describe('batch submits accept or refuse each item on its own', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let adminToken: string;
  let slug: string;
  let key: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    adminToken = await loginAdmin(api.client);
    const queue = await newQueue(api.client, adminToken, {
      autoApproveAbove: 0.9,
      outputSchema: {
        type: 'object',
        required: ['label'],
        properties: { label: { enum: ['complaint', 'praise'] } },
      },
    });
    slug = queue.slug;
    key = (await newServiceKey(api.client, adminToken, [slug])).key;
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  const batch = (body: unknown, idempotencyKey?: string, apiKey = key) =>
    api.client.post(`/api/v1/queues/${slug}/items/batch`, body, {
      apiKey,
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    });

  async function counts() {
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM items) AS items,
              (SELECT count(*)::int FROM audit_events WHERE subject_type = 'item') AS events,
              (SELECT count(*)::int FROM decisions) AS decisions`,
    );
    return rows[0] as { items: number; events: number; decisions: number };
  }

  async function rowsByExternalId(externalIds: string[]) {
    const { rows } = await db.query<{ id: string; external_id: string; status: string; confidence: number }>(
      `SELECT id, external_id, status, confidence FROM items WHERE external_id = ANY($1::text[])`,
      [externalIds],
    );
    return rows;
  }

  function assertValidationFailed(res: { status: number; body: any }) {
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 500));
    assert.equal(res.body.statusCode, 400);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.ok(Array.isArray(res.body.details) && res.body.details.length > 0);
  }

  it('answers one result per input, in order, storing only the accepted items', async () => {
    const valid = itemBody();
    const auto = itemBody({ confidence: 0.95 });
    const badConfidence = itemBody({ confidence: 1.5 });
    const unknownField = { ...itemBody(), surprise: true };
    const badOutput = itemBody({ output: { label: 'shrug' } });
    const differentBody = { ...valid, confidence: 0.1 };
    const last = itemBody({ reason: 'model_error', output: undefined });
    const items = [
      valid,
      badConfidence,
      auto,
      unknownField,
      badOutput,
      valid,
      differentBody,
      'not an object',
      last,
    ];
    const before = await counts();

    const res = await batch({ items });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    const { results } = res.body;
    assert.ok(Array.isArray(results));
    assert.equal(results.length, items.length);
    results.forEach((r: { index: number }, i: number) =>
      assert.equal(r.index, i, 'results are in input order'),
    );

    const accepted = (i: number, status: string) => {
      assert.equal(results[i].error, undefined, JSON.stringify(results[i]));
      assert.match(results[i].id, /^[0-9a-f-]{36}$/);
      assert.equal(results[i].status, status);
    };
    const refused = (i: number, code: string) => {
      assert.equal(results[i].id, undefined, JSON.stringify(results[i]));
      assert.equal(results[i].error?.code, code, JSON.stringify(results[i]));
      assert.equal(typeof results[i].error.message, 'string');
      if (code === 'VALIDATION_FAILED') {
        assert.ok(results[i].error.details.length > 0, 'details name the problem');
        for (const d of results[i].error.details) assert.equal(typeof d.path, 'string');
      }
    };
    accepted(0, 'pending');
    refused(1, 'VALIDATION_FAILED');
    assert.ok(results[1].error.details.some((d: { path: string }) => d.path === 'confidence'));
    accepted(2, 'auto_approved');
    refused(3, 'VALIDATION_FAILED');
    assert.ok(results[3].error.details.some((d: { path: string }) => d.path === 'surprise'));
    refused(4, 'VALIDATION_FAILED');
    assert.ok(results[4].error.details.some((d: { path: string }) => d.path.startsWith('output')));
    accepted(5, 'pending');
    assert.equal(results[5].id, results[0].id, 'a duplicate within the batch is the same item');
    refused(6, 'IDEMPOTENCY_CONFLICT');
    refused(7, 'VALIDATION_FAILED');
    accepted(8, 'pending');
    assert.equal(new Set([results[0].id, results[2].id, results[8].id]).size, 3);

    const after = await counts();
    assert.equal(after.items, before.items + 3, 'three items stored');
    assert.equal(after.events, before.events + 4, 'three item.received and one item.auto_approved');
    assert.equal(after.decisions, before.decisions + 1);
    const stored = await rowsByExternalId([
      valid.externalId,
      auto.externalId,
      badConfidence.externalId,
      unknownField.externalId,
      badOutput.externalId,
      last.externalId,
    ]);
    assert.deepEqual(
      new Map(stored.map((r) => [r.external_id, [r.id, r.status]])),
      new Map([
        [valid.externalId, [results[0].id, 'pending']],
        [auto.externalId, [results[2].id, 'auto_approved']],
        [last.externalId, [results[8].id, 'pending']],
      ]),
    );
    assert.equal(stored.find((r) => r.external_id === valid.externalId)!.confidence, 0.42, 'first body wins');

    const shown = await api.client.get(`/api/v1/items/${results[2].id}`, { apiKey: key });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.decision.verdict, 'auto_approve');
  });

  it('refuses a batch of 501 items as a whole with 400 and stores nothing', async () => {
    const before = await counts();
    assertValidationFailed(await batch({ items: Array.from({ length: 501 }, () => itemBody()) }));
    assert.deepEqual(await counts(), before);
  });

  it('refuses an empty batch with 400', async () => {
    assertValidationFailed(await batch({ items: [] }));
  });

  for (const [name, body] of [
    ['items is an object', { items: { 0: itemBody() } }],
    ['items is a string', { items: 'lots' }],
    ['items is missing', {}],
    ['items is null', { items: null }],
    ['the body is an array', [itemBody()]],
    ['an unknown top-level field', { items: [itemBody()], extra: 1 }],
  ] as const) {
    it(`refuses a batch when ${name} with 400`, async () => {
      const before = await counts();
      assertValidationFailed(await batch(body));
      assert.deepEqual(await counts(), before);
    });
  }

  it('accepts a batch of 500 valid items and stores 500 rows', async () => {
    const items = Array.from({ length: 500 }, (_, i) => itemBody({ priority: i % 101 }));
    const before = await counts();
    const res = await batch({ items });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    assert.equal(res.body.results.length, 500);
    res.body.results.forEach(
      (r: { index: number; id: string; status: string; error?: unknown }, i: number) => {
        assert.equal(r.index, i);
        assert.equal(r.error, undefined, JSON.stringify(r));
        assert.equal(r.status, 'pending');
      },
    );
    assert.equal(new Set(res.body.results.map((r: { id: string }) => r.id)).size, 500);
    const after = await counts();
    assert.equal(after.items, before.items + 500);
    assert.equal(after.events, before.events + 500);

    const stored = await rowsByExternalId(items.map((i) => i.externalId));
    assert.equal(stored.length, 500);
    const idByExternal = new Map(stored.map((r) => [r.external_id, r.id]));
    items.forEach((item, i) => assert.equal(idByExternal.get(item.externalId), res.body.results[i].id));
  });

  it('replays a batch sent again with the same Idempotency-Key and refuses another body with 422', async () => {
    const idem = idemKey();
    const items = [itemBody(), itemBody({ confidence: 7 }), itemBody({ confidence: 0.99 })];
    const first = await batch({ items }, idem);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.results[0].status, 'pending');
    assert.equal(first.body.results[1].error.code, 'VALIDATION_FAILED');
    assert.equal(first.body.results[2].status, 'auto_approved');
    const before = await counts();

    const replay = await batch({ items }, idem);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.deepEqual(replay.body, first.body, 'the same results');
    assert.deepEqual(await counts(), before, 'no new rows');

    const changed = await batch({ items: [items[0], items[2]] }, idem);
    assert.equal(changed.status, 422, JSON.stringify(changed.body));
    assert.equal(changed.body.statusCode, 422);
    assert.equal(changed.body.code, 'IDEMPOTENCY_CONFLICT');
    const fresh = await batch({ items: [itemBody()] }, idem);
    assert.equal(fresh.status, 422, JSON.stringify(fresh.body));
    assert.equal(fresh.body.code, 'IDEMPOTENCY_CONFLICT');
    assert.deepEqual(await counts(), before, 'nothing stored');
  });

  it('scopes a batch Idempotency-Key to the service', async () => {
    const idem = idemKey();
    const items = [itemBody()];
    const first = await batch({ items }, idem);
    assert.equal(first.status, 200, JSON.stringify(first.body));

    const other = await newServiceKey(api.client, adminToken, [slug]);
    const theirs = await batch({ items }, idem, other.key);
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.equal(theirs.body.results[0].status, 'pending');
    assert.notEqual(theirs.body.results[0].id, first.body.results[0].id, 'another service gets its own item');
    assert.equal((await rowsByExternalId([items[0]!.externalId])).length, 2);
  });

  it('lets concurrent copies of a keyed batch create each item once', async () => {
    const idem = idemKey();
    const items = Array.from({ length: 50 }, () => itemBody());
    const before = await counts();
    const responses = await Promise.all(Array.from({ length: 5 }, () => batch({ items }, idem)));
    const ok = responses.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, responses.map((r) => r.status).join(','));
    for (const r of responses) {
      if (r.status === 200) assert.deepEqual(r.body, ok[0]!.body);
      else {
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.code, 'IDEMPOTENCY_CONFLICT');
      }
    }
    assert.equal((await counts()).items, before.items + 50);
    // Once the first finished, a copy replays it.
    const later = await batch({ items }, idem);
    assert.equal(later.status, 200);
    assert.deepEqual(later.body, ok[0]!.body);
  });

  it('answers a batch sent again without a key with the original ids (idempotent by externalId)', async () => {
    const items = Array.from({ length: 20 }, (_, i) => itemBody({ confidence: i % 2 === 0 ? 0.3 : 0.95 }));
    const first = await batch({ items });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const before = await counts();

    const again = await batch({ items });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.results.length, items.length);
    again.body.results.forEach(
      (r: { index: number; id: string; status: string; error?: unknown }, i: number) => {
        assert.equal(r.index, i);
        assert.equal(r.error, undefined, JSON.stringify(r));
        assert.equal(r.id, first.body.results[i].id, 'the original id');
        assert.equal(r.status, i % 2 === 0 ? 'pending' : 'auto_approved');
      },
    );
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(await counts(), before, 'no new rows, events or decisions');

    // Mixed with a changed body and a new item, each entry is judged on its own.
    const extra = itemBody();
    const mixed = await batch({ items: [items[0], { ...items[1]!, confidence: 0.5 }, extra] });
    assert.equal(mixed.status, 200, JSON.stringify(mixed.body));
    assert.equal(mixed.body.results[0].id, first.body.results[0].id);
    assert.equal(mixed.body.results[1].error.code, 'IDEMPOTENCY_CONFLICT');
    assert.equal(mixed.body.results[2].status, 'pending');
    assert.equal((await counts()).items, before.items + 1);
  });

  it('shares externalId idempotency between single and batch submits', async () => {
    const single = itemBody({ metadata: { source: 'single' }, priority: 3 });
    const one = await api.client.post(`/api/v1/queues/${slug}/items`, single, { apiKey: key });
    assert.equal(one.status, 201, JSON.stringify(one.body));

    const inBatch = itemBody({ metadata: { source: 'batch' }, callbackUrl: 'https://1.1.1.1/hook' });
    const before = await counts();
    const res = await batch({ items: [single, inBatch, { ...single, priority: 4 }] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.results[0].id, one.body.id, 'the single submit is the same item');
    assert.equal(res.body.results[0].status, 'pending');
    assert.equal(res.body.results[2].error?.code, 'IDEMPOTENCY_CONFLICT');
    assert.equal((await counts()).items, before.items + 1);

    const again = await api.client.post(`/api/v1/queues/${slug}/items`, inBatch, { apiKey: key });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, res.body.results[1].id, 'the batch entry is the same item');
    assert.equal(again.body.callbackUrl, 'https://1.1.1.1/hook');
    assert.equal((await counts()).items, before.items + 1);
  });

  it('answers a batch to a paused queue with 423 and stores nothing', async () => {
    const paused = await newQueue(api.client, adminToken);
    const pausedKey = (await newServiceKey(api.client, adminToken, [paused.slug])).key;
    const pause = await api.client.post(`/api/v1/queues/${paused.slug}/pause`, undefined, {
      token: adminToken,
    });
    assert.equal(pause.status, 200);
    const before = await counts();
    const res = await api.client.post(
      `/api/v1/queues/${paused.slug}/items/batch`,
      { items: [itemBody()] },
      { apiKey: pausedKey },
    );
    assert.equal(res.status, 423, JSON.stringify(res.body));
    assert.equal(res.body.code, 'QUEUE_PAUSED');
    assert.deepEqual(await counts(), before);
  });
});
