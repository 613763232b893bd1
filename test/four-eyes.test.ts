import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('four-eyes: admins do not review the queues they administer unless allowed', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    admin = await loginAdmin(api.client);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  async function queueWithItem(settings: Record<string, unknown> = {}) {
    const queue = await newQueue(api.client, admin, settings);
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const submit = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key });
    assert.equal(submit.status, 201);
    return { queue, itemId: submit.body.id as string };
  }

  it('defaults to off, and an admin who reviews the queue cannot claim from it', async () => {
    const { queue, itemId } = await queueWithItem();
    assert.equal(queue.allowAdminReview, false);
    const adminReviewer = await newUser(api.client, admin, ['admin', 'reviewer'], [queue.slug]);
    const claim = await api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, {
      token: adminReviewer.token,
    });
    assert.equal(claim.status, 403);
    assert.equal(claim.body.code, 'FORBIDDEN');
    assert.match(claim.body.message, /allowAdminReview/);
    const item = await api.client.get(`/api/v1/items/${itemId}`, { token: admin });
    assert.equal(item.body.status, 'pending', 'nothing was claimed');
  });

  it('an admin may claim and decide once the queue allows it', async () => {
    const { queue, itemId } = await queueWithItem({ allowAdminReview: true });
    assert.equal(queue.allowAdminReview, true);
    const adminReviewer = await newUser(api.client, admin, ['admin', 'reviewer'], [queue.slug]);
    const claim = await api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, {
      token: adminReviewer.token,
    });
    assert.equal(claim.status, 200);
    assert.equal(claim.body.item.id, itemId);
    const decided = await api.client.post(
      `/api/v1/claims/${claim.body.claim.token}/decision`,
      { verdict: 'approve' },
      { token: adminReviewer.token },
    );
    assert.equal(decided.status, 201);
  });

  it('switching it off stops an admin deciding a claim they already hold', async () => {
    const { queue, itemId } = await queueWithItem({ allowAdminReview: true });
    const adminReviewer = await newUser(api.client, admin, ['admin', 'reviewer'], [queue.slug]);
    const claim = await api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, {
      token: adminReviewer.token,
    });
    assert.equal(claim.status, 200);
    const patched = await api.client.patch(
      `/api/v1/queues/${queue.slug}`,
      { allowAdminReview: false },
      { token: admin },
    );
    assert.equal(patched.status, 200);
    assert.equal(patched.body.allowAdminReview, false);
    // Queue settings are cached for a second per node.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (const verdict of ['approve', 'reject']) {
      const refused = await api.client.post(
        `/api/v1/claims/${claim.body.claim.token}/decision`,
        { verdict },
        { token: adminReviewer.token },
      );
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'FORBIDDEN');
    }
    const corrected = await api.client.post(
      `/api/v1/claims/${claim.body.claim.token}/decision`,
      { verdict: 'correct', output: { label: 'other', summary: 'x' } },
      { token: adminReviewer.token },
    );
    assert.equal(corrected.status, 403, JSON.stringify(corrected.body));
    assert.equal((await api.client.get(`/api/v1/items/${itemId}`, { token: admin })).body.status, 'claimed');
  });

  it('refuses a non-boolean setting', async () => {
    const res = await api.client.post(
      '/api/v1/queues',
      { slug: `fe-${Date.now()}`, name: 'x', allowAdminReview: 'yes' },
      { token: admin },
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
  });
});
