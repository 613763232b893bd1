import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('qaSampleRate: a sample of confident outputs still goes to people', () => {
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

  async function queueWith(qaSampleRate: number) {
    const queue = await newQueue(api.client, admin, { autoApproveAbove: 0.9, qaSampleRate });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    return { slug: queue.slug, key };
  }

  const submit = async (slug: string, key: string, confidence: number) => {
    const res = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody({ confidence }), {
      apiKey: key,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; status: string };
  };
  const received = async (id: string) => {
    const item = (await api.client.get(`/api/v1/items/${id}`, { token: admin })).body;
    return item.history.find((e: { action: string }) => e.action === 'item.received').data;
  };

  it('at rate 1 every confident item is pending and marked a sample in its audit event, for admins only', async () => {
    const { slug, key } = await queueWith(1);
    const sampled = await submit(slug, key, 0.97);
    assert.equal(sampled.status, 'pending');
    assert.equal((await received(sampled.id)).qaSample, true);
    assert.equal(JSON.stringify(sampled).includes('qaSample'), false, 'the item itself does not say so');

    const reviewer = await newUser(api.client, admin, ['reviewer'], [slug]);
    const asReviewer = (await api.client.get(`/api/v1/items/${sampled.id}`, { token: reviewer.token })).body;
    const receivedByReviewer = asReviewer.history.find(
      (e: { action: string }) => e.action === 'item.received',
    );
    assert.equal(
      receivedByReviewer.data.qaSample,
      undefined,
      'reviewers are not told which items are samples',
    );
    assert.equal(receivedByReviewer.data.externalId, (await received(sampled.id)).externalId);

    const unsure = await submit(slug, key, 0.4);
    assert.equal(unsure.status, 'pending');
    assert.equal(
      (await received(unsure.id)).qaSample,
      undefined,
      'an unsure item is reviewed anyway, no sample',
    );
  });

  it('at rate 0 confident items are auto-approved', async () => {
    const { slug, key } = await queueWith(0);
    const item = await submit(slug, key, 0.97);
    assert.equal(item.status, 'auto_approved');
    assert.equal((await received(item.id)).qaSample, undefined);
  });

  it('at rate 0.5 about half of a batch of confident items is sampled', async () => {
    const { slug, key } = await queueWith(0.5);
    const items = Array.from({ length: 400 }, () => itemBody({ confidence: 0.95 }));
    const res = await api.client.post(`/api/v1/queues/${slug}/items/batch`, { items }, { apiKey: key });
    assert.equal(res.status, 200);
    const pending = (res.body.results as { status: string }[]).filter((r) => r.status === 'pending').length;
    // Binomial(400, 0.5): the mean is 200 and the standard deviation 10; these bounds are 8 deviations out.
    assert.ok(pending > 120 && pending < 280, `${pending} of 400 sampled`);
    const autoApproved = (res.body.results as { status: string }[]).filter(
      (r) => r.status === 'auto_approved',
    );
    assert.equal(pending + autoApproved.length, 400);
  });
});
