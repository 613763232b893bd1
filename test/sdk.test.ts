import {
  ArbiterClient,
  ArbiterError,
  DecisionTimeoutError,
  type Decision,
  type Item,
  signWebhook,
  type SubmitItem,
} from '@arbiter/sdk';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  SAFE_ANSWER,
  type SupportMessage,
  type TicketAnswer,
} from '../examples/triage-service/classifier.js';
import { runTriage } from '../examples/triage-service/triage.js';
import { startWebhookReceiver } from '../examples/triage-service/webhook-receiver.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

/** The demo queue's output schema: what the triage example answers. */
const TICKET_SCHEMA = {
  type: 'object',
  required: ['category', 'reply'],
  additionalProperties: false,
  properties: {
    category: { enum: ['billing', 'delivery', 'technical', 'other'] },
    reply: { type: 'string', minLength: 1, maxLength: 2000 },
  },
};

const ticket = (overrides: Partial<SubmitItem<SupportMessage, TicketAnswer>> = {}) => {
  const id = `msg-${randomBytes(6).toString('hex')}`;
  return {
    externalId: id,
    model: { name: 'keyword-triage', version: '2026-11' },
    input: { id, text: 'Where is my parcel?' },
    output: { category: 'delivery', reply: 'It is on its way.' },
    confidence: 0.5,
    reason: 'low_confidence',
    ...overrides,
  } satisfies SubmitItem<SupportMessage, TicketAnswer>;
};

describe('the SDK and the triage example against the real API', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }));
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    await api?.close();
    await db?.end();
    await env?.cleanup();
  });

  /** A queue of its own with a service key, an SDK client for it and one reviewer. */
  async function workspace() {
    const queue = await newQueue(api.client, admin, { outputSchema: TICKET_SCHEMA });
    const key = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const sdk = new ArbiterClient({ baseUrl: api.url, apiKey: key.key });
    /** The reviewer claims the next item over HTTP and decides it. */
    const decideNext = async (verdict: 'approve' | 'correct' | 'reject', output?: TicketAnswer) => {
      const claimed = await api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, {
        token: reviewer.token,
      });
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      const decided = await api.client.post(
        `/api/v1/claims/${claimed.body.claim.token}/decision`,
        { verdict, ...(output ? { output } : {}) },
        { token: reviewer.token },
      );
      assert.equal(decided.status, 201, JSON.stringify(decided.body));
      return { item: claimed.body.item as Item, decision: decided.body.decision as Decision<TicketAnswer> };
    };
    return { slug: queue.slug, key, reviewer, sdk, decideNext };
  }

  it('the triage example: the model answers, a reviewer decides one message, the other falls back', async () => {
    const { slug, key, decideNext } = await workspace();
    const run = randomBytes(4).toString('hex');
    const messages: SupportMessage[] = [
      { id: `${run}-1`, text: 'I was charged twice on my last invoice, please refund one payment.' },
      { id: `${run}-2`, text: 'My parcel was delivered but the invoice inside shows the wrong price.' },
      { id: `${run}-3`, text: 'The app crashes with an error every time I log in.' },
      { id: `${run}-4`, text: 'Do you have a store in Lisbon?' },
    ];
    const submitted: Item<SupportMessage, TicketAnswer>[] = [];
    const WAIT_MS = 4000;
    const started = performance.now();
    const triage = runTriage({
      arbiterUrl: api.url,
      apiKey: key.key,
      queue: slug,
      messages,
      waitTimeoutMs: WAIT_MS,
      pollIntervalMs: 100,
      onSubmitted: (item) => submitted.push(item),
    });
    await eventually('the two uncertain messages are in Arbiter', () => submitted.length === 2);
    const corrected = {
      category: 'delivery' as const,
      reply: 'Sorry about the price: we refund the difference.',
    };
    const reviewed = await decideNext('correct', corrected);
    const results = await triage;
    const elapsed = performance.now() - started;

    assert.deepEqual(
      results.map((r) => [r.messageId, r.source]),
      [
        [`${run}-1`, 'model'],
        [`${run}-2`, reviewed.item.externalId === `${run}-2` ? 'arbiter' : 'fallback'],
        [`${run}-3`, 'model'],
        [`${run}-4`, reviewed.item.externalId === `${run}-4` ? 'arbiter' : 'fallback'],
      ],
    );
    for (const item of submitted) {
      assert.equal(item.status, 'pending');
      assert.equal(item.reason, 'low_confidence');
      assert.ok(item.confidence !== null && item.confidence < 0.8, `confidence ${item.confidence}`);
      assert.deepEqual(
        item.input,
        messages.find((m) => m.id === item.externalId),
      );
    }

    const decidedResult = results.find((r) => r.source === 'arbiter');
    assert.ok(decidedResult?.source === 'arbiter');
    assert.equal(decidedResult.itemId, reviewed.item.id);
    assert.deepEqual(decidedResult.decision, reviewed.decision);
    assert.equal(decidedResult.decision.verdict, 'correct');
    assert.deepEqual(decidedResult.answer, corrected);

    const fallbackResult = results.find((r) => r.source === 'fallback');
    assert.ok(fallbackResult?.source === 'fallback');
    assert.deepEqual(fallbackResult.answer, SAFE_ANSWER);
    assert.equal(fallbackResult.why, 'timeout');
    assert.ok(fallbackResult.itemId, 'the item is in Arbiter');
    assert.ok(elapsed >= WAIT_MS - 50, `the fallback came after ${Math.round(elapsed)} ms`);
    const stillPending = await new ArbiterClient({ baseUrl: api.url, apiKey: key.key }).get(
      fallbackResult.itemId,
    );
    assert.equal(stillPending.status, 'pending', 'the undecided item stays in the queue for a reviewer');

    // Run again (a restarted service): the same items come back, no new ones are made.
    const again = await runTriage({
      arbiterUrl: api.url,
      apiKey: key.key,
      queue: slug,
      messages: messages.filter((m) => m.id === reviewed.item.externalId),
      waitTimeoutMs: 2000,
      pollIntervalMs: 50,
    });
    assert.deepEqual(again, [decidedResult]);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM items WHERE service = $1`,
      [key.service],
    );
    assert.equal(rows[0]!.n, 2);
  });

  it('the triage example falls back on its own when Arbiter cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const messages = [
      { id: 'offline-1', text: 'I was charged twice on my last invoice, please refund one payment.' },
      { id: 'offline-2', text: 'Do you have a store in Lisbon?' },
    ];
    const results = await runTriage({
      arbiterUrl: `http://127.0.0.1:${port}`,
      apiKey: 'unused',
      queue: 'demo-support',
      messages,
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    });
    assert.deepEqual(
      results.map((r) => [r.messageId, r.source, r.source === 'fallback' ? r.why : null]),
      [
        ['offline-1', 'model', null],
        ['offline-2', 'fallback', 'arbiter_unavailable'],
      ],
    );
  });

  it('waitForDecision resolves with the decision a reviewer makes', async () => {
    const { slug, sdk, decideNext } = await workspace();
    const submitted = await sdk.submit(slug, ticket());
    assert.equal(submitted.status, 'pending');
    let settled = false;
    const waiting = sdk
      .waitForDecision<TicketAnswer>(submitted.id, { timeoutMs: 10_000, pollIntervalMs: 50 })
      .finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settled, false, 'still waiting while nobody decided');

    const reviewed = await decideNext('approve');
    assert.equal(reviewed.item.id, submitted.id);
    const decision = await waiting;
    assert.deepEqual(decision, reviewed.decision);
    assert.equal(decision.verdict, 'approve');
    assert.deepEqual(decision.output, submitted.output);
    assert.deepEqual(decision.patch, []);

    const fetched = await sdk.get(submitted.id);
    assert.equal(fetched.status, 'approved');
    assert.deepEqual(fetched.decision, decision);
    const actions = fetched.history!.map((e) => e.action);
    for (const action of ['item.received', 'item.claimed', 'item.decided'] as const)
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  });

  it('waitForDecision on an undecided item returns the fallback after its timeout, or rejects without one', async () => {
    const { slug, sdk } = await workspace();
    const item = await sdk.submit(slug, ticket());
    const fallback = { category: 'other', reply: 'We will get back to you.' } as const;

    let started = performance.now();
    const result = await sdk.waitForDecision(item.id, { timeoutMs: 700, pollIntervalMs: 100, fallback });
    let elapsed = performance.now() - started;
    assert.equal(result, fallback);
    assert.ok(elapsed >= 650 && elapsed < 3000, `fell back after ${Math.round(elapsed)} ms`);

    started = performance.now();
    await assert.rejects(
      sdk.waitForDecision(item.id, { timeoutMs: 300, pollIntervalMs: 50 }),
      (error: unknown) => error instanceof DecisionTimeoutError && error.itemId === item.id,
    );
    elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `rejected after ${Math.round(elapsed)} ms`);
    assert.equal((await sdk.get(item.id)).status, 'pending');
  });

  it('a submit retried after a lost answer uses the same Idempotency-Key and creates one item', async () => {
    const { slug, key } = await workspace();
    const forwarded: { key: string | undefined; status: number }[] = [];
    // In front of the API: the first submit reaches Arbiter, but its answer is lost on the way back.
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'x-api-key', 'idempotency-key']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        void fetch(api.url + req.url, { method: req.method, headers, body: Buffer.concat(chunks) }).then(
          async (upstream) => {
            const text = await upstream.text();
            forwarded.push({ key: headers['idempotency-key'], status: upstream.status });
            if (forwarded.length === 1) {
              res.writeHead(503, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ statusCode: 503, code: 'UNAVAILABLE', message: 'connection lost' }));
              return;
            }
            res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? '' });
            res.end(text);
          },
        );
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const sdk = new ArbiterClient({
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        apiKey: key.key,
        retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
      });
      const body = ticket();
      const item = await sdk.submit(slug, body);

      assert.deepEqual(
        forwarded.map((f) => f.status),
        [201, 200],
        'Arbiter created the item once and answered the retry with it',
      );
      assert.ok(forwarded[0]!.key, 'the SDK made up an Idempotency-Key');
      assert.equal(forwarded[1]!.key, forwarded[0]!.key, 'the retry carried the same key');
      const { rows } = await db.query<{ id: string; idempotency_key: string }>(
        `SELECT id, idempotency_key FROM items WHERE service = $1`,
        [key.service],
      );
      assert.deepEqual(rows, [{ id: item.id, idempotency_key: forwarded[0]!.key }]);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('rides through a real 429: rate-limited submits are retried after Retry-After, each item made once', async () => {
    const { slug, key } = await workspace();
    // A second API node on the same database, with a per-service rate limit of 2 items a second.
    const limited = await startApi(env.config({ RATE_LIMIT_PER_SERVICE: '2' }));
    try {
      const attempts: { key: string; status: number }[] = [];
      const sdk = new ArbiterClient({
        baseUrl: limited.url,
        apiKey: key.key,
        retry: { attempts: 8, baseDelayMs: 100, maxDelayMs: 2000 },
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          const headers = new Headers(init?.headers);
          attempts.push({ key: headers.get('idempotency-key')!, status: response.status });
          return response;
        },
      });
      const items = await Promise.all(Array.from({ length: 6 }, () => sdk.submit(slug, ticket())));

      assert.equal(new Set(items.map((i) => i.id)).size, 6);
      assert.ok(
        attempts.some((a) => a.status === 429),
        `some submits were rate limited: ${attempts.map((a) => a.status).join(' ')}`,
      );
      const created = attempts.filter((a) => a.status === 201);
      assert.equal(created.length, 6, 'each item was created once');
      assert.equal(new Set(attempts.map((a) => a.key)).size, 6, 'every retry reused its submit’s key');
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM items WHERE service = $1`,
        [key.service],
      );
      assert.equal(rows[0]!.n, 6);
    } finally {
      await limited.close();
    }
  });

  it('the same Idempotency-Key answers the original item; with another body, IDEMPOTENCY_CONFLICT', async () => {
    const { slug, sdk, key } = await workspace();
    const idempotencyKey = randomUUID();
    const body = ticket();
    const first = await sdk.submit(slug, body, { idempotencyKey });
    const second = await sdk.submit(slug, body, { idempotencyKey });
    assert.equal(second.id, first.id);

    const refused = await sdk
      .submit(slug, { ...body, confidence: 0.6 }, { idempotencyKey })
      .catch((error: unknown) => error);
    assert.ok(refused instanceof ArbiterError, String(refused));
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.code, 'IDEMPOTENCY_CONFLICT');
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM items WHERE service = $1`,
      [key.service],
    );
    assert.equal(rows[0]!.n, 1);
  });

  it('submitBatch answers one result per entry; refusals are ArbiterErrors with the contract codes', async () => {
    const { slug, sdk } = await workspace();
    const { results } = await sdk.submitBatch(slug, [ticket(), ticket({ confidence: 2 }), ticket()]);
    assert.equal(results.length, 3);
    assert.ok('id' in results[0]! && results[0].status === 'pending', JSON.stringify(results[0]));
    assert.ok(
      'error' in results[1]! && results[1].error.code === 'VALIDATION_FAILED',
      JSON.stringify(results[1]),
    );
    assert.ok('id' in results[2]!, JSON.stringify(results[2]));

    const invalid = await sdk.submit(slug, ticket({ confidence: 2 })).catch((error: unknown) => error);
    assert.ok(invalid instanceof ArbiterError, String(invalid));
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.code, 'VALIDATION_FAILED');
    assert.ok(
      invalid.details?.some((d) => d.path === 'confidence'),
      JSON.stringify(invalid.details),
    );

    await assert.rejects(sdk.get(randomUUID()), { name: 'ArbiterError', statusCode: 404, code: 'NOT_FOUND' });
    await assert.rejects(new ArbiterClient({ baseUrl: api.url, apiKey: 'not-a-key' }).get(randomUUID()), {
      statusCode: 401,
      code: 'UNAUTHENTICATED',
    });
  });

  it('the example’s receiver accepts a webhook signed with the service’s secret and refuses a forged one', async () => {
    const { slug, sdk, key, decideNext } = await workspace();
    const item = await sdk.submit(slug, ticket());
    const { decision } = await decideNext('reject');
    const decided = await sdk.get<SupportMessage, TicketAnswer>(item.id);
    const receiver = await startWebhookReceiver({ secret: key.webhookSecret });
    try {
      const body = JSON.stringify({
        type: 'item.decided',
        timestamp: new Date().toISOString(),
        data: { item: decided, decision },
      });
      const post = (signature: string, id = `msg_${randomBytes(8).toString('hex')}`) => {
        const timestamp = Math.floor(Date.now() / 1000);
        return fetch(receiver.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature || signWebhook(key.webhookSecret, id, timestamp, body),
          },
          body,
        });
      };
      const id = `msg_${randomBytes(8).toString('hex')}`;
      assert.equal((await post('', id)).status, 204);
      assert.equal((await post('', id)).status, 204, 'a redelivery is acknowledged');
      assert.equal(receiver.received.length, 1, 'and handled once');
      assert.equal(receiver.received[0]!.payload.data.decision.verdict, 'reject');

      assert.equal((await post(`v1,${randomBytes(32).toString('base64')}`)).status, 401);
      assert.deepEqual(receiver.refused, [{ reason: 'NO_MATCHING_SIGNATURE' }]);
      assert.equal(receiver.received.length, 1);
    } finally {
      await receiver.close();
    }
  });
});
