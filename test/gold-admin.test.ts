// Gold items as admins set them up, against a real API and PostgreSQL: POST /queues/:slug/gold judged entry by
// entry like a batch, every refusal of the whole request storing nothing, and the queue's goldRate setting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { goldItemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const SCHEMA = {
  type: 'object',
  required: ['label'],
  additionalProperties: false,
  properties: { label: { enum: ['complaint', 'praise', 'refund_request'] } },
};

describe('gold items: adding them, and the goldRate setting', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let admin: string;
  let slug: string;
  let queueId: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
    const queue = await newQueue(api.client, admin, { outputSchema: SCHEMA });
    slug = queue.slug;
    queueId = queue.id;
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  const addGold = (body: unknown, token = admin, to = slug) =>
    api.client.post(`/api/v1/queues/${to}/gold`, body, { token });

  /** Templates and their gold.created events: what a refused request must leave untouched. */
  async function stored() {
    const { rows } = await db.query<{ templates: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM gold_templates) AS templates,
              (SELECT count(*)::int FROM audit_events WHERE action = 'gold.created') AS events`,
    );
    return rows[0]!;
  }

  it('accepts or refuses each entry on its own, in order, storing the accepted ones with their audit events', async () => {
    const before = await stored();
    const items = [
      goldItemBody(),
      goldItemBody({ expected: { verdict: 'correct' } }),
      goldItemBody({ expected: { verdict: 'correct', output: { label: 'refund_request' } } }),
      goldItemBody({ output: { label: 'spam' } }),
      goldItemBody({ expected: { verdict: 'reject', output: { label: 'praise' } } }),
      goldItemBody({ expected: { verdict: 'correct', output: { label: 'nonsense' } } }),
      goldItemBody({ expected: { verdict: 'correct', output: { label: 'complaint' } } }),
      goldItemBody({ expected: { verdict: 'maybe' } }),
      goldItemBody({ surprise: true }),
      goldItemBody({ expected: { verdict: 'reject', because: 'spam' } }),
      goldItemBody({ expected: { verdict: 'reject' }, reason: 'policy', metadata: { channel: 'email' } }),
      goldItemBody({ output: undefined }),
      goldItemBody({ confidence: 1.5 }),
      goldItemBody({ input: { text: 'a\u0000b' } }),
    ];
    const res = await addGold({ items });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const results = res.body.results as any[];
    assert.equal(results.length, items.length);
    results.forEach((r, i) => assert.equal(r.index, i));
    const accepted = results.filter((r) => r.id).map((r) => r.index);
    assert.deepEqual(accepted, [0, 2, 10]);
    const refusal = (index: number) => {
      const { error } = results[index];
      assert.equal(error.code, 'VALIDATION_FAILED', JSON.stringify(error));
      return (error.details as { path: string }[]).map((d) => d.path);
    };
    assert.deepEqual(refusal(1), ['expected.output'], 'correct without the corrected output');
    assert.ok(
      refusal(3).some((p) => p.startsWith('output')),
      'output against the queue schema',
    );
    assert.deepEqual(refusal(4), ['expected.output'], 'reject with an output');
    assert.ok(
      refusal(5).every((p) => p.startsWith('expected.output')),
      'expected.output against the schema',
    );
    assert.deepEqual(refusal(6), ['expected.output'], 'a correction that changes nothing');
    assert.deepEqual(refusal(7), ['expected.verdict']);
    assert.deepEqual(refusal(8), ['surprise'], 'unknown field');
    assert.deepEqual(refusal(9), ['expected.because'], 'unknown nested field');
    assert.deepEqual(refusal(11), ['output']);
    assert.deepEqual(refusal(12), ['confidence']);
    assert.deepEqual(refusal(13), ['input.text'], 'a NUL Postgres cannot store refuses that entry only');

    const after = await stored();
    assert.deepEqual(after, { templates: before.templates + 3, events: before.events + 3 });
    const { rows } = await db.query(
      `SELECT t.id, t.queue_id, t.expected_verdict, t.expected_output, t.reason, t.metadata, t.created_by,
              e.actor_type, e.actor_name, e.data
         FROM gold_templates t JOIN audit_events e ON e.subject_id = t.id::text AND e.action = 'gold.created'
        WHERE t.id = ANY($1::uuid[]) ORDER BY e.seq`,
      [accepted.map((i) => results[i].id)],
    );
    assert.deepEqual(
      rows.map((r) => [r.expected_verdict, r.expected_output, r.reason, r.metadata]),
      [
        ['approve', null, null, {}],
        ['correct', { label: 'refund_request' }, null, {}],
        ['reject', null, 'policy', { channel: 'email' }],
      ],
    );
    for (const row of rows) {
      assert.equal(row.queue_id, queueId);
      assert.equal(row.actor_type, 'user');
      assert.equal(row.actor_name, 'admin@test.local');
      assert.equal(typeof row.created_by, 'string');
    }
    assert.deepEqual(rows[1].data, {
      model: { name: 'classifier', version: '2026-11' },
      confidence: 0.55,
      expected: { verdict: 'correct', output: { label: 'refund_request' } },
    });
  });

  it('refuses a request as a whole, storing nothing: role, queue, shape, size', async () => {
    const before = await stored();
    const reviewer = await newUser(api.client, admin, ['reviewer'], [slug]);
    const auditor = await newUser(api.client, admin, ['auditor']);
    const { key } = await newServiceKey(api.client, admin, [slug]);
    const body = { items: [goldItemBody()] };

    for (const token of [reviewer.token, auditor.token]) {
      const res = await addGold(body, token);
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.code, 'FORBIDDEN');
    }
    const service = await api.client.post(`/api/v1/queues/${slug}/gold`, body, { apiKey: key });
    assert.equal(service.status, 403);
    assert.equal(service.body.code, 'FORBIDDEN');
    const anonymous = await api.client.post(`/api/v1/queues/${slug}/gold`, body);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHENTICATED');

    const unknown = await addGold(body, admin, 'no-such-queue');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'NOT_FOUND');

    for (const bad of [
      { items: [goldItemBody()], extra: 1 },
      { items: [] },
      { items: 'all of them' },
      {},
      { items: Array.from({ length: 501 }, () => goldItemBody()) },
    ]) {
      const res = await addGold(bad);
      assert.equal(res.status, 400, JSON.stringify(bad).slice(0, 80));
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(Array.isArray(res.body.details) && res.body.details.length > 0, JSON.stringify(res.body));
    }
    assert.deepEqual(await stored(), before);
  });

  it('takes up to 500 items in one request', async () => {
    const res = await addGold({ items: Array.from({ length: 500 }, () => goldItemBody()) });
    assert.equal(res.status, 201);
    assert.equal((res.body.results as { id?: string }[]).filter((r) => r.id).length, 500);
  });

  it('goldRate: 0 by default, set by POST and PATCH up to 0.2 and audited, refused above, hidden from reviewers', async () => {
    const plain = await newQueue(api.client, admin);
    assert.equal(plain['goldRate'], 0);
    const created = await newQueue(api.client, admin, { goldRate: 0.2 });
    assert.equal(created['goldRate'], 0.2);

    for (const goldRate of [0.3, -0.1, '0.1', null]) {
      const refusedCreate = await api.client.post(
        '/api/v1/queues',
        { slug: `${plain.slug}-x`, name: 'x', goldRate },
        { token: admin },
      );
      assert.equal(refusedCreate.status, 400, `create with goldRate ${goldRate}`);
      assert.equal(refusedCreate.body.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        [...new Set(refusedCreate.body.details.map((d: { path: string }) => d.path))],
        ['goldRate'],
      );
      const refusedPatch = await api.client.patch(
        `/api/v1/queues/${plain.slug}`,
        { goldRate },
        { token: admin },
      );
      assert.equal(refusedPatch.status, 400, `patch with goldRate ${goldRate}`);
    }

    const patched = await api.client.patch(
      `/api/v1/queues/${plain.slug}`,
      { goldRate: 0.05 },
      { token: admin },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.goldRate, 0.05);
    const { rows } = await db.query(
      `SELECT data FROM audit_events WHERE action = 'queue.updated' AND subject_id = $1 ORDER BY seq`,
      [plain.id],
    );
    assert.deepEqual(
      rows.map((r) => r.data),
      [{ before: { goldRate: 0 }, after: { goldRate: 0.05 } }],
      'one queue.updated event, for the refused changes none',
    );

    const auditor = await newUser(api.client, admin, ['auditor']);
    assert.equal(
      (await api.client.get(`/api/v1/queues/${plain.slug}`, { token: auditor.token })).body.goldRate,
      0.05,
    );
    const reviewer = await newUser(api.client, admin, ['reviewer'], [plain.slug]);
    const seen = await api.client.get(`/api/v1/queues/${plain.slug}`, { token: reviewer.token });
    assert.equal(seen.status, 200);
    assert.equal('goldRate' in seen.body, false, 'a reviewer is not told how much of their work is gold');
    const listed = await api.client.get('/api/v1/queues', { token: reviewer.token });
    assert.deepEqual(
      listed.body.queues.map((q: Record<string, unknown>) => 'goldRate' in q),
      [false],
    );
  });
});
