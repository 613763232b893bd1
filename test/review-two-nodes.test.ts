import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueueStatsRepository, ReviewService } from '@arbiter/review';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import {
  assertDecidedOnce,
  eventually,
  overlappingGrants,
  raceToDrain,
  sleep,
  submitItems,
} from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const GRACE_MS = 500;

describe('two API nodes share one review loop (same Postgres, same Redis prefix)', () => {
  let env: TestEnv;
  let node1: RunningApi;
  let node2: RunningApi;
  let db: pg.Client;
  let admin: string;
  const sockets: ReviewClient[] = [];

  before(async () => {
    env = await createTestEnv();
    const config = env.config({ CLAIM_DISCONNECT_GRACE_MS: String(GRACE_MS) });
    node1 = await startApi(config);
    node2 = await startApi(config);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(node1.client);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await node1?.close();
    await node2?.close();
    await db?.end();
    await env?.cleanup();
  });

  const connect = async (node: RunningApi, token: string) => {
    const socket = await ReviewClient.connect(node.url, token);
    sockets.push(socket);
    return socket;
  };

  async function workspace(reviewers = 1) {
    const queue = await newQueue(node1.client, admin);
    const { key } = await newServiceKey(node1.client, admin, [queue.slug]);
    const people = [];
    for (let i = 0; i < reviewers; i++)
      people.push(await newUser(node1.client, admin, ['reviewer'], [queue.slug]));
    return { slug: queue.slug, key, reviewers: people };
  }

  it('a submit on node 1 pushes queue:stats to a subscriber on node 2', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace();
    await submitItems(node1.client, key, slug, 1);
    const watcher = await connect(node2, reviewer!.token);
    const sub = await watcher.call('queue:subscribe', { queue: slug });
    assert.equal(sub.stats?.pending, 1, JSON.stringify(sub));

    const pushed = watcher.next('queue:stats', (s: any) => s.queue === slug && s.pending === 2, 5000);
    const res = await node1.client.post(`/api/v1/queues/${slug}/items`, itemBody(), { apiKey: key });
    assert.equal(res.status, 201);
    const stats = await pushed;
    assert.equal(stats.claimed, 0);
  });

  it("a node counts a queue's numbers only while one of its own sockets watches it, and less often when counting is slow", async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace();
    const counted = new Map<RunningApi, number[]>();
    const restore: (() => void)[] = [];
    for (const node of [node1, node2]) {
      const reviews = node.app.get(ReviewService);
      const statsOf = reviews.statsOf.bind(reviews);
      counted.set(node, []);
      // Each count is held 60 ms, as a count of a large backlog would take.
      reviews.statsOf = async (queueId) => {
        counted.get(node)!.push(Date.now());
        await sleep(60);
        return statsOf(queueId);
      };
      restore.push(() => (reviews.statsOf = statsOf));
    }
    try {
      await submitItems(node1.client, key, slug, 1);
      await sleep(400);
      assert.deepEqual(
        [counted.get(node1)!.length, counted.get(node2)!.length],
        [0, 0],
        'nobody watches: no node counts',
      );

      const watcher = await connect(node2, reviewer!.token);
      await watcher.call('queue:subscribe', { queue: slug });
      const first = watcher.next('queue:stats', (s: any) => s.pending === 2, 5000);
      await submitItems(node1.client, key, slug, 1);
      await first;
      const second = watcher.next('queue:stats', (s: any) => s.pending === 3, 5000);
      await submitItems(node1.client, key, slug, 1);
      await second;
      const times = counted.get(node2)!;
      assert.equal(counted.get(node1)!.length, 0, 'node 1 has no watcher and counts nothing');
      assert.ok(times.length >= 2, `node 2 counted ${times.length} times`);
      // The last count took ≥ 60 ms, so the next waits ≥ 10 × 60 ms rather than the usual 250 ms.
      const gap = times[times.length - 1]! - times[times.length - 2]!;
      assert.ok(gap >= 580, `a slow count is followed by a longer pause (${gap} ms)`);
    } finally {
      for (const undo of restore) undo();
    }
  });

  it("a change made while a new subscriber's numbers are counted is pushed to it after the answer", async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace();
    const repository = node2.app.get(QueueStatsRepository);
    const statsOf = repository.statsOf.bind(repository);
    let taken!: () => void;
    const snapshotTaken = new Promise<void>((resolve) => (taken = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    // The subscribe's own count is read, then held until a submit has been made and heard.
    repository.statsOf = async (queueId) => {
      const stats = await statsOf(queueId);
      if (calls++ === 0) {
        taken();
        await released;
      }
      return stats;
    };
    try {
      const watcher = await connect(node2, reviewer!.token);
      const answer = watcher.call('queue:subscribe', { queue: slug });
      await snapshotTaken;
      await submitItems(node1.client, key, slug, 1);
      await sleep(300);
      const pushed = watcher.next('queue:stats', (s: any) => s.queue === slug && s.pending === 1, 5000);
      release();
      assert.equal((await answer).stats?.pending, 0, 'the answer holds the numbers from before the submit');
      await pushed;
    } finally {
      repository.statsOf = statsOf;
    }
  });

  it('a decision made through node 1 reaches item:decided on node 2', async () => {
    const {
      slug,
      key,
      reviewers: [worker, observer],
    } = await workspace(2);
    const [itemId] = await submitItems(node1.client, key, slug, 1);
    const watcher = await connect(node2, observer!.token);
    await watcher.call('queue:subscribe', { queue: slug });
    const decidedPush = watcher.next('item:decided', (e: any) => e.itemId === itemId, 5000);
    const claimedPush = watcher.next('queue:stats', (s: any) => s.claimed === 1, 5000);

    const socket = await connect(node1, worker!.token);
    const claimed = await socket.call('claim:next', { queue: slug });
    assert.equal(claimed.item?.id, itemId);
    await claimedPush;
    const decided = await socket.call('claim:decide', { token: claimed.claim.token, verdict: 'reject' });
    assert.ok(decided.decision, JSON.stringify(decided));
    assert.deepEqual(await decidedPush, { itemId, queue: slug, verdict: 'reject' });
  });

  it('reviewers spread over both nodes never receive the same item', async () => {
    const { slug, key, reviewers } = await workspace(2);
    const itemIds = await submitItems(node1.client, key, slug, 20);
    const racers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => connect(i < 3 ? node1 : node2, reviewers[i % 2]!.token)),
    );

    const log = await raceToDrain(racers, slug, 40);

    assert.equal(log.length, 20, 'exactly 20 claims were granted');
    assert.deepEqual(new Set(log.map((r) => r.itemId)), new Set(itemIds), 'all distinct, every item');
    assert.deepEqual(overlappingGrants(log), []);
    const byNode = [log.filter((r) => r.socket < 3).length, log.filter((r) => r.socket >= 3).length];
    assert.ok(byNode[0]! > 0 && byNode[1]! > 0, `both nodes handed out work: ${byNode.join(' / ')}`);
    await assertDecidedOnce(db, itemIds);
  });

  it("a reviewer's socket on the other node keeps their claims through a disconnect", async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace();
    const [itemId] = await submitItems(node1.client, key, slug, 1);
    const leaving = await connect(node1, reviewer!.token);
    const staying = await connect(node2, reviewer!.token);
    const claimed = await leaving.call('claim:next', { queue: slug });
    assert.equal(claimed.item?.id, itemId);

    leaving.close();
    // Past the grace period, with slack for the cross-node socket lookup.
    await sleep(GRACE_MS + 1000);
    const live = await db.query(`SELECT 1 FROM claims WHERE item_id = $1 AND status = 'live'`, [itemId]);
    assert.equal(live.rowCount, 1, 'the claim is still live');
    const decided = await staying.call('claim:decide', { token: claimed.claim.token, verdict: 'approve' });
    assert.ok(decided.decision, JSON.stringify(decided));

    // Control: once the reviewer's last socket is gone, a new claim is released after the grace period.
    await submitItems(node1.client, key, slug, 1);
    const second = await staying.call('claim:next', { queue: slug });
    assert.ok(second.item, JSON.stringify(second));
    staying.close();
    await eventually(
      'the claim of a reviewer with no socket on any node is released',
      async () =>
        (await db.query(`SELECT status FROM items WHERE id = $1`, [second.item.id])).rows[0]?.status ===
        'pending',
      GRACE_MS + 6000,
    );
  });
});
