import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApiClient } from './support/api-client.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { freePort } from './support/private-redis.js';
import { ADMIN, createTestEnv, type TestEnv } from './support/test-env.js';

const API_MAIN = fileURLToPath(new URL('../apps/api/src/main.js', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../apps/worker/src/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a failure with `message()` if it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A POST whose body is sent in two parts, so the request is provably in flight between them. Its client
 * keeps connections alive for a minute, like a reverse proxy would.
 */
function slowPost(url: string, headers: Record<string, string>, body: string) {
  const agent = new Agent({ keepAlive: true, timeout: 60_000 });
  const bytes = Buffer.from(body);
  const split = Math.floor(bytes.length / 2);
  let sendRest!: () => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    req.write(bytes.subarray(0, split));
    sendRest = () => req.end(bytes.subarray(split));
  });
  return { response, sendRest: () => sendRest(), agent };
}

/** A GET through `agent` (reusing its kept-alive connection). */
function getOn(agent: Agent, url: string): Promise<{ status: number; body: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, retryAfter: res.headers['retry-after'] }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves to the error code of a TCP connect to `port` ('connected' if something accepted it). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('the API process drains in-flight requests on SIGTERM and exits cleanly', () => {
  let env: TestEnv;
  let port: number;
  let child: ChildProcess;
  let exited: Promise<Exited>;
  let output = '';
  let client: ApiClient;

  before(async () => {
    env = await createTestEnv();
    port = await freePort();
    child = spawn(process.execPath, [API_MAIN], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: env.databaseUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.redisPrefix,
        JWT_SECRET: 'test-secret-test-secret-test-secret',
        BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    client = new ApiClient(`http://127.0.0.1:${port}`);

    const deadline = Date.now() + 20_000;
    let state = 'not started';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        assert.fail(`API exited during start-up (${child.exitCode ?? child.signalCode}):\n${output}`);
      try {
        const res = await client.get('/health/ready');
        state = `${res.status} ${JSON.stringify(res.body)}`;
        if (res.status === 200) return;
      } catch (error) {
        state = (error as Error).message;
      }
      await sleep(100);
    }
    assert.fail(`API not ready within 20 s (last: ${state}):\n${output}`);
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await env?.cleanup();
  });

  it('answers /health/live and /health/ready with 200 {status: "ok"} while running', async () => {
    const live = await client.get('/health/live');
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { status: 'ok' });
    const ready = await client.get('/health/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.status, 'ok');
    assert.deepEqual(ready.body.checks, { postgres: 'up', redis: 'up' });
  });

  it('finishes a 500-item batch in flight at SIGTERM, refuses new work, then exits 0', async (t) => {
    const token = await loginAdmin(client);
    const queue = await newQueue(client, token);
    const { key } = await newServiceKey(client, token, [queue.slug]);
    const items = Array.from({ length: 500 }, () => itemBody());
    const batch = slowPost(
      `http://127.0.0.1:${port}/api/v1/queues/${queue.slug}/items/batch`,
      { 'x-api-key': key },
      JSON.stringify({ items }),
    );
    // Headers and half the body are on the server: the request has begun.
    await sleep(300);
    const signalledAt = Date.now();
    assert.ok(child.kill('SIGTERM'));
    await sleep(300);
    assert.equal(child.exitCode, null, `the process must wait for the request in flight:\n${output}`);
    assert.equal(child.signalCode, null, `the process must wait for the request in flight:\n${output}`);

    // New work is turned away while draining: the listener is closed, or the server answers 503.
    const during = await client.get('/health/live').then(
      (res) => String(res.status),
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    assert.ok(
      ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', '503'].includes(during),
      `new request while draining: ${during}`,
    );

    t.diagnostic(`new request while draining: ${during}`);
    batch.sendRest();
    const res = await batch.response;
    const answeredMs = Date.now() - signalledAt;
    // Its kept-alive connection, if the drain has not closed it yet, gets the contract's 503.
    const followUp = await getOn(batch.agent, `http://127.0.0.1:${port}/health/live`).catch((e: Error) => e);
    if (followUp instanceof Error) {
      t.diagnostic(`follow-up on the kept-alive connection: ${followUp.message}`);
    } else {
      assert.equal(followUp.status, 503, followUp.body);
      assert.equal(followUp.retryAfter, '5');
      assert.deepEqual(JSON.parse(followUp.body), {
        statusCode: 503,
        code: 'UNAVAILABLE',
        message: 'Arbiter is shutting down; retry shortly',
      });
      t.diagnostic('follow-up on the kept-alive connection: 503 UNAVAILABLE');
    }
    assert.equal(res.status, 200, `in-flight batch: ${res.body}\n${output}`);
    const body = JSON.parse(res.body) as { results: { index: number; id?: string; status?: string }[] };
    assert.equal(body.results.length, 500);
    body.results.forEach((r, i) => {
      assert.equal(r.index, i);
      assert.equal(r.status, 'pending', JSON.stringify(r));
    });

    const exit = await within(exited, 10_000, () => `no exit within 10 s of the drain:\n${output}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `exit after SIGTERM:\n${output}`);
    const exitMs = Date.now() - signalledAt;
    batch.agent.destroy();
    // The batch's connection is kept alive by its client: it must not hold the process once answered.
    assert.ok(exitMs - answeredMs < 3000, `exit ${exitMs - answeredMs} ms after the last response`);
    t.diagnostic(
      `batch answered ${answeredMs} ms, process exited ${exitMs} ms after SIGTERM (the body completed at 300 ms)`,
    );
    assert.equal(await tryConnect(port), 'ECONNREFUSED', 'nothing listens after shutdown');
  });
});

describe('the worker process exits cleanly on SIGTERM', () => {
  let env: TestEnv;

  before(async () => {
    env = await createTestEnv();
  });

  after(async () => {
    await env?.cleanup();
  });

  it('stops its reconciler, closes its connections and exits 0', async () => {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: env.databaseUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.redisPrefix,
        JWT_SECRET: 'test-secret-test-secret-test-secret',
        RECONCILE_INTERVAL_MS: '200',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<Exited>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const running = new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          output = (output + chunk.toString()).slice(-8000);
          if (output.includes('Arbiter worker running')) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
      });
      await within(
        Promise.race([
          running,
          exited.then((e) => assert.fail(`worker exited during start-up (${JSON.stringify(e)}):\n${output}`)),
        ]),
        20_000,
        () => `worker not running within 20 s:\n${output}`,
      );
      await sleep(500); // a few reconciler runs
      assert.ok(child.kill('SIGTERM'));
      const exit = await within(
        exited,
        10_000,
        () => `worker did not exit within 10 s of SIGTERM:\n${output}`,
      );
      assert.deepEqual(exit, { code: 0, signal: null }, `worker exit after SIGTERM:\n${output}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
