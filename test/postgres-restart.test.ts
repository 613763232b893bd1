import { type AppConfig, loadConfig } from '@arbiter/config';
import { reviewQueueName } from '@arbiter/dispatch';
import { createRedis, deleteKeysWithPrefix } from '@arbiter/redis';
import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { type PrivatePostgres, startPrivatePostgres } from './support/private-postgres.js';
import { eventually, sleep } from './support/review-kit.js';
import { ADMIN, RUN_ID } from './support/test-env.js';

/** Past this a request counts as hung (the pool's connect timeout is 5 s; a dead server is refused at once). */
const HANG_MS = 15_000;
const SINGLE_SUBMITTERS = 6;
const BATCH_SUBMITTERS = 2;
const BATCH_SIZE = 25;
const MIGRATE = fileURLToPath(new URL('../scripts/migrate.js', import.meta.url));

/** `restarting`: from `pg_ctl start` until it reports the server ready (it may serve a little earlier). */
type Phase = 'before' | 'outage' | 'restarting' | 'after';

interface Attempt {
  kind: 'single' | 'batch';
  phase: Phase;
  /** ms since the run started, when the request was sent and answered */
  sentAt: number;
  answeredAt: number;
  /** HTTP status, or what went wrong at the transport */
  status: number | 'hung' | 'network';
  code?: string;
  body?: string;
}

function codeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

describe('Postgres restart: every acknowledged item survives, the pool recovers in place', () => {
  let cluster: PrivatePostgres | undefined;
  let api: RunningApi | undefined;
  let worker: INestApplicationContext | undefined;
  let db: pg.Client | undefined;
  let config: AppConfig;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `arbtest-${RUN_ID}-pgr${randomBytes(3).toString('hex')}`;

  before(async () => {
    cluster = await startPrivatePostgres();
    const databaseUrl = cluster.url('arbiter_test_pg_restart');
    const migrated = spawnSync(process.execPath, [MIGRATE], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(migrated.status, 0, `migrate failed:\n${migrated.stdout}\n${migrated.stderr}`);
    config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      JWT_SECRET: 'test-secret-test-secret-test-secret',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      RECONCILE_INTERVAL_MS: '500',
      LEASE_SWEEP_INTERVAL_MS: '500',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
  });

  after(async () => {
    await db?.end().catch(() => undefined);
    await worker?.close().catch(() => undefined);
    await api?.close().catch(() => undefined);
    await cluster?.close();
    const redis = createRedis(redisUrl, 'worker');
    try {
      await deleteKeysWithPrefix(redis, redisPrefix);
    } finally {
      redis.disconnect();
    }
  });

  it('submits during a hard stop get 503 UNAVAILABLE, never a 500 or a hang; every 2xx is in Postgres', async (t) => {
    const { client, url } = api!;
    const admin = await loginAdmin(client);
    const queue = await newQueue(client, admin);
    const { key } = await newServiceKey(client, admin, [queue.slug]);

    const t0 = performance.now();
    const now = () => performance.now() - t0;
    let phase: Phase = 'before';
    let stopping = false;
    /** Item id → externalId, for every item a 2xx answer acknowledged. */
    const acked = new Map<string, string>();
    const attempts: Attempt[] = [];
    const refusedInBatch: unknown[] = [];
    const readiness: { at: number; phase: Phase; status: number | 'hung' | 'network' }[] = [];

    async function post(kind: Attempt['kind'], path: string, body: unknown) {
      const attempt: Attempt = { kind, phase, sentAt: now(), answeredAt: 0, status: 'network' };
      attempts.push(attempt);
      try {
        const res = await fetch(url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(HANG_MS),
        });
        const text = await res.text();
        attempt.status = res.status;
        attempt.answeredAt = now();
        if (res.status >= 300) {
          attempt.body = text.slice(0, 500);
          attempt.code = codeOf(text);
          return null;
        }
        return JSON.parse(text) as any;
      } catch (error) {
        attempt.answeredAt = now();
        attempt.status = (error as Error).name === 'TimeoutError' ? 'hung' : 'network';
        attempt.body = String(error);
        return null;
      }
    }

    async function singleSubmitter() {
      while (!stopping) {
        const body = itemBody();
        const res = await post('single', `/api/v1/queues/${queue.slug}/items`, body);
        if (res) acked.set(res.id, body.externalId);
        else await sleep(25);
      }
    }

    async function batchSubmitter() {
      while (!stopping) {
        const items = Array.from({ length: BATCH_SIZE }, () => itemBody());
        const res = await post('batch', `/api/v1/queues/${queue.slug}/items/batch`, { items });
        if (!res) {
          await sleep(25);
          continue;
        }
        for (const r of res.results as { index: number; id?: string; error?: unknown }[]) {
          if (r.id) acked.set(r.id, items[r.index]!.externalId);
          else refusedInBatch.push(r);
        }
      }
    }

    async function readinessProbe() {
      while (!stopping) {
        const at = now();
        const probePhase = phase;
        let status: number | 'hung' | 'network';
        try {
          const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(HANG_MS) });
          await res.text();
          status = res.status;
        } catch (error) {
          status = (error as Error).name === 'TimeoutError' ? 'hung' : 'network';
        }
        readiness.push({ at, phase: probePhase, status });
        await sleep(100);
      }
    }

    const load = [
      ...Array.from({ length: SINGLE_SUBMITTERS }, singleSubmitter),
      ...Array.from({ length: BATCH_SUBMITTERS }, batchSubmitter),
      readinessProbe(),
    ];
    let stoppedAt = 0;
    let startedAt = 0;
    let recoveredAt = 0;
    try {
      await eventually('items are acknowledged before the stop', () => acked.size >= 300, 30_000);
      const ackedBeforeStop = acked.size;

      await cluster!.stop('immediate');
      stoppedAt = now();
      phase = 'outage';
      await eventually(
        'submits are refused while Postgres is down',
        () => attempts.some((a) => a.phase === 'outage' && typeof a.status === 'number' && a.status >= 500),
        30_000,
      );
      await sleep(2000);
      t.diagnostic(`stopped (-m immediate) at ${Math.round(stoppedAt)} ms with ${ackedBeforeStop} acked`);

      phase = 'restarting';
      await cluster!.start();
      startedAt = now();
      phase = 'after';
      const sizeAtStart = acked.size;
      await eventually(
        'submits succeed again after the restart, without restarting Arbiter',
        () => acked.size > sizeAtStart,
        30_000,
      );
      recoveredAt = now();
      await eventually(
        '/health/ready answers 200 again',
        () => readiness.some((r) => r.at > startedAt && r.status === 200),
        30_000,
      );
      await sleep(1500);
    } finally {
      stopping = true;
      await Promise.all(load);
    }
    t.diagnostic(
      `restarted at ${Math.round(startedAt)} ms (outage ${Math.round(startedAt - stoppedAt)} ms); ` +
        `first 2xx after the restart ${Math.round(recoveredAt - startedAt)} ms later`,
    );

    const byOutcome = new Map<string, number>();
    for (const a of attempts) {
      const label = `${a.phase} ${a.kind} ${a.status}${a.code ? ` ${a.code}` : ''}`;
      byOutcome.set(label, (byOutcome.get(label) ?? 0) + 1);
    }
    t.diagnostic(
      `${attempts.length} requests, ${acked.size} items acknowledged: ` +
        [...byOutcome].map(([k, n]) => `${k}: ${n}`).join(', '),
    );
    const slowest = Math.max(...attempts.map((a) => a.answeredAt - a.sentAt));
    t.diagnostic(`slowest answer ${Math.round(slowest)} ms`);

    // Nothing hung, nothing broke at the transport, and every refusal is the contract's 503.
    const broken = attempts.filter(
      (a) =>
        typeof a.status !== 'number' || (a.status >= 300 && !(a.status === 503 && a.code === 'UNAVAILABLE')),
    );
    assert.deepEqual(
      broken.slice(0, 5).map((a) => ({ phase: a.phase, kind: a.kind, status: a.status, body: a.body })),
      [],
      `${broken.length} request(s) hung, failed at the transport or got something other than 503 UNAVAILABLE`,
    );
    for (const a of attempts.filter((x) => x.status === 503)) {
      const body = JSON.parse(a.body!) as Record<string, unknown>;
      assert.equal(body['statusCode'], 503);
      assert.equal(typeof body['message'], 'string');
      assert.ok(!('stack' in body) && !/\n\s+at /.test(a.body!), `no stack in a 503: ${a.body}`);
    }
    assert.ok(
      attempts.some((a) => a.phase === 'outage' && a.status === 503),
      'requests during the outage were refused with 503',
    );
    assert.deepEqual(refusedInBatch.slice(0, 3), [], 'no batch entry was refused on its own');
    assert.ok(
      attempts.some((a) => a.phase === 'before' && a.kind === 'batch' && a.status === 200) &&
        attempts.some((a) => a.phase === 'after' && a.kind === 'batch' && a.status === 200) &&
        attempts.some((a) => a.phase === 'after' && a.kind === 'single' && a.status === 201),
      'single and batch submits succeeded before and after the restart',
    );

    // Ready before the stop, 503 during the outage, ready again after the restart.
    const seen = (p: Phase, status: number) => readiness.some((r) => r.phase === p && r.status === status);
    assert.ok(seen('before', 200), 'ready before the stop');
    assert.ok(seen('outage', 503), '/health/ready answered 503 while Postgres was down');
    assert.ok(
      readiness.every((r) => r.status === 200 || r.status === 503),
      'readiness always answered 200 or 503',
    );
    await eventually(
      'ready once the load is over',
      async () => (await api!.client.get('/health/ready')).status === 200,
      30_000,
      250,
    );

    // The ledger against the record: every acknowledged item is stored, with its audit event.
    db = new pg.Client({ connectionString: cluster!.url('arbiter_test_pg_restart') });
    await db.connect();
    const ids = [...acked.keys()];
    const { rows } = await db.query<{ id: string; external_id: string }>(
      `SELECT id, external_id FROM items WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const stored = new Map(rows.map((r) => [r.id, r.external_id]));
    const lost = ids.filter((id) => stored.get(id) !== acked.get(id));
    assert.deepEqual(
      lost.slice(0, 5),
      [],
      `${lost.length} of ${ids.length} acknowledged items are not in Postgres`,
    );
    const audited = await db.query<{ n: number }>(
      `SELECT count(DISTINCT subject_id)::int AS n FROM audit_events
        WHERE action = 'item.received' AND subject_id = ANY($1::text[])`,
      [ids],
    );
    assert.equal(audited.rows[0]!.n, ids.length, 'every acknowledged item has its item.received event');
    const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE queue_id = $1`, [
      queue.id,
    ]);
    t.diagnostic(
      `${ids.length} acknowledged, ${total.rows[0]!.n} stored ` +
        `(${total.rows[0]!.n - ids.length} committed but not acknowledged: the answer was lost with the connection)`,
    );

    // Items committed without an answer were never handed to Redis by the API: the reconciler queues them.
    const probe = createRedis(redisUrl, 'worker');
    try {
      const pending = (
        await db.query<{ id: string }>(`SELECT id FROM items WHERE queue_id = $1 AND status = 'pending'`, [
          queue.id,
        ])
      ).rows.map((r) => r.id);
      assert.equal(pending.length, total.rows[0]!.n, 'nobody claimed anything: every item is pending');
      const jobKey = (id: string) => `${redisPrefix}:${reviewQueueName(queue.id)}:${id}`;
      await eventually(
        'every pending item has its review job',
        async () => (await probe.exists(...pending.map(jobKey))) === pending.length,
        30_000,
        250,
      );
    } finally {
      probe.disconnect();
    }

    // The pool is whole again: a full batch goes through.
    const last = await api!.client.post(
      `/api/v1/queues/${queue.slug}/items/batch`,
      { items: Array.from({ length: 100 }, () => itemBody()) },
      { apiKey: key },
    );
    assert.equal(last.status, 200, JSON.stringify(last.body).slice(0, 500));
    assert.ok(last.body.results.every((r: { id?: string }) => r.id));

    // The worker's pool recovered too: it seals every audit event, those from after the restart included.
    await eventually(
      'the worker seals every audit event into the chain',
      async () =>
        (
          await db!.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM audit_events e
              WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = e.seq)`,
          )
        ).rows[0]!.n === 0,
      30_000,
      250,
    );
  });
  it('a socket event while Postgres is down is acknowledged UNAVAILABLE, as HTTP answers; then works again', async () => {
    const { client, url } = api!;
    const admin = await loginAdmin(client);
    const queue = await newQueue(client, admin);
    const reviewer = await newUser(client, admin, ['reviewer'], [queue.slug]);
    const socket = await ReviewClient.connect(url, reviewer.token);
    // The test's own connection dies with the server; it is not used again.
    db?.on('error', () => undefined);
    try {
      await cluster!.stop('immediate');
      // Past the few seconds a user is cached for, so the event must reach Postgres.
      await sleep(2500);
      const during = await socket.call('claim:next', { queue: queue.slug });
      assert.equal(during.error?.code, 'UNAVAILABLE', JSON.stringify(during));
      await cluster!.start();
      await eventually(
        'socket events succeed again',
        async () => !(await socket.call('claim:next', { queue: queue.slug })).error,
        30_000,
        250,
      );
    } finally {
      socket.close();
    }
  });
});
