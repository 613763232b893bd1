import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('review loop over socket.io (smoke)', () => {
  let env: TestEnv;
  let api: RunningApi;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('claims, corrects and records the decision', async () => {
    const admin = await loginAdmin(api.client);
    const queue = await newQueue(api.client, admin, {
      outputSchema: { type: 'object', required: ['label'] },
    });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const submitted = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
      apiKey: key,
    });
    assert.equal(submitted.status, 201);

    const socket = await ReviewClient.connect(api.url, reviewer.token);
    try {
      const sub = await socket.call('queue:subscribe', { queue: queue.slug });
      assert.equal(sub.stats.pending, 1, JSON.stringify(sub));
      const statsPush = socket.next('queue:stats', (s: any) => s.claimed === 1);
      const claimed = await socket.call('claim:next', { queue: queue.slug });
      assert.equal(claimed.item.id, submitted.body.id, JSON.stringify(claimed));
      assert.ok(claimed.claim.token);
      await statsPush;
      const decided = socket.next('item:decided');
      const res = await socket.call('claim:decide', {
        token: claimed.claim.token,
        verdict: 'correct',
        output: { label: 'praise' },
      });
      assert.equal(res.decision.verdict, 'correct', JSON.stringify(res));
      assert.deepEqual(res.decision.patch, [{ op: 'replace', path: '/label', value: 'praise' }]);
      assert.equal((await decided).itemId, submitted.body.id);
      const item = await api.client.get(`/api/v1/items/${submitted.body.id}`, { apiKey: key });
      assert.equal(item.body.status, 'corrected');
      assert.deepEqual(
        item.body.history.map((e: any) => e.action),
        ['item.received', 'item.claimed', 'item.decided'],
      );
      const empty = await socket.call('claim:next', { queue: queue.slug });
      assert.deepEqual(empty, { item: null });
    } finally {
      socket.close();
    }
  });

  it('pushes item:decided for auto-approvals, single and batch, like any decision', async () => {
    const admin = await loginAdmin(api.client);
    const queue = await newQueue(api.client, admin, { autoApproveAbove: 0.9 });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const socket = await ReviewClient.connect(api.url, reviewer.token);
    try {
      await socket.call('queue:subscribe', { queue: queue.slug });
      const heard: unknown[] = [];
      socket.socket.on('item:decided', (event: unknown) => heard.push(event));

      const single = await api.client.post(
        `/api/v1/queues/${queue.slug}/items`,
        itemBody({ confidence: 0.95 }),
        {
          apiKey: key,
        },
      );
      assert.equal(single.body.status, 'auto_approved', JSON.stringify(single.body));
      const batch = await api.client.post(
        `/api/v1/queues/${queue.slug}/items/batch`,
        { items: [itemBody({ confidence: 0.97 }), itemBody({ confidence: 0.2 })] },
        { apiKey: key },
      );
      const [sure, unsure] = batch.body.results;
      assert.deepEqual(
        [sure.status, unsure.status],
        ['auto_approved', 'pending'],
        JSON.stringify(batch.body),
      );

      // The pending one is decided by a person; its push comes after those of the auto-approvals before it.
      const claimed = await socket.call('claim:next', { queue: queue.slug });
      assert.equal(claimed.item.id, unsure.id);
      const last = socket.next('item:decided', (e: any) => e.itemId === unsure.id);
      await socket.call('claim:decide', { token: claimed.claim.token, verdict: 'approve' });
      await last;
      assert.deepEqual(heard, [
        { itemId: single.body.id, queue: queue.slug, verdict: 'auto_approve' },
        { itemId: sure.id, queue: queue.slug, verdict: 'auto_approve' },
        { itemId: unsure.id, queue: queue.slug, verdict: 'approve' },
      ]);
    } finally {
      socket.close();
    }
  });
});
