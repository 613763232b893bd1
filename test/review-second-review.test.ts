import { reviewJobId, reviewQueueName } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { eventually, submitItems } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('reviewsRequired 2: two independent decisions by different reviewers', { concurrency: true }, () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let redis: Redis;
  let admin: string;
  const sockets: ReviewClient[] = [];

  before(async () => {
    env = await createTestEnv();
    // Deliveries are recorded (no worker sends them) to a callback the URL policy lets through.
    api = await startApi(env.config({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }));
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    redis = createRedis(env.redisUrl, 'worker');
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await api?.close();
    await db?.end();
    redis?.disconnect();
    await env?.cleanup();
  });

  /** A queue needing two reviews with one item submitted, and three reviewers (of `alsoIn` too) with open sockets. */
  async function doubleReviewQueue(settings: Record<string, unknown> = {}, alsoIn: string[] = []) {
    const queue = await newQueue(api.client, admin, {
      reviewsRequired: 2,
      callbackUrl: 'http://127.0.0.1:9/hook',
      ...settings,
    });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const people = [];
    for (let i = 0; i < 3; i++) {
      const user = await newUser(api.client, admin, ['reviewer'], [queue.slug, ...alsoIn]);
      const socket = await ReviewClient.connect(api.url, user.token);
      sockets.push(socket);
      people.push({ ...user, client: socket });
    }
    const [itemId] = await submitItems(api.client, key, queue.slug, 1);
    return { slug: queue.slug, queueId: queue.id, itemId: itemId!, reviewers: people };
  }

  const getItem = async (id: string) => (await api.client.get(`/api/v1/items/${id}`, { token: admin })).body;
  const decisionsOf = async (itemId: string) =>
    (
      await db.query<{ verdict: string; reviewer_id: string }>(
        `SELECT verdict, reviewer_id FROM decisions WHERE item_id = $1 ORDER BY decided_at`,
        [itemId],
      )
    ).rows;

  /** The state of an item's review job in Redis (`unknown` when there is none). */
  const jobState = async (queueId: string, itemId: string) => {
    const queue = new Queue(reviewQueueName(queueId), { connection: redis, prefix: env.redisPrefix });
    try {
      return await queue.getJobState(reviewJobId(itemId));
    } finally {
      await queue.close();
    }
  };

  const deliveriesOf = async (itemId: string) =>
    (await db.query(`SELECT 1 FROM deliveries WHERE item_id = $1`, [itemId])).rowCount;

  /** What a reviewer reading the item is shown while it awaits its second review: nothing of the first. */
  const assertFirstReviewHidden = async (itemId: string, token: string, when: string) => {
    const seen = await api.client.get(`/api/v1/items/${itemId}`, { token });
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.decision, null, when);
    assert.deepEqual(
      seen.body.history.filter((e: { action: string }) => e.action === 'item.decided'),
      [],
      `${when}: a reviewer does not see the first review`,
    );
  };

  it('the first decision leaves the item pending for somebody else; an agreeing second one ends it', async () => {
    const {
      slug,
      queueId,
      itemId,
      reviewers: [first, second, third],
    } = await doubleReviewQueue();
    const decided: unknown[] = [];
    third!.client.socket.on('item:decided', (event) => decided.push(event));
    await third!.client.call('queue:subscribe', { queue: slug });

    const one = await first!.client.call('claim:next', { queue: slug });
    assert.equal(one.item?.id, itemId, JSON.stringify(one));
    const firstAck = await first!.client.call('claim:decide', { token: one.claim.token, verdict: 'approve' });
    assert.equal(firstAck.decision?.verdict, 'approve', JSON.stringify(firstAck));
    assert.equal(firstAck.itemStatus, 'pending', 'the item waits for its second review');
    assert.equal(firstAck.movedTo, undefined, 'in its own queue');
    const waiting = await getItem(itemId);
    assert.equal(waiting.status, 'pending');
    assert.equal(waiting.decision, null, 'the first review is not shown before the second one');
    assert.equal(await deliveriesOf(itemId), 0, 'nor sent to the service');
    const asReviewer = await api.client.get(`/api/v1/items/${itemId}`, { token: second!.token });
    assert.equal(asReviewer.status, 200);
    assert.equal(asReviewer.body.decision, null);
    assert.deepEqual(
      asReviewer.body.history.filter((e: { action: string }) => e.action === 'item.decided'),
      [],
      "a reviewer does not see the first review in the item's history either",
    );
    assert.equal(
      waiting.history.filter((e: { action: string }) => e.action === 'item.decided').length,
      1,
      'an admin does',
    );

    assert.equal(await jobState(queueId, itemId), 'prioritized', 'back on the review queue in Redis');

    // Its first reviewer never gets it again: not from the review queue, not from Postgres.
    const again = await first!.client.call('claim:next', { queue: slug });
    assert.deepEqual(again, { item: null }, 'the first reviewer gets nothing');
    const httpAgain = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, {
      token: first!.token,
    });
    assert.equal(httpAgain.status, 204, JSON.stringify(httpAgain.body));
    assert.equal(await jobState(queueId, itemId), 'prioritized', 'the job they passed over is back in line');

    const two = await second!.client.call('claim:next', { queue: slug });
    assert.equal(two.item?.id, itemId, 'somebody else gets it, put back in line');
    assert.deepEqual(two.item.output, { label: 'complaint' }, 'with the AI output, not the first review');
    assert.equal(decided.length, 0, 'nothing announced as decided yet');
    const secondAck = await second!.client.call('claim:decide', {
      token: two.claim.token,
      verdict: 'approve',
    });
    assert.equal(secondAck.itemStatus, 'approved', JSON.stringify(secondAck));

    const done = await getItem(itemId);
    assert.equal(done.status, 'approved');
    assert.equal(done.decision.reviewerId, second!.id);
    assert.deepEqual(
      (await decisionsOf(itemId)).map((d) => [d.verdict, d.reviewer_id]),
      [
        ['approve', first!.id],
        ['approve', second!.id],
      ],
      'both decisions are kept',
    );
    assert.equal(await deliveriesOf(itemId), 1, 'the final decision goes back to the service, once');
    await eventually('item:decided reaches the queue room', () => decided.length > 0);
    assert.deepEqual(decided, [{ itemId, queue: slug, verdict: 'approve' }], 'announced once, when final');
  });

  it('two identical corrections agree; the item is corrected with that output', async () => {
    const {
      slug,
      itemId,
      reviewers: [first, second],
    } = await doubleReviewQueue();
    const fixed = { label: 'praise', note: 'same fix twice' };
    for (const reviewer of [first!, second!]) {
      const claimed = await reviewer.client.call('claim:next', { queue: slug });
      assert.equal(claimed.item?.id, itemId);
      const ack = await reviewer.client.call('claim:decide', {
        token: claimed.claim.token,
        verdict: 'correct',
        // The same output written in another key order is the same output.
        output: reviewer === first ? fixed : { note: fixed.note, label: fixed.label },
      });
      assert.ok(ack.decision, JSON.stringify(ack));
    }
    const done = await getItem(itemId);
    assert.equal(done.status, 'corrected');
    assert.deepEqual(done.decision.output, fixed);
  });

  it('disagreement goes to adjudication: escalated for an admin without escalateTo', async () => {
    const {
      slug,
      itemId,
      reviewers: [first, second],
    } = await doubleReviewQueue();
    const a = await first!.client.call('claim:next', { queue: slug });
    await first!.client.call('claim:decide', { token: a.claim.token, verdict: 'approve' });
    const b = await second!.client.call('claim:next', { queue: slug });
    const ack = await second!.client.call('claim:decide', { token: b.claim.token, verdict: 'reject' });
    assert.equal(ack.decision?.verdict, 'reject', JSON.stringify(ack));
    assert.equal(ack.itemStatus, 'escalated');

    const item = await getItem(itemId);
    assert.equal(item.status, 'escalated');
    assert.equal(item.decision, null, 'no final decision');
    const escalation = item.history.find((e: { action: string }) => e.action === 'item.escalated');
    assert.equal(escalation?.data?.reason, 'reviewers_disagree', JSON.stringify(item.history));
    assert.equal(escalation.data.decisionIds.length, 2);
    assert.equal((await decisionsOf(itemId)).length, 2);
    assert.equal(await deliveriesOf(itemId), 0, 'nothing goes back to the service before adjudication');
  });

  it('disagreement with escalateTo: pending in the adjudication queue, where one review decides', async () => {
    const adjudication = await newQueue(api.client, admin);
    const {
      slug,
      itemId,
      reviewers: [first, second],
    } = await doubleReviewQueue({ escalateTo: adjudication.slug });
    const judge = await newUser(api.client, admin, ['reviewer'], [adjudication.slug]);
    // The first reviewer works the adjudication queue too, but may not judge their own disagreement.
    const patched = await api.client.patch(
      `/api/v1/users/${first!.id}`,
      { queues: [slug, adjudication.slug] },
      { token: admin },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const judgeSocket = await ReviewClient.connect(api.url, judge.token);
    sockets.push(judgeSocket);

    const a = await first!.client.call('claim:next', { queue: slug });
    await first!.client.call('claim:decide', {
      token: a.claim.token,
      verdict: 'correct',
      output: { label: 'x' },
    });
    const b = await second!.client.call('claim:next', { queue: slug });
    const ack = await second!.client.call('claim:decide', {
      token: b.claim.token,
      verdict: 'correct',
      output: { label: 'y' },
    });
    assert.equal(ack.itemStatus, 'pending', JSON.stringify(ack));
    assert.equal(ack.movedTo, adjudication.slug, 'the answer names the adjudicating queue');
    assert.equal(await jobState(adjudication.id, itemId), 'prioritized', "on the adjudication queue's list");
    const moved = await getItem(itemId);
    assert.equal(moved.queue, adjudication.slug);
    assert.equal(moved.status, 'pending');

    const seenByJudge = await api.client.get(`/api/v1/items/${itemId}`, { token: judge.token });
    assert.equal(
      seenByJudge.body.history.filter((e: { action: string }) => e.action === 'item.decided').length,
      2,
      'the adjudicator sees both reviews',
    );
    assert.deepEqual(
      await first!.client.call('claim:next', { queue: adjudication.slug }),
      { item: null },
      'a reviewer of the disagreement does not adjudicate it',
    );
    const claimed = await judgeSocket.call('claim:next', { queue: adjudication.slug });
    assert.equal(claimed.item?.id, itemId, 'the adjudicator gets it from the review queue');
    const final = await judgeSocket.call('claim:decide', {
      token: claimed.claim.token,
      verdict: 'correct',
      output: { label: 'y' },
    });
    assert.equal(final.itemStatus, 'corrected');
    assert.equal((await getItem(itemId)).status, 'corrected');
    assert.equal((await decisionsOf(itemId)).length, 3);
  });

  it('a released second claim keeps the first review: the next reviewer still gives the second', async () => {
    const {
      slug,
      itemId,
      reviewers: [first, second, third],
    } = await doubleReviewQueue();
    const a = await first!.client.call('claim:next', { queue: slug });
    await first!.client.call('claim:decide', { token: a.claim.token, verdict: 'reject' });
    const b = await second!.client.call('claim:next', { queue: slug });
    assert.deepEqual(await second!.client.call('claim:release', { token: b.claim.token }), { ok: true });
    const c = await third!.client.call('claim:next', { queue: slug });
    assert.equal(c.item?.id, itemId);
    const ack = await third!.client.call('claim:decide', { token: c.claim.token, verdict: 'reject' });
    assert.equal(ack.itemStatus, 'rejected');
    assert.equal((await getItem(itemId)).status, 'rejected');
  });

  /** A two-review queue's item after its first review (an approval), claimed for its second; three reviewers. */
  async function awaitingSecondReview(settings: Record<string, unknown> = {}, alsoIn: string[] = []) {
    const queue = await doubleReviewQueue(settings, alsoIn);
    const [first, second] = queue.reviewers;
    const one = await first!.client.call('claim:next', { queue: queue.slug });
    assert.equal(one.item?.id, queue.itemId);
    await first!.client.call('claim:decide', { token: one.claim.token, verdict: 'approve' });
    const two = await second!.client.call('claim:next', { queue: queue.slug });
    assert.equal(two.item?.id, queue.itemId);
    return { ...queue, secondClaim: two.claim.token as string };
  }

  it('an escalation keeps the first review: requeued, the item awaits its second review, from neither reviewer', async () => {
    const { slug, queueId, itemId, reviewers, secondClaim } = await awaitingSecondReview();
    const [first, second, third] = reviewers;
    assert.deepEqual(
      await second!.client.call('claim:escalate', { token: secondClaim, comment: 'a policy question' }),
      { ok: true },
    );
    assert.equal((await getItem(itemId)).status, 'escalated');
    await assertFirstReviewHidden(itemId, third!.token, 'while an admin has it');

    const requeued = await api.client.post(
      `/api/v1/items/${itemId}/requeue`,
      { queue: slug },
      { token: admin },
    );
    assert.equal(requeued.status, 200, JSON.stringify(requeued.body));
    assert.equal(requeued.body.status, 'pending');
    await assertFirstReviewHidden(itemId, third!.token, 'back in line');

    for (const [who, barred] of [
      ['the first reviewer', first!],
      ['the reviewer who escalated it', second!],
    ] as const) {
      assert.deepEqual(await barred.client.call('claim:next', { queue: slug }), { item: null }, who);
      const http = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, { token: barred.token });
      assert.equal(http.status, 204, `${who}: ${JSON.stringify(http.body)}`);
    }
    assert.equal(await jobState(queueId, itemId), 'prioritized', 'still in line for somebody else');

    const c = await third!.client.call('claim:next', { queue: slug });
    assert.equal(c.item?.id, itemId, 'a third reviewer gives the second review');
    const ack = await third!.client.call('claim:decide', { token: c.claim.token, verdict: 'approve' });
    assert.equal(
      ack.itemStatus,
      'approved',
      `it agrees with the first review, which stood: ${JSON.stringify(ack)}`,
    );
    assert.deepEqual(
      (await decisionsOf(itemId)).map((d) => [d.verdict, d.reviewer_id]),
      [
        ['approve', first!.id],
        ['approve', third!.id],
      ],
    );
    assert.equal(await deliveriesOf(itemId), 1);
  });

  it('escalated to the escalation queue, the first review stays unseen and neither reviewer judges it there', async () => {
    const adjudication = await newQueue(api.client, admin);
    const { itemId, reviewers, secondClaim } = await awaitingSecondReview({ escalateTo: adjudication.slug }, [
      adjudication.slug,
    ]);
    await reviewers[1]!.client.call('claim:escalate', { token: secondClaim, comment: 'not sure' });
    const moved = await getItem(itemId);
    assert.equal(moved.queue, adjudication.slug);
    assert.equal(moved.status, 'pending');

    const judge = await newUser(api.client, admin, ['reviewer'], [adjudication.slug]);
    await assertFirstReviewHidden(itemId, judge.token, 'in the escalation queue');
    for (const reviewer of reviewers.slice(0, 2)) {
      assert.deepEqual(
        await reviewer.client.call('claim:next', { queue: adjudication.slug }),
        { item: null },
        'neither the first reviewer nor the one who escalated it judges it',
      );
    }
    const claimed = await api.client.post(`/api/v1/queues/${adjudication.slug}/claim`, undefined, {
      token: judge.token,
    });
    assert.equal(claimed.body.item?.id, itemId, JSON.stringify(claimed.body));
    const final = await api.client.post(
      `/api/v1/claims/${claimed.body.claim.token}/decision`,
      { verdict: 'reject' },
      { token: judge.token },
    );
    assert.equal(final.body.itemStatus, 'rejected', 'the escalation queue decides on its own');
  });
});
