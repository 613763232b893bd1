import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ArbiterClient } from './arbiter.client.js';
import { ArbiterConnectionError, ArbiterError, DecisionTimeoutError } from './errors.js';
import { backoffDelay, parseRetryAfter } from './retry.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** Answers the n-th request with the n-th reply (the last one repeats); `'drop'` resets the connection. */
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'drop';

const ITEM = {
  id: '0190d1c2-0000-7000-8000-000000000001',
  queue: 'support',
  status: 'pending',
  externalId: 'm-1',
};
const DECISION = {
  id: '0190d1c2-0000-7000-8000-0000000000d1',
  itemId: ITEM.id,
  verdict: 'approve',
  output: { label: 'billing' },
  patch: [],
  reviewerId: '0190d1c2-0000-7000-8000-0000000000a1',
  comment: null,
  decidedAt: '2026-11-02T10:00:00.000Z',
  durationMs: 1200,
};
const SUBMISSION = {
  externalId: 'm-1',
  model: { name: 'classifier', version: '1' },
  input: { text: 'hello' },
  output: { label: 'billing' },
  confidence: 0.4,
  reason: 'low_confidence' as const,
};
const error = (statusCode: number, code: string, extra: Record<string, unknown> = {}) => ({
  statusCode,
  code,
  message: `${code} happened`,
  ...extra,
});

describe('ArbiterClient against a scripted HTTP server', () => {
  const seen: Seen[] = [];
  let replies: Reply[] = [];
  let baseUrl: string;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      });
      const reply = replies[Math.min(seen.length, replies.length) - 1] ?? { status: 500 };
      if (reply === 'drop') return req.socket.destroy();
      send(res, reply.status, reply.body, reply.headers);
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  const client = (retry = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 }) =>
    new ArbiterClient({ baseUrl: `${baseUrl}/`, apiKey: 'key-1', retry });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    replies = [];
  });

  it('submits with the API key, a JSON body and a generated Idempotency-Key', async () => {
    replies = [{ status: 201, body: ITEM }];
    const item = await client().submit('support', SUBMISSION);
    assert.deepEqual(item, ITEM);
    assert.equal(seen.length, 1);
    const [request] = seen;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.url, '/api/v1/queues/support/items');
    assert.equal(request!.headers['x-api-key'], 'key-1');
    assert.match(request!.headers['content-type']!, /^application\/json/);
    assert.match(String(request!.headers['idempotency-key']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(JSON.parse(request!.body), SUBMISSION);
  });

  it('sends an assignee: the item goes to that reviewer alone', async () => {
    const reviewer = '0190d1c2-0000-7000-8000-0000000000a1';
    replies = [{ status: 201, body: { ...ITEM, assigneeId: reviewer } }];
    const item = await client().submit('support', { ...SUBMISSION, assignee: reviewer });
    assert.equal(item.assigneeId, reviewer);
    assert.deepEqual(JSON.parse(seen[0]!.body), { ...SUBMISSION, assignee: reviewer });
  });

  it('returns the replayed item of a 200 and sends the caller’s Idempotency-Key as is', async () => {
    replies = [{ status: 200, body: ITEM }];
    assert.deepEqual(await client().submit('support', SUBMISSION, { idempotencyKey: 'order-42' }), ITEM);
    assert.equal(seen[0]!.headers['idempotency-key'], 'order-42');
  });

  it('waits for Retry-After on a 429, then succeeds', async () => {
    replies = [
      { status: 429, body: error(429, 'RATE_LIMITED'), headers: { 'retry-after': '1' } },
      { status: 201, body: ITEM },
    ];
    const item = await client({ attempts: 4, baseDelayMs: 5, maxDelayMs: 2000 }).submit(
      'support',
      SUBMISSION,
    );
    assert.equal(item.id, ITEM.id);
    assert.equal(seen.length, 2);
    const waited = seen[1]!.at - seen[0]!.at;
    assert.ok(waited >= 950, `retried after ${waited} ms, before Retry-After (1 s)`);
    assert.equal(seen[0]!.headers['idempotency-key'], seen[1]!.headers['idempotency-key']);
  });

  it('gives up at once when Retry-After asks for longer than maxDelayMs', async () => {
    replies = [
      { status: 429, body: error(429, 'RATE_LIMITED'), headers: { 'retry-after': '120' } },
      { status: 201, body: ITEM },
    ];
    await assert.rejects(
      client({ attempts: 4, baseDelayMs: 5, maxDelayMs: 5000 }).submit('support', SUBMISSION),
      {
        name: 'ArbiterError',
        statusCode: 429,
        code: 'RATE_LIMITED',
        retryAfterMs: 120_000,
      },
    );
    assert.equal(seen.length, 1);
  });

  it('retries a 503 twice with the same Idempotency-Key, then succeeds', async () => {
    replies = [
      { status: 503, body: error(503, 'UNAVAILABLE') },
      { status: 503, body: error(503, 'UNAVAILABLE') },
      { status: 201, body: ITEM },
    ];
    assert.deepEqual(await client().submit('support', SUBMISSION), ITEM);
    assert.equal(seen.length, 3);
    const keys = new Set(seen.map((s) => s.headers['idempotency-key']));
    assert.equal(keys.size, 1, `one Idempotency-Key on every try, got ${[...keys].join(', ')}`);
    assert.ok(
      seen.every((s) => s.body === seen[0]!.body),
      'the same body on every try',
    );
  });

  it('retries a dropped connection', async () => {
    replies = ['drop', { status: 201, body: ITEM }];
    assert.deepEqual(await client().submit('support', SUBMISSION), ITEM);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.headers['idempotency-key'], seen[1]!.headers['idempotency-key']);
  });

  it('gives up after the configured attempts with the last error', async () => {
    replies = [{ status: 503, body: error(503, 'UNAVAILABLE') }];
    await assert.rejects(
      client({ attempts: 3, baseDelayMs: 5, maxDelayMs: 10 }).submit('support', SUBMISSION),
      {
        name: 'ArbiterError',
        statusCode: 503,
        code: 'UNAVAILABLE',
      },
    );
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen.map((s) => s.headers['idempotency-key'])).size, 1);

    seen.length = 0;
    replies = ['drop'];
    await assert.rejects(
      client({ attempts: 2, baseDelayMs: 5, maxDelayMs: 10 }).get(ITEM.id),
      ArbiterConnectionError,
    );
    assert.equal(seen.length, 2);
  });

  it('throws other errors at once, with code, message and details', async () => {
    const details = [{ path: 'confidence', message: 'confidence must not be greater than 1' }];
    replies = [{ status: 400, body: error(400, 'VALIDATION_FAILED', { details }) }];
    const failure = await client()
      .submit('support', { ...SUBMISSION, confidence: 2 })
      .catch((e: unknown) => e);
    assert.ok(failure instanceof ArbiterError);
    assert.equal(failure.statusCode, 400);
    assert.equal(failure.code, 'VALIDATION_FAILED');
    assert.equal(failure.message, 'VALIDATION_FAILED happened');
    assert.deepEqual(failure.details, details);
    assert.equal(seen.length, 1);

    seen.length = 0;
    replies = [{ status: 422, body: error(422, 'IDEMPOTENCY_CONFLICT') }];
    await assert.rejects(client().submit('support', SUBMISSION), {
      statusCode: 422,
      code: 'IDEMPOTENCY_CONFLICT',
    });
    assert.equal(seen.length, 1, 'a key reused with another body is not retried');
  });

  it('retries a batch whose first request is still in flight (409), with the same key', async () => {
    const results = { results: [{ index: 0, id: ITEM.id, status: 'pending' }] };
    replies = [
      { status: 409, body: error(409, 'IDEMPOTENCY_CONFLICT') },
      { status: 200, body: results },
    ];
    assert.deepEqual(await client().submitBatch('support', [SUBMISSION]), results);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.url, '/api/v1/queues/support/items/batch');
    assert.deepEqual(JSON.parse(seen[0]!.body), { items: [SUBMISSION] });
    assert.equal(seen[0]!.headers['idempotency-key'], seen[1]!.headers['idempotency-key']);
  });

  it('maps a non-JSON error answer to an ArbiterError', async () => {
    const proxy = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad Gateway</h1>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      await assert.rejects(new ArbiterClient({ baseUrl: url, apiKey: 'k' }).get('x'), {
        name: 'ArbiterError',
        statusCode: 502,
        code: 'HTTP_502',
        message: '<h1>Bad Gateway</h1>',
      });
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  describe('waitForDecision', () => {
    const pending = { status: 200, body: { ...ITEM, decision: null } };
    const decided = { status: 200, body: { ...ITEM, status: 'approved', decision: DECISION } };

    it('polls until the item is terminal and resolves with its decision', async () => {
      replies = [
        pending,
        pending,
        { status: 200, body: { ...ITEM, status: 'claimed', decision: null } },
        decided,
      ];
      const decision = await client().waitForDecision(ITEM.id, { timeoutMs: 5000, pollIntervalMs: 10 });
      assert.deepEqual(decision, DECISION);
      assert.equal(seen.length, 4);
      assert.ok(seen.every((s) => s.method === 'GET' && s.url === `/api/v1/items/${ITEM.id}`));
    });

    it('keeps waiting through an escalation and through 503s', async () => {
      replies = [
        { status: 200, body: { ...ITEM, status: 'escalated', decision: null } },
        { status: 503, body: error(503, 'UNAVAILABLE') },
        { status: 503, body: error(503, 'UNAVAILABLE') },
        decided,
      ];
      const decision = await client({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }).waitForDecision(ITEM.id, {
        timeoutMs: 5000,
        pollIntervalMs: 10,
      });
      assert.equal(decision.verdict, 'approve');
    });

    it('resolves with the fallback once the timeout passes', async () => {
      replies = [pending];
      const started = Date.now();
      const fallback = { label: 'other', safe: true };
      const result = await client().waitForDecision(ITEM.id, {
        timeoutMs: 300,
        pollIntervalMs: 50,
        fallback,
      });
      const elapsed = Date.now() - started;
      assert.equal(result, fallback);
      assert.ok(elapsed >= 290 && elapsed < 2000, `answered after ${elapsed} ms`);
      assert.ok(seen.length >= 3, `polled ${seen.length} times`);
    });

    it('rejects on timeout when no fallback was given', async () => {
      replies = [pending];
      await assert.rejects(
        client().waitForDecision(ITEM.id, { timeoutMs: 150, pollIntervalMs: 20 }),
        (e: unknown) => e instanceof DecisionTimeoutError && e.itemId === ITEM.id && e.timeoutMs === 150,
      );
    });

    it('falls back when Arbiter is unreachable for the whole wait', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const unreachable = new ArbiterClient({
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: 'k',
        retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      });
      assert.equal(
        await unreachable.waitForDecision(ITEM.id, { timeoutMs: 200, pollIntervalMs: 20, fallback: 'safe' }),
        'safe',
      );
    });

    it('rejects at once on an error that waiting cannot fix', async () => {
      replies = [{ status: 404, body: error(404, 'NOT_FOUND') }];
      await assert.rejects(client().waitForDecision(ITEM.id, { timeoutMs: 5000, fallback: null }), {
        code: 'NOT_FOUND',
      });
      assert.equal(seen.length, 1);
    });

    it('stops when the caller aborts', async () => {
      replies = [pending];
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('shutting down')), 100);
      await assert.rejects(
        client().waitForDecision(ITEM.id, {
          timeoutMs: 5000,
          pollIntervalMs: 20,
          fallback: 'x',
          signal: controller.signal,
        }),
        { message: 'shutting down' },
      );
    });
  });
});

describe('retry timing', () => {
  it('backs off exponentially with jitter, capped', () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffDelay(1, policy, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(1, policy, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(3, policy, () => 1),
      400,
    );
    assert.equal(
      backoffDelay(8, policy, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(8, policy, () => 0),
      500,
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-02T10:00:00Z');
    assert.equal(parseRetryAfter('2', now), 2000);
    assert.equal(parseRetryAfter('Mon, 02 Nov 2026 10:00:03 GMT', now), 3000);
    assert.equal(parseRetryAfter('Mon, 02 Nov 2026 09:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});
