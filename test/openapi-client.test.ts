import { validate } from '@readme/openapi-parser';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import createClient from 'openapi-fetch';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import type { paths } from './support/openapi/arbiter-api.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

// Arbiter's OpenAPI document as independent tools read it: a validator, a type generator and the fetch
// client built on its types.
const GENERATED = resolve('test/support/openapi/arbiter-api.ts');
const REGENERATE = 'ARBITER_WRITE_OPENAPI_TYPES=1 npm test -- openapi-client';

type Schema = { [key: string]: unknown };

/**
 * The document's schemas as JSON Schema for Ajv, made strict: OpenAPI 3.0's `nullable` becomes a union
 * with null, and an object with listed properties may have no others, so an answer's undocumented field
 * fails (the document itself leaves them open: answers may gain fields).
 */
function strictJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const { nullable, ...rest } = node as Schema;
  const schema = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, strictJsonSchema(v)]));
  if (typeof schema['$ref'] === 'string')
    schema['$ref'] = schema['$ref'].replace('#/components/schemas/', 'doc#/');
  if (schema['properties'] && schema['additionalProperties'] === undefined)
    schema['additionalProperties'] = false;
  return nullable ? { anyOf: [schema, { type: 'null' }] } : schema;
}

describe('the OpenAPI document with independent tools', () => {
  let env: TestEnv;
  let api: RunningApi;
  let doc: Schema & { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
  /** Asserts the body fits the schema the document gives for this route and status. */
  let documented: (route: string, status: number, body: unknown) => void;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    doc = (await api.client.get('/docs-json')).body;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(strictJsonSchema((doc['components'] as Schema)['schemas']) as Schema, 'doc');
    documented = (route, status, body) => {
      const [method, path] = route.split(' ') as [string, string];
      const schema = doc.paths[path]![method]!.responses[status]?.content?.['application/json']?.schema;
      assert.ok(schema, `${route} documents no ${status} body`);
      const check = ajv.compile(strictJsonSchema(schema) as Schema);
      assert.ok(check(body), `${route} ${status}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body)}`);
    };
  });

  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('is valid OpenAPI 3 for @readme/openapi-parser, which refuses a broken copy', async () => {
    const result = await validate(structuredClone(doc) as any);
    assert.ok(result.valid, JSON.stringify(result));
    assert.deepEqual(result.warnings, []);
    assert.equal(result.specification, 'OpenAPI');

    const broken = structuredClone(doc) as any;
    delete broken.paths['/api/v1/items/{id}'].get.responses;
    assert.equal((await validate(broken)).valid, false);
  });

  it('generates the committed client types with openapi-typescript', async () => {
    const source =
      COMMENT_HEADER +
      astToString(await openapiTS(structuredClone(doc) as any, { defaultNonNullable: false }));
    const generated = await format(source, { ...(await resolveConfig(GENERATED)), filepath: GENERATED });
    if (process.env.ARBITER_WRITE_OPENAPI_TYPES === '1') writeFileSync(GENERATED, generated);
    assert.equal(
      readFileSync(GENERATED, 'utf8'),
      generated,
      `test/support/openapi/arbiter-api.ts is out of date: ${REGENERATE}`,
    );
  });

  it('a client generated from it submits, reads and decides an item, each answer as documented', async () => {
    const admin = await loginAdmin(api.client);
    const { slug } = await newQueue(api.client, admin);
    const { key } = await newServiceKey(api.client, admin, [slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [slug]);
    const service = createClient<paths>({ baseUrl: api.url, headers: { 'X-API-Key': key } });
    const person = createClient<paths>({
      baseUrl: api.url,
      headers: { Authorization: `Bearer ${reviewer.token}` },
    });

    const submission = (confidence = 0.42) => ({
      externalId: `ext-${randomUUID()}`,
      model: { name: 'classifier', version: '2026-11' },
      input: { text: 'The parcel arrived broken.' },
      output: { label: 'complaint' },
      confidence,
      reason: 'low_confidence' as const,
      metadata: { ticket: 'T-1' },
    });
    const body = submission();
    const idempotencyKey = randomUUID();
    const submitted = await service.POST('/api/v1/queues/{slug}/items', {
      params: { path: { slug }, header: { 'Idempotency-Key': idempotencyKey } },
      body,
    });
    assert.equal(submitted.response.status, 201, JSON.stringify(submitted.error));
    assert.ok(submitted.data);
    documented('post /api/v1/queues/{slug}/items', 201, submitted.data);
    assert.equal(submitted.data.status, 'pending');
    assert.equal(submitted.data.externalId, body.externalId);
    const replayed = await service.POST('/api/v1/queues/{slug}/items', {
      params: { path: { slug }, header: { 'Idempotency-Key': idempotencyKey } },
      body,
    });
    assert.equal(replayed.response.status, 200);
    assert.equal(replayed.data?.id, submitted.data.id);

    const batch = await service.POST('/api/v1/queues/{slug}/items/batch', {
      params: { path: { slug } },
      body: { items: [submission(), submission(2)] },
    });
    assert.ok(batch.data, JSON.stringify(batch.error));
    documented('post /api/v1/queues/{slug}/items/batch', 200, batch.data);
    assert.deepEqual(
      batch.data.results.map((r) => r.error?.code ?? r.status),
      ['pending', 'VALIDATION_FAILED'],
    );

    const id = submitted.data.id;
    const read = await service.GET('/api/v1/items/{id}', { params: { path: { id } } });
    assert.ok(read.data, JSON.stringify(read.error));
    documented('get /api/v1/items/{id}', 200, read.data);
    assert.deepEqual(read.data.metadata, { ticket: 'T-1' });
    assert.deepEqual(
      read.data.history?.map((e) => e.action),
      ['item.received'],
    );

    const claimed = await person.POST('/api/v1/queues/{slug}/claim', { params: { path: { slug } } });
    assert.ok(claimed.data, JSON.stringify(claimed.error));
    documented('post /api/v1/queues/{slug}/claim', 200, claimed.data);
    assert.equal(claimed.data.item.id, id);
    const token = claimed.data.claim.token;
    const heartbeat = await person.POST('/api/v1/claims/{token}/heartbeat', { params: { path: { token } } });
    assert.ok(heartbeat.data, JSON.stringify(heartbeat.error));
    documented('post /api/v1/claims/{token}/heartbeat', 200, heartbeat.data);

    const output = { label: 'question' };
    const decided = await person.POST('/api/v1/claims/{token}/decision', {
      params: { path: { token } },
      body: { verdict: 'correct', output, comment: 'not a complaint' },
    });
    assert.equal(decided.response.status, 201, JSON.stringify(decided.error));
    assert.ok(decided.data);
    documented('post /api/v1/claims/{token}/decision', 201, decided.data);
    assert.equal(decided.data.itemStatus, 'corrected');
    assert.deepEqual(decided.data.decision.output, output);

    const final = await service.GET('/api/v1/items/{id}', { params: { path: { id } } });
    assert.ok(final.data);
    documented('get /api/v1/items/{id}', 200, final.data);
    assert.equal(final.data.status, 'corrected');
    assert.deepEqual(final.data.decision, decided.data.decision);

    const missing = await service.GET('/api/v1/items/{id}', { params: { path: { id: randomUUID() } } });
    assert.equal(missing.response.status, 404);
    assert.equal(missing.error?.code, 'NOT_FOUND');
  });

  it('an admin pages through webhook deliveries with it, each page as documented', async () => {
    const admin = await loginAdmin(api.client);
    // No worker runs here: the deliveries stay pending, unsent.
    const { slug } = await newQueue(api.client, admin, {
      autoApproveAbove: 0.5,
      callbackUrl: 'https://hooks.example.com/arbiter',
    });
    const { key } = await newServiceKey(api.client, admin, [slug]);
    const service = createClient<paths>({ baseUrl: api.url, headers: { 'X-API-Key': key } });
    for (let n = 0; n < 3; n++) {
      const submitted = await service.POST('/api/v1/queues/{slug}/items', {
        params: { path: { slug } },
        body: {
          externalId: `ext-${randomUUID()}`,
          model: { name: 'classifier', version: '2026-11' },
          input: { text: 'The parcel arrived broken.' },
          output: { label: 'complaint' },
          confidence: 0.9,
          reason: 'low_confidence',
        },
      });
      assert.equal(submitted.data?.status, 'auto_approved', JSON.stringify(submitted.error));
    }
    const person = createClient<paths>({ baseUrl: api.url, headers: { Authorization: `Bearer ${admin}` } });
    const first = await person.GET('/api/v1/deliveries', { params: { query: { queue: slug, limit: 2 } } });
    assert.ok(first.data, JSON.stringify(first.error));
    documented('get /api/v1/deliveries', 200, first.data);
    assert.equal(first.data.deliveries.length, 2);
    assert.equal(first.data.total, 3);
    assert.ok(first.data.next);
    const second = await person.GET('/api/v1/deliveries', {
      params: { query: { queue: slug, limit: 2, cursor: first.data.next } },
    });
    assert.ok(second.data, JSON.stringify(second.error));
    documented('get /api/v1/deliveries', 200, second.data);
    assert.equal(second.data.deliveries.length, 1);
    assert.equal(second.data.next, null);
    assert.equal(second.data.total, 3);

    const id = second.data.deliveries[0]!.id;
    const replayed = await person.POST('/api/v1/deliveries/{id}/replay', { params: { path: { id } } });
    assert.ok(replayed.data, JSON.stringify(replayed.error));
    documented('post /api/v1/deliveries/{id}/replay', 200, replayed.data);
    assert.equal(replayed.data.status, 'pending');

    const bad = await person.GET('/api/v1/deliveries', { params: { query: { cursor: 'nope' } } });
    assert.equal(bad.response.status, 400);
    assert.equal(bad.error?.details?.[0]?.path, 'cursor');
  });
});
