import { LoginThrottle } from '@arbiter/auth';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newUser } from './support/factories.js';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.js';
import { ADMIN, createTestEnv, type TestEnv } from './support/test-env.js';

/** The address limit is high here: every test signs in from 127.0.0.1. One test lowers it on an API of its own. */
const LIMITS = {
  LOGIN_MAX_FAILURES: '3',
  LOGIN_MAX_FAILURES_PER_ADDRESS: '1000',
  LOGIN_FAILURE_WINDOW_SECONDS: '60',
};

describe('sign-in throttling: per account and per address, across API nodes', () => {
  let env: TestEnv;
  let nodeA: RunningApi;
  let nodeB: RunningApi;
  let db: pg.Client;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    // Two API nodes sharing one Redis prefix, as two machines behind a load balancer would.
    nodeA = await startApi(env.config(LIMITS));
    nodeB = await startApi(env.config(LIMITS));
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(nodeA.client);
  });

  after(async () => {
    await db?.end();
    await nodeA?.close();
    await nodeB?.close();
    await env?.cleanup();
  });

  const attempt = (api: RunningApi, email: string, password: string) =>
    api.client.post('/api/v1/auth/login', { email, password });
  const auditCount = async (action: string, email: string) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = $1 AND data->>'email' = $2`,
        [action, email],
      )
    ).rows[0]!.n;

  it('refuses an account after its failures, on any node, before checking the password', async () => {
    const user = await newUser(nodeA.client, admin, ['reviewer']);
    for (let i = 0; i < 3; i++) {
      const refused = await attempt(i % 2 ? nodeB : nodeA, user.email, 'wrong-password');
      assert.equal(refused.status, 401, JSON.stringify(refused.body));
    }
    // The right password now: refused on the other node as well, with Retry-After.
    for (const node of [nodeB, nodeA]) {
      const throttled = await attempt(node, user.email, user.password);
      assert.equal(throttled.status, 429, JSON.stringify(throttled.body));
      assert.equal(throttled.body.code, 'RATE_LIMITED');
      const retryAfter = Number(throttled.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    }
    // Only the failures below the limit were audited one by one.
    assert.equal(await auditCount('auth.login_failed', user.email), 3);

    // Another account from the same address is unaffected.
    assert.equal((await attempt(nodeB, ADMIN.email, ADMIN.password)).status, 200);
  });

  it('forgives earlier failures after a successful sign-in', async () => {
    const user = await newUser(nodeA.client, admin, ['reviewer']);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) assert.equal((await attempt(nodeA, user.email, 'nope-nope')).status, 401);
      assert.equal((await attempt(nodeB, user.email, user.password)).status, 200, `round ${round}`);
    }
  });

  it('counts refused attempts into one audit event a minute', async () => {
    const user = await newUser(nodeA.client, admin, ['reviewer']);
    for (let i = 0; i < 3; i++) await attempt(nodeA, user.email, 'wrong-password');
    for (let i = 0; i < 25; i++) assert.equal((await attempt(nodeB, user.email, 'wrong-again')).status, 429);
    assert.equal(await auditCount('auth.login_failed', user.email), 3, 'a loop does not grow the log');

    const throttle = nodeA.app.get(LoginThrottle);
    assert.ok((await throttle.flushThrottled(Date.now() + 60_000)) >= 1);
    assert.equal(await throttle.flushThrottled(Date.now() + 60_000), 0, 'each minute once');
    const { rows } = await db.query<{ data: any }>(
      `SELECT data FROM audit_events WHERE action = 'auth.login_throttled' ORDER BY seq`,
    );
    const counted = rows.flatMap((r) => r.data.topAccounts).filter((a: any) => a.email === user.email);
    assert.equal(
      counted.reduce((sum: number, a: any) => sum + a.attempts, 0),
      25,
    );
    assert.ok(
      rows.every((r) => r.data.attempts >= 1 && Date.parse(r.data.to) - Date.parse(r.data.from) === 60_000),
    );
  });

  it('refuses an address that fails across many accounts', async () => {
    // An API of its own (its own counters), so the address limit does not spill into the tests above.
    const api = await startApi(
      env.config({
        ...LIMITS,
        LOGIN_MAX_FAILURES_PER_ADDRESS: '8',
        REDIS_PREFIX: `${env.redisPrefix}-address`,
      }),
    );
    try {
      for (let i = 0; i < 8; i++) {
        assert.equal((await attempt(api, `nobody-${i}@x.test`, 'guess-guess')).status, 401);
      }
      const throttled = await attempt(api, ADMIN.email, ADMIN.password);
      assert.equal(throttled.status, 429, 'a valid login from that address waits too');
      assert.equal(throttled.body.code, 'RATE_LIMITED');
    } finally {
      await api.close();
    }
  });
});

describe('sign-in without Redis', () => {
  let env: TestEnv;
  let redis: PrivateRedis;
  let api: RunningApi;

  before(async () => {
    env = await createTestEnv();
    redis = await startPrivateRedis();
    api = await startApi(env.config({ ...LIMITS, REDIS_URL: redis.url }));
  });

  after(async () => {
    await api?.close();
    await redis?.close();
    await env?.cleanup();
  });

  it('still signs people in (and refuses wrong passwords) when Redis is away', async () => {
    await redis.stop();
    for (let i = 0; i < 4; i++) {
      assert.equal(
        (await api.client.post('/api/v1/auth/login', { ...ADMIN, password: 'wrong!' })).status,
        401,
      );
    }
    assert.equal((await api.client.post('/api/v1/auth/login', ADMIN)).status, 200);
  });
});
