import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('admins requeue escalated items', () => {
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

  it('puts an escalated item back as pending, audited, and claimable again', async () => {
    const queue = await newQueue(api.client, admin);
    const other = await newQueue(api.client, admin);
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug, other.slug]);
    const item = (await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), { apiKey: key }))
      .body;

    const claim = await api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, {
      token: reviewer.token,
    });
    assert.equal(claim.status, 200);
    const escalated = await api.client.post(
      `/api/v1/claims/${claim.body.claim.token}/escalate`,
      { comment: 'legal question' },
      { token: reviewer.token },
    );
    assert.deepEqual(escalated.body, { ok: true });
    assert.equal(
      (await api.client.get(`/api/v1/items/${item.id}`, { token: admin })).body.status,
      'escalated',
    );

    const notAdmin = await api.client.post(
      `/api/v1/items/${item.id}/requeue`,
      { queue: other.slug },
      { token: reviewer.token },
    );
    assert.equal(notAdmin.status, 403);
    const unknown = await api.client.post(
      `/api/v1/items/${item.id}/requeue`,
      { queue: 'no-such-queue' },
      { token: admin },
    );
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'VALIDATION_FAILED');

    const requeued = await api.client.post(
      `/api/v1/items/${item.id}/requeue`,
      { queue: other.slug },
      { token: admin },
    );
    assert.equal(requeued.status, 200, JSON.stringify(requeued.body));
    assert.equal(requeued.body.status, 'pending');
    assert.equal(requeued.body.queue, other.slug);

    const again = await api.client.post(
      `/api/v1/items/${item.id}/requeue`,
      { queue: other.slug },
      { token: admin },
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'CONFLICT');

    const next = await api.client.post(`/api/v1/queues/${other.slug}/claim`, undefined, {
      token: reviewer.token,
    });
    assert.equal(next.status, 200);
    assert.equal(next.body.item.id, item.id);
    const history = (await api.client.get(`/api/v1/items/${item.id}`, { token: admin })).body.history;
    assert.deepEqual(
      history.map((e: { action: string }) => e.action),
      ['item.received', 'item.claimed', 'item.escalated', 'item.requeued', 'item.claimed'],
    );
  });
});
