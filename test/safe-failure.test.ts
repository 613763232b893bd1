import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const FALLBACK = { label: 'other', summary: 'Routed to the default handling: no one reviewed it in time.' };

describe('SLA: a deadline that passes applies the queue policy', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    const config = env.config({ SLA_SWEEP_INTERVAL_MS: '100' });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    admin = await loginAdmin(api.client);
  });
  after(async () => {
    await worker?.close();
    await api?.close();
    await env?.cleanup();
  });

  async function setUp(settings: Record<string, unknown>, extraQueues: string[] = []) {
    const queue = await newQueue(api.client, admin, { slaSeconds: 1, ...settings });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug, ...extraQueues]);
    const submit = async () => {
      const res = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.ok(res.body.slaDeadline, 'the item carries its deadline');
      return res.body.id as string;
    };
    return { queue, reviewer, submit };
  }

  const item = async (id: string) => (await api.client.get(`/api/v1/items/${id}`, { token: admin })).body;
  const actions = (view: { history: { action: string }[] }) => view.history.map((e) => e.action);

  it('keep: flags the item, leaves the claim with its holder and tells them', async () => {
    const { queue, reviewer, submit } = await setUp({ onSlaBreach: 'keep' });
    const id = await submit();
    const socket = await ReviewClient.connect(api.url, reviewer.token);
    try {
      const claim = await socket.call('claim:next', { queue: queue.slug });
      assert.equal(claim.item.id, id);
      const told = await socket.next('claim:sla_breached', (e: { itemId: string }) => e.itemId === id, 5000);
      assert.deepEqual(told, { token: claim.claim.token, itemId: id, policy: 'keep', claimEnded: false });
      const view = await item(id);
      assert.equal(view.status, 'claimed');
      assert.ok(view.slaBreachedAt);
      assert.ok(actions(view).includes('item.sla_breached'));
      const decided = await socket.call('claim:decide', { token: claim.claim.token, verdict: 'approve' });
      assert.equal(decided.decision.verdict, 'approve', JSON.stringify(decided));
    } finally {
      socket.close();
    }
  });

  it('never deadlocks with a decision in flight at the deadline: the sweep passes the item over until then', async () => {
    const { queue, reviewer, submit } = await setUp({ onSlaBreach: 'keep' });
    const id = await submit();
    const socket = await ReviewClient.connect(api.url, reviewer.token);
    const db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      const claim = await socket.call('claim:next', { queue: queue.slug });
      assert.equal(claim.item.id, id);
      // Hold the claim row as decide_claim does, across the deadline, then want the item as it does next.
      await db.query('BEGIN');
      await db.query(`SELECT 1 FROM claims WHERE token = $1 FOR UPDATE`, [claim.claim.token]);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the deadline passes; the sweep runs
      await db.query(`SET LOCAL lock_timeout = '500ms'`);
      await db.query(`SELECT 1 FROM items WHERE id = $1 FOR UPDATE`, [id]);
      assert.equal((await item(id)).slaBreachedAt, null, 'passed over while its claim was held');
      await db.query('ROLLBACK');
      await eventually(
        'the next sweep applies the policy',
        async () => (await item(id)).slaBreachedAt !== null,
      );
    } finally {
      await db.end();
      socket.close();
    }
  });

  it('escalate: moves a pending item to the escalation queue, where it can be claimed', async () => {
    const target = await newQueue(api.client, admin);
    const { reviewer, submit } = await setUp({ onSlaBreach: 'escalate', escalateTo: target.slug }, [
      target.slug,
    ]);
    const id = await submit();
    await eventually('moved', async () => (await item(id)).queue === target.slug, 8000);
    const view = await item(id);
    assert.equal(view.status, 'pending');
    assert.ok(view.slaBreachedAt);
    const claim = await api.client.post(`/api/v1/queues/${target.slug}/claim`, undefined, {
      token: reviewer.token,
    });
    assert.equal(claim.status, 200);
    assert.equal(claim.body.item.id, id);
  });

  it('escalate with nowhere to go: the item waits for an admin', async () => {
    const { submit } = await setUp({ onSlaBreach: 'escalate' });
    const id = await submit();
    await eventually('escalated', async () => (await item(id)).status === 'escalated', 8000);
  });

  it('escalate while an item awaits its second review: requeued, the first review still stands', async () => {
    const queue = await newQueue(api.client, admin, {
      slaSeconds: 3600,
      onSlaBreach: 'escalate',
      reviewsRequired: 2,
    });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const first = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const holder = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const id = (await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key })).body
      .id as string;
    const claim = async (token: string) =>
      api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, { token });
    const decide = async (token: string, claimToken: string) =>
      api.client.post(`/api/v1/claims/${claimToken}/decision`, { verdict: 'approve' }, { token });

    const one = await claim(first.token);
    assert.equal(one.body.item?.id, id, JSON.stringify(one.body));
    assert.equal((await decide(first.token, one.body.claim.token)).body.itemStatus, 'pending');
    const held = await claim(holder.token);
    assert.equal(held.body.item?.id, id);
    // The deadline passes while the second review is under way.
    const db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE items SET sla_deadline = now() - interval '1 second' WHERE id = $1`, [id]);
    } finally {
      await db.end();
    }
    await eventually('escalated', async () => (await item(id)).status === 'escalated', 8000);
    assert.equal((await decide(holder.token, held.body.claim.token)).body.code, 'CLAIM_EXPIRED');

    const requeued = await api.client.post(
      `/api/v1/items/${id}/requeue`,
      { queue: queue.slug },
      { token: admin },
    );
    assert.equal(requeued.status, 200, JSON.stringify(requeued.body));
    const seen = await api.client.get(`/api/v1/items/${id}`, { token: holder.token });
    assert.deepEqual(
      seen.body.history.filter((e: { action: string }) => e.action === 'item.decided'),
      [],
      'the first review is still unseen',
    );
    assert.equal((await claim(first.token)).status, 204, 'its first reviewer does not get it');
    const again = await claim(holder.token);
    assert.equal(again.body.item?.id, id, 'the holder the deadline interrupted (who escalated nothing) may');
    const second = await decide(holder.token, again.body.claim.token);
    assert.equal(second.body.itemStatus, 'approved', JSON.stringify(second.body));
  });

  it('fallback: the queue output is the decision, not human-reviewed, and the holder loses the claim', async () => {
    const { queue, reviewer, submit } = await setUp({ onSlaBreach: 'fallback', fallbackOutput: FALLBACK });
    const id = await submit();
    const socket = await ReviewClient.connect(api.url, reviewer.token);
    const watcher = await ReviewClient.connect(api.url, reviewer.token);
    try {
      await watcher.call('queue:subscribe', { queue: queue.slug });
      const decidedEvent = watcher.next('item:decided', (e: { itemId: string }) => e.itemId === id, 8000);
      const claim = await socket.call('claim:next', { queue: queue.slug });
      assert.equal(claim.item.id, id);
      const expired = socket.next(
        'claim:expired',
        (e: { token: string }) => e.token === claim.claim.token,
        8000,
      );
      const told = await socket.next<{ itemId: string; policy: string; claimEnded: boolean }>(
        'claim:sla_breached',
        (e) => e.itemId === id,
        8000,
      );
      assert.equal(told.policy, 'fallback');
      assert.equal(told.claimEnded, true);
      await expired;
      assert.deepEqual(await decidedEvent, { itemId: id, queue: queue.slug, verdict: 'fallback' });

      const view = await item(id);
      assert.equal(view.status, 'fallback');
      assert.equal(view.decision.verdict, 'fallback');
      assert.equal(view.decision.reviewerId, null);
      assert.deepEqual(view.decision.output, FALLBACK);
      assert.ok(Array.isArray(view.decision.patch));
      assert.deepEqual(
        actions(view).filter((a: string) => a.startsWith('item.sla') || a === 'item.fallback'),
        ['item.sla_breached', 'item.fallback'],
      );
      const late = await socket.call('claim:decide', { token: claim.claim.token, verdict: 'approve' });
      assert.equal(late.error?.code, 'CLAIM_EXPIRED');
    } finally {
      socket.close();
      watcher.close();
    }
  });
});

describe('admission control: submits a queue cannot serve in time are refused with 429', () => {
  let env: TestEnv;
  let api: RunningApi;
  let second: RunningApi;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    const config = env.config({ ADMISSION_MIN_PENDING: '5', RATE_LIMIT_PER_SERVICE: '5' });
    api = await startApi(config);
    second = await startApi(config);
    admin = await loginAdmin(api.client);
  });
  after(async () => {
    await second?.close();
    await api?.close();
    await env?.cleanup();
  });

  /** Waits for the start of a wall-clock second, so a burst falls in one rate-limit window. */
  async function startOfSecond(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
  }

  it('refuses beyond the backlog cap, still answers a repeat, and refuses an oversized batch', async () => {
    const queue = await newQueue(api.client, admin, { maxPending: 3 });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const bodies = [0, 1, 2].map((i) => itemBody({ externalId: `cap-${i}` }));
    for (const body of bodies) {
      await startOfSecond();
      assert.equal(
        (await api.client.post(`/api/v1/queues/${queue.slug}/items`, body, { apiKey: key })).status,
        201,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the backlog is read at most once a second
    const refused = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'RATE_LIMITED');
    assert.match(refused.body.message, /cap is 3/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const repeat = await api.client.post(`/api/v1/queues/${queue.slug}/items`, bodies[0], { apiKey: key });
    assert.equal(repeat.status, 200, 'a repeat of a stored item is not refused');
    const batch = await api.client.post(
      `/api/v1/queues/${queue.slug}/items/batch`,
      { items: [itemBody()] },
      { apiKey: key },
    );
    assert.equal(batch.status, 429);
  });

  it('projects the wait of a two-review queue at half its decision rate', async () => {
    const one = await newQueue(api.client, admin, { slaSeconds: 60 });
    const two = await newQueue(api.client, admin, { slaSeconds: 60, reviewsRequired: 2 });
    const { key } = await newServiceKey(api.client, admin, [one.slug, two.slug]);
    const db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      for (const queue of [one, two]) {
        await startOfSecond();
        const res = await api.client.post(
          `/api/v1/queues/${queue.slug}/items/batch`,
          { items: [1, 2, 3, 4, 5].map(() => itemBody()) },
          { apiKey: key },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        // 12 decisions in the last two minutes: 0.1 a second.
        await db.query(
          `INSERT INTO decisions (item_id, queue_id, verdict, output, patch)
           SELECT $1, $2, 'approve', '{}'::jsonb, '[]'::jsonb FROM generate_series(1, 12)`,
          [res.body.results[0].id, queue.id],
        );
      }
    } finally {
      await db.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the cached reading
    // 5 pending at 0.1 items a second is 50 s, within the SLA; at 0.05 (two decisions an item) it is 100 s.
    await startOfSecond();
    const within = await api.client.post(`/api/v1/queues/${one.slug}/items`, itemBody(), { apiKey: key });
    assert.equal(within.status, 201, JSON.stringify(within.body));
    await startOfSecond();
    const beyond = await api.client.post(`/api/v1/queues/${two.slug}/items`, itemBody(), { apiKey: key });
    assert.equal(beyond.status, 429, JSON.stringify(beyond.body));
    assert.match(beyond.body.message, /projected wait about 100 s/);
  });

  it('holds a burst of concurrent submits to the backlog cap', async () => {
    const queue = await newQueue(api.client, admin, { maxPending: 3 });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 201, 201, 429, 429, 429, 429, 429], JSON.stringify(statuses));
  });

  it('refuses when the projected wait exceeds the SLA, and not on a queue without one', async () => {
    const withSla = await newQueue(api.client, admin, { slaSeconds: 60 });
    const without = await newQueue(api.client, admin);
    const { key } = await newServiceKey(api.client, admin, [withSla.slug, without.slug]);
    const fill = async (slug: string) => {
      await startOfSecond();
      const res = await api.client.post(
        `/api/v1/queues/${slug}/items/batch`,
        { items: [1, 2, 3, 4, 5].map(() => itemBody()) },
        { apiKey: key },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    await fill(withSla.slug);
    await fill(without.slug);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refused = await api.client.post(`/api/v1/queues/${withSla.slug}/items`, itemBody(), {
      apiKey: key,
    });
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.match(refused.body.message, /SLA of 60 s/);
    assert.equal(refused.headers.get('retry-after'), '60', 'no one is deciding: try again in a minute');
    await startOfSecond();
    const accepted = await api.client.post(`/api/v1/queues/${without.slug}/items`, itemBody(), {
      apiKey: key,
    });
    assert.equal(accepted.status, 201);
  });

  it('holds a per-service rate limit across API nodes', async () => {
    const queue = await newQueue(api.client, admin);
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const batch = () => ({ items: [1, 2, 3, 4].map(() => itemBody()) });
    await startOfSecond();
    const [a, b] = await Promise.all([
      api.client.post(`/api/v1/queues/${queue.slug}/items/batch`, batch(), { apiKey: key }),
      second.client.post(`/api/v1/queues/${queue.slug}/items/batch`, batch(), { apiKey: key }),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [200, 429], 'eight items in one second against a limit of five');
    const refused = a.status === 429 ? a : b;
    assert.equal(refused.body.code, 'RATE_LIMITED');
    assert.equal(refused.headers.get('retry-after'), '1');
  });
});
