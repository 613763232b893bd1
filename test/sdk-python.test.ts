import { ERROR_STATUS, TRANSPORT_ERROR_CODES, wireCode } from '@arbiter/contracts';
import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { assertPython311, runPython } from './support/python.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { LOOPBACK_WEBHOOKS } from './support/webhook-receiver.js';

// The Python client's own tests (libs/sdk-python/tests, Python's unittest), run against a real Arbiter: an
// API node, a worker delivering webhooks, and a second API node with a per-service rate limit.
describe('the Python client (arbiter-client)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let limited: RunningApi;
  let worker: INestApplicationContext;

  before(async () => {
    await assertPython311();
    env = await createTestEnv();
    const config = env.config(LOOPBACK_WEBHOOKS);
    api = await startApi(config);
    limited = await startApi(env.config({ RATE_LIMIT_PER_SERVICE: '2' }));
    worker = await createWorkerApp(config);
  });

  after(async () => {
    await worker?.close();
    await limited?.close();
    await api?.close();
    await env?.cleanup();
  });

  it('passes its unittest suite against the running API and worker', async () => {
    const admin = await loginAdmin(api.client);
    const queue = await newQueue(api.client, admin);
    const capped = await newQueue(api.client, admin, { maxPending: 1 });
    const key = await newServiceKey(api.client, admin, [queue.slug, capped.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);

    const run = await runPython(['-m', 'unittest', '-v'], {
      env: {
        ARBITER_URL: api.url,
        ARBITER_RATE_LIMITED_URL: limited.url,
        ARBITER_API_KEY: key.key,
        ARBITER_WEBHOOK_SECRET: key.webhookSecret,
        ARBITER_QUEUE: queue.slug,
        ARBITER_CAPPED_QUEUE: capped.slug,
        ARBITER_REVIEWER_TOKEN: reviewer.token,
        ARBITER_REVIEWER_ID: reviewer.id,
      },
      timeoutMs: 180_000,
    });
    assert.equal(run.status, 0, `python3 -m unittest failed:\n${run.output}`);
    const ran = Number(/^Ran (\d+) tests? in /m.exec(run.output)?.[1] ?? 0);
    assert.ok(ran >= 30, `ran ${ran} tests:\n${run.output}`);
    assert.match(run.output, /^OK$/m, `some tests were skipped:\n${run.output}`);
  });

  it('knows every error code the server answers with', async () => {
    const run = await runPython([
      '-c',
      'import json, arbiter_client; print(json.dumps(sorted(arbiter_client.ErrorCode)))',
    ]);
    assert.equal(run.status, 0, run.output);
    const server = new Set([
      ...Object.keys(ERROR_STATUS).map((code) => wireCode(code as keyof typeof ERROR_STATUS)),
      ...TRANSPORT_ERROR_CODES,
    ]);
    assert.deepEqual(JSON.parse(run.stdout), [...server].sort());
  });
});
