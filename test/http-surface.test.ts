import { type DomainErrorCode, ERROR_STATUS, wireCode } from '@arbiter/contracts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('HTTP surface: error shape, health, request ids, OpenAPI', () => {
  let env: TestEnv;
  let api: RunningApi;
  let token: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config({ BODY_LIMIT_BYTES: '65536' }));
    token = await loginAdmin(api.client);
  });

  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('answers an unknown route with the contract error shape', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nope'],
      ['POST', '/api/v1/queues/x/y/z'],
      ['DELETE', '/'],
    ] as const) {
      const res = await api.client.request(method, path, { token });
      assert.equal(res.status, 404);
      assert.deepEqual(Object.keys(res.body).sort(), ['code', 'message', 'statusCode']);
      assert.equal(res.body.code, 'NOT_FOUND');
    }
  });

  it('refuses body fields and query parameters a route does not take, changing nothing', async () => {
    const queue = await newQueue(api.client, token);
    const { id: keyId } = await newServiceKey(api.client, token, [queue.slug]);
    const refused: [string, string, unknown][] = [
      ['POST', `/api/v1/queues/${queue.slug}/pause`, { x: 1 }],
      ['POST', `/api/v1/queues/${queue.slug}/pause?force=1`, undefined],
      ['DELETE', `/api/v1/api-keys/${keyId}`, { reason: 'x' }],
      ['GET', '/api/v1/queues?foo=1', undefined],
      ['GET', `/api/v1/queues/${queue.slug}?expand=all`, undefined],
      ['POST', '/api/v1/auth/login?next=/', { email: 'a@b.c', password: 'whatever1' }],
      ['POST', `/api/v1/queues/${queue.slug}/resume`, [1, 2]],
    ];
    for (const [method, path, body] of refused) {
      const res = await api.client.request(method, path, { token, body });
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(res.body.details.length > 0, JSON.stringify(res.body));
    }
    const now = await api.client.get(`/api/v1/queues/${queue.slug}`, { token });
    assert.equal(now.body.paused, false, 'the refused pause changed nothing');
    const keys = await api.client.get('/api/v1/api-keys', { token });
    assert.equal(
      keys.body.apiKeys.find((k: { id: string }) => k.id === keyId).revokedAt,
      null,
      'nor the revoke',
    );

    // What the routes do take still works: no body, an empty object, and a DTO's own fields.
    assert.equal((await api.client.post(`/api/v1/queues/${queue.slug}/pause`, {}, { token })).status, 200);
    assert.equal(
      (await api.client.request('POST', `/api/v1/queues/${queue.slug}/resume`, { token })).status,
      200,
    );
    assert.equal((await api.client.get('/api/v1/queues', { token })).status, 200);
  });

  it('serves the web UI at every page address, so a reload or a shared link opens the page', async () => {
    for (const path of ['/', '/login', '/queues/demo', '/audit', '/audit/items/x', '/admin', '/admin/keys']) {
      const res = await api.client.get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, path);
      assert.match(String(res.body), /<div id="root">/, path);
    }
  });

  it('honours a configured body limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await api.client.post('/api/v1/auth/login', { email: 'a@b.c', password: 'x'.repeat(70_000) });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a non-JSON content type with a 4xx in the contract shape', async () => {
    const res = await api.client.request('POST', '/api/v1/auth/login', {
      rawBody: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.ok(res.status >= 400 && res.status < 500, String(res.status));
    assert.equal(typeof res.body.code, 'string');
  });

  it('answers an unexpected failure with 500, an error id and no internals', async () => {
    const queue = await newQueue(api.client, token);
    const { key } = await newServiceKey(api.client, token, [queue.slug]);
    const db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    // Break the schema under the running app for one request: the idempotency table is away.
    await db.query('ALTER TABLE idempotency_records RENAME TO idempotency_records_away');
    const res = await api.client
      .post(
        `/api/v1/queues/${queue.slug}/items/batch`,
        { items: [itemBody()] },
        { apiKey: key, headers: { 'idempotency-key': 'k-1' } },
      )
      .finally(async () => {
        await db.query('ALTER TABLE idempotency_records_away RENAME TO idempotency_records');
        await db.end();
      });
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'INTERNAL_ERROR');
    assert.match(res.body.errorId, /^[0-9a-f-]{36}$/);
    assert.ok(res.body.message.includes(res.body.errorId));
    const text = JSON.stringify(res.body);
    assert.equal(/idempotency_records|relation|\bat\s/.test(text), false, text);
  });

  it('echoes a given x-request-id and makes one otherwise', async () => {
    const given = await api.client.get('/health/live', { headers: { 'x-request-id': 'trace-abc.123' } });
    assert.equal(given.headers.get('x-request-id'), 'trace-abc.123');
    const made = await api.client.get('/health/live');
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const hostile = await api.client.get('/health/live', { headers: { 'x-request-id': 'a b\tc' } });
    assert.notEqual(hostile.headers.get('x-request-id'), 'a b\tc');
  });

  it('reports liveness and readiness without credentials', async () => {
    const live = await api.client.get('/health/live');
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { status: 'ok' });
    const ready = await api.client.get('/health/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ok', checks: { postgres: 'up', redis: 'up' } });
  });

  it('exposes Prometheus metrics: requests, submissions and queue depth from Postgres', async () => {
    const queue = await newQueue(api.client, token);
    const { key } = await newServiceKey(api.client, token, [queue.slug]);
    const submitted = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
      apiKey: key,
    });
    assert.equal(submitted.status, 201);
    const res = await api.client.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = String(res.body);
    assert.match(
      text,
      new RegExp(`arbiter_items_submitted_total\\{queue="${queue.slug}",status="pending"\\} 1`),
    );
    assert.match(text, new RegExp(`arbiter_queue_items\\{queue="${queue.slug}",status="pending"\\} 1`));
    assert.match(
      text,
      /arbiter_http_requests_total\{method="POST",route="\/api\/v1\/queues\/:slug\/items",status="201"\} 1/,
    );
    assert.match(text, /arbiter_process_resident_memory_bytes \d/);
  });

  it('serves the OpenAPI document with the contract paths, and its UI', async () => {
    const doc = await api.client.get('/docs-json');
    assert.equal(doc.status, 200);
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      '/api/v1/auth/login',
      '/api/v1/queues',
      '/api/v1/queues/{slug}',
      '/api/v1/queues/{slug}/pause',
      '/api/v1/queues/{slug}/resume',
      '/api/v1/queues/{slug}/items',
      '/api/v1/queues/{slug}/items/batch',
      '/api/v1/queues/{slug}/gold',
      '/api/v1/items/{id}',
      '/api/v1/users',
      '/api/v1/users/{id}',
      '/api/v1/api-keys',
      '/api/v1/api-keys/{id}',
      '/api/v1/monitoring/models',
      '/api/v1/monitoring/models/{queue}/{name}/{version}',
      '/api/v1/monitoring/alerts',
      '/api/v1/monitoring/alerts/{id}/acknowledge',
    ]) {
      assert.ok(paths.includes(path), `OpenAPI lacks ${path}`);
    }
    const submit = doc.body.components.schemas.SubmitItemDto;
    assert.deepEqual([...submit.required].sort(), ['externalId', 'input', 'model', 'reason']);
    assert.deepEqual(submit.properties.reason.enum, ['low_confidence', 'model_error', 'policy', 'other']);
    const gold = doc.body.components.schemas.GoldItemDto;
    assert.deepEqual([...gold.required].sort(), ['expected', 'input', 'model', 'output']);
    assert.ok(
      doc.body.paths['/api/v1/queues/{slug}/gold'].post.responses['404'],
      'gold: unknown queue documented',
    );
    const ui = await api.client.get('/docs');
    assert.equal(ui.status, 200);
    assert.match(String(ui.body), /swagger/i);
  });

  it('names in its description exactly the error codes domain rules answer with (error-code.ts)', async () => {
    const { body: doc } = await api.client.get('/docs-json');
    const listed = /with codes ([A-Z_, ]+)\.$/.exec(doc.info.description)?.[1]?.split(', ');
    const codes = new Set(Object.keys(ERROR_STATUS).map((code) => wireCode(code as DomainErrorCode)));
    assert.deepEqual(listed?.sort(), [...codes].sort());
  });

  it("documents every operation's error answers in the contract's error shape", async () => {
    const { body: doc } = await api.client.get('/docs-json');
    assert.deepEqual(doc.components.schemas.Error.required, ['statusCode', 'code', 'message']);
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(
      ([path, item]) =>
        Object.entries(item).map(([method, op]) => ({ route: `${method} ${path}`, responses: op.responses })),
    );
    assert.ok(operations.length > 30, `${operations.length} operations`);
    const errorRef = (route: string, status: number) => {
      const answer = operations.find((o) => o.route === route)?.responses[status];
      assert.ok(answer, `${route} does not document ${status}`);
      assert.equal(answer.content?.['application/json']?.schema?.$ref, '#/components/schemas/Error', route);
      return answer;
    };
    for (const { route } of operations) errorRef(route, 400);
    errorRef('get /api/v1/queues', 401);
    errorRef('get /api/v1/queues', 403);
    assert.equal(operations.find((o) => o.route === 'post /api/v1/auth/login')!.responses[403], undefined);
    errorRef('get /api/v1/items/{id}', 404);
    errorRef('post /api/v1/queues/{slug}/items', 413);
    errorRef('post /api/v1/queues/{slug}/items', 422);
    assert.match(errorRef('post /api/v1/queues/{slug}/items', 423).description, /QUEUE_PAUSED/);
    assert.ok(errorRef('post /api/v1/queues/{slug}/items/batch', 429).headers['Retry-After']);
    assert.match(errorRef('post /api/v1/claims/{token}/decision', 409).description, /ALREADY_DECIDED/);
    assert.match(errorRef('post /api/v1/claims/{token}/decision', 403).description, /NOT_CLAIM_HOLDER/);
    assert.match(errorRef('get /health/ready', 503).description, /UNAVAILABLE/);
    assert.ok(
      operations.some((o) => o.route === 'get /metrics'),
      'the metrics endpoint is documented',
    );
  });
});
