import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('ingest refuses bad input and stores nothing', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let key: string;
  let slug: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    const token = await loginAdmin(api.client);
    const queue = await newQueue(api.client, token, {
      outputSchema: {
        type: 'object',
        required: ['label'],
        properties: { label: { enum: ['complaint', 'praise'] } },
      },
    });
    slug = queue.slug;
    key = (await newServiceKey(api.client, token, [slug])).key;
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  async function counts() {
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM items) AS items,
              (SELECT count(*)::int FROM audit_events WHERE subject_type = 'item') AS events,
              (SELECT count(*)::int FROM decisions) AS decisions`,
    );
    return rows[0];
  }

  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  const cases: [string, () => { body?: unknown; rawBody?: string }, number, string][] = [
    ['confidence 1.5', () => ({ body: itemBody({ confidence: 1.5 }) }), 400, 'VALIDATION_FAILED'],
    ['confidence "high"', () => ({ body: itemBody({ confidence: 'high' }) }), 400, 'VALIDATION_FAILED'],
    ['missing model', () => ({ body: itemBody({ model: undefined }) }), 400, 'VALIDATION_FAILED'],
    ['unknown reason', () => ({ body: itemBody({ reason: 'bored' }) }), 400, 'VALIDATION_FAILED'],
    [
      'schema-violating output',
      () => ({ body: itemBody({ output: { label: 'shrug' } }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'missing output for low_confidence',
      () => ({ body: itemBody({ output: undefined }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'unknown top-level field',
      () => ({ body: { ...itemBody(), surprise: true } }),
      400,
      'VALIDATION_FAILED',
    ],
    ['priority -1', () => ({ body: itemBody({ priority: -1 }) }), 400, 'VALIDATION_FAILED'],
    ['priority 101', () => ({ body: itemBody({ priority: 101 }) }), 400, 'VALIDATION_FAILED'],
    ['priority 1.5', () => ({ body: itemBody({ priority: 1.5 }) }), 400, 'VALIDATION_FAILED'],
    [
      '2 MB body',
      () => ({ body: itemBody({ input: { text: 'x'.repeat(2 * 1024 * 1024) } }) }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'JSON nested 200 deep',
      () => ({ rawBody: JSON.stringify(itemBody()).replace('"input":{', `"input":{"deep":${nested(200)},`) }),
      400,
      'VALIDATION_FAILED',
    ],
    ['malformed JSON', () => ({ rawBody: '{"externalId": "a",' }), 400, 'VALIDATION_FAILED'],
    [
      '10,000-char externalId',
      () => ({ body: itemBody({ externalId: 'e'.repeat(10_000) }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      '__proto__ key',
      () => ({
        rawBody: JSON.stringify(itemBody()).replace('"input":{', '"input":{"__proto__":{"polluted":true},'),
      }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'constructor key',
      () => ({
        rawBody: JSON.stringify(itemBody({ metadata: { constructor: { prototype: { polluted: true } } } })),
      }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'metadata with 65 keys',
      () => ({
        body: itemBody({ metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) }),
      }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'model with an extra field',
      () => ({ body: itemBody({ model: { name: 'm', version: '1', x: 1 } }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'callbackUrl on loopback',
      () => ({ body: itemBody({ callbackUrl: 'http://127.0.0.1:9/hook' }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'callbackUrl to metadata service',
      () => ({ body: itemBody({ callbackUrl: 'http://169.254.169.254/latest' }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'callbackUrl not http',
      () => ({ body: itemBody({ callbackUrl: 'ftp://example.com/x' }) }),
      400,
      'VALIDATION_FAILED',
    ],
    ['body is an array', () => ({ body: [itemBody()] }), 400, 'VALIDATION_FAILED'],
    // Postgres cannot store a NUL or an unpaired surrogate, which JSON lets in as \u escapes.
    [
      'a NUL in the input',
      () => ({ body: itemBody({ input: { text: 'a\u0000b' } }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a NUL in the externalId',
      () => ({ body: itemBody({ externalId: 'x\u0000' }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a lone high surrogate',
      () => ({ body: itemBody({ output: { label: '\ud800' } }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a lone low surrogate',
      () => ({ body: itemBody({ input: { t: 'x\udc00y' } }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a NUL in a metadata key',
      () => ({ body: itemBody({ metadata: { 'k\u0000': 1 } }) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'surrogates swapped, as raw escapes',
      () => ({ rawBody: JSON.stringify(itemBody()).replace('"input":{', '"input":{"t":"\\ude00\\ud83d",') }),
      400,
      'VALIDATION_FAILED',
    ],
    ['empty body', () => ({ rawBody: '' }), 400, 'VALIDATION_FAILED'],
  ];

  for (const [name, make, status, code] of cases) {
    it(`refuses ${name} with ${status} ${code}`, async () => {
      const before = await counts();
      const res = await api.client.request('POST', `/api/v1/queues/${slug}/items`, {
        ...make(),
        apiKey: key,
      });
      assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 500));
      assert.equal(res.body.code, code);
      assert.equal(res.body.statusCode, status);
      assert.equal(typeof res.body.message, 'string');
      if (status === 400) {
        assert.ok(Array.isArray(res.body.details) && res.body.details.length > 0, 'details name the problem');
        for (const d of res.body.details) assert.equal(typeof d.path, 'string');
      }
      assert.deepEqual(await counts(), before, 'nothing was stored');
    });
  }

  it('refuses a prototype-polluting key without polluting anything', async () => {
    const res = await api.client.request('POST', `/api/v1/queues/${slug}/items`, {
      rawBody: JSON.stringify(itemBody()).replace('"input":{', '"input":{"__proto__":{"isAdmin":true},'),
      apiKey: key,
    });
    assert.equal(res.status, 400);
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
  });

  it('names where the unstorable text is, and takes a well-formed surrogate pair', async () => {
    const refused = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      itemBody({ input: { notes: ['fine', 'not\u0000fine'] } }),
      { apiKey: key },
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.body.details.map((d: { path: string }) => d.path),
      ['input.notes[1]'],
    );
    assert.match(refused.body.details[0].message, /NUL/);
    const emoji = await api.client.request('POST', `/api/v1/queues/${slug}/items`, {
      rawBody: JSON.stringify(itemBody()).replace('"input":{', '"input":{"t":"\\ud83d\\ude00",'),
      apiKey: key,
    });
    assert.equal(emoji.status, 201, JSON.stringify(emoji.body));
    assert.equal(emoji.body.input.t, '😀');
  });

  it('refuses only the batch entry with a NUL or a lone surrogate', async () => {
    const before = await counts();
    const res = await api.client.post(
      `/api/v1/queues/${slug}/items/batch`,
      {
        items: [
          itemBody(),
          itemBody({ input: { text: '\u0000' } }),
          itemBody({ output: { label: 'complaint', note: '\udfff' } }),
          itemBody(),
        ],
      },
      { apiKey: key },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.results.map((r: { index: number; error?: { code: string } }) => r.error?.code ?? 'accepted'),
      ['accepted', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'accepted'],
    );
    assert.equal(res.body.results[1].error.details[0].path, 'input.text');
    assert.equal((await counts()).items, before.items + 2);
  });

  it('refuses unstorable text on other routes too, never answering 500', async () => {
    const admin = await loginAdmin(api.client);
    const requests: [string, string, Record<string, unknown>][] = [
      ['POST', '/api/v1/queues', { slug: 'nul-queue', name: 'a\u0000b' }],
      ['POST', '/api/v1/auth/login', { email: 'admin\u0000@x.test', password: 'whatever-password' }],
      [
        'POST',
        '/api/v1/users',
        { email: 'u@x.test', password: 'long-enough-pw\ud800', roles: ['reviewer'], queues: [] },
      ],
      ['GET', `/api/v1/audit/decisions?format=jsonl&model=${encodeURIComponent('m\u0000')}`, {}],
    ];
    for (const [method, path, body] of requests) {
      const res = await api.client.request(method, path, {
        ...(method === 'GET' ? {} : { body }),
        token: admin,
      });
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
    }
    const queue = await api.client.get('/api/v1/queues/nul-queue', { token: admin });
    assert.equal(queue.status, 404, 'no queue was made');
  });

  it('accepts model_error without output, and the same body otherwise valid', async () => {
    const res = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      itemBody({ output: undefined, reason: 'model_error' }),
      {
        apiKey: key,
      },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'pending');
    assert.equal(res.body.output, null);
  });

  it('accepts a body just under the limits', async () => {
    const res = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      itemBody({
        externalId: 'e'.repeat(256),
        priority: 100,
        metadata: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i])),
        input: { deep: JSON.parse(nested(28)) },
      }),
      { apiKey: key },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 300));
  });
});
