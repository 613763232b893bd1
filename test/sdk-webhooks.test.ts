import { ArbiterClient, type Decision, type Item } from '@arbiter/sdk';
import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import type { SupportMessage, TicketAnswer } from '../examples/triage-service/classifier.js';
import { runTriage } from '../examples/triage-service/triage.js';
import { startWebhookReceiver, type WebhookReceiver } from '../examples/triage-service/webhook-receiver.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { LOOPBACK_WEBHOOKS } from './support/webhook-receiver.js';

describe('the worker delivers signed webhooks the triage example verifies', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let admin: string;
  const receivers: WebhookReceiver[] = [];

  before(async () => {
    env = await createTestEnv();
    const config = env.config(LOOPBACK_WEBHOOKS);
    api = await startApi(config);
    worker = await createWorkerApp(config);
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    for (const receiver of receivers) await receiver.close();
    await worker?.close();
    await api?.close();
    await env?.cleanup();
  });

  async function workspace(settings: Record<string, unknown> = {}) {
    const queue = await newQueue(api.client, admin, settings);
    const key = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const decideNext = async (verdict: 'approve' | 'correct' | 'reject', output?: TicketAnswer) => {
      const claimed = await api.client.post(`/api/v1/queues/${queue.slug}/claim`, undefined, {
        token: reviewer.token,
      });
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      const decided = await api.client.post(
        `/api/v1/claims/${claimed.body.claim.token}/decision`,
        { verdict, ...(output ? { output } : {}) },
        { token: reviewer.token },
      );
      assert.equal(decided.status, 201, JSON.stringify(decided.body));
      return { item: claimed.body.item as Item, decision: decided.body.decision as Decision<TicketAnswer> };
    };
    return { slug: queue.slug, key, decideNext };
  }

  async function receiver(secret: string) {
    const started = await startWebhookReceiver({ secret });
    receivers.push(started);
    return started;
  }

  it('decisions made while the service waits, and after it fell back, both arrive by verified webhook', async () => {
    const { slug, key, decideNext } = await workspace();
    const hooks = await receiver(key.webhookSecret);
    const run = randomBytes(4).toString('hex');
    const messages: SupportMessage[] = [
      { id: `${run}-a`, text: 'My parcel was delivered but the invoice inside shows the wrong price.' },
      { id: `${run}-b`, text: 'Do you have a store in Lisbon?' },
    ];
    const submitted: Item<SupportMessage, TicketAnswer>[] = [];
    const triage = runTriage({
      arbiterUrl: api.url,
      apiKey: key.key,
      queue: slug,
      messages,
      callbackUrl: hooks.url,
      waitTimeoutMs: 3000,
      pollIntervalMs: 100,
      onSubmitted: (item) => submitted.push(item),
    });
    await eventually('both messages are in Arbiter', () => submitted.length === 2);
    assert.ok(submitted.every((item) => item.callbackUrl === hooks.url));

    const first = await decideNext('correct', { category: 'billing', reply: 'We refund the difference.' });
    const results = await triage;
    assert.deepEqual(results.map((r) => r.source).sort(), ['arbiter', 'fallback']);
    // The customer already got the safe answer; the late decision reaches the service by webhook only.
    const late = await decideNext('reject');

    await eventually('both decisions were delivered', () => hooks.received.length === 2, 15_000);
    assert.deepEqual(hooks.refused, []);
    const byItem = new Map(hooks.received.map((hook) => [hook.payload.data.item.id, hook]));
    for (const { item, decision } of [first, late]) {
      const hook = byItem.get(item.id);
      assert.ok(hook, `a webhook for ${item.id}`);
      assert.match(hook.webhookId, /\S/);
      assert.equal(hook.payload.type, 'item.decided');
      assert.deepEqual(hook.payload.data.decision, decision);
      assert.equal(hook.payload.data.item.externalId, item.externalId);
      assert.equal(hook.payload.data.item.status, decision.verdict === 'reject' ? 'rejected' : 'corrected');
    }
    const viaPolling = results.find((r) => r.source === 'arbiter');
    assert.ok(viaPolling?.source === 'arbiter');
    assert.deepEqual(viaPolling.decision, first.decision, 'polling and the webhook carry the same decision');
  });

  it('an auto-approved submit is delivered like a decision', async () => {
    const { slug, key } = await workspace({ autoApproveAbove: 0.9 });
    const hooks = await receiver(key.webhookSecret);
    const sdk = new ArbiterClient({ baseUrl: api.url, apiKey: key.key });
    const item = await sdk.submit(slug, {
      externalId: `auto-${randomBytes(4).toString('hex')}`,
      model: { name: 'keyword-triage', version: '2026-11' },
      input: { text: 'Refund please' },
      output: { category: 'billing', reply: 'Refunded.' },
      confidence: 0.95,
      reason: 'policy',
      callbackUrl: hooks.url,
    });
    assert.equal(item.status, 'auto_approved');
    const decision = await sdk.waitForDecision(item.id, { timeoutMs: 2000, pollIntervalMs: 50 });
    assert.equal(decision.verdict, 'auto_approve');
    assert.equal(decision.reviewerId, null);

    await eventually('the auto-approval was delivered', () => hooks.received.length === 1, 15_000);
    assert.deepEqual(hooks.received[0]!.payload.data.decision, decision);
  });

  it('a receiver holding the wrong secret refuses every attempt and acts on none', async () => {
    const { slug, key, decideNext } = await workspace();
    const other = await newServiceKey(api.client, admin, [slug]);
    const hooks = await receiver(other.webhookSecret);
    const sdk = new ArbiterClient({ baseUrl: api.url, apiKey: key.key });
    await sdk.submit(slug, {
      externalId: `wrong-${randomBytes(4).toString('hex')}`,
      model: { name: 'keyword-triage', version: '2026-11' },
      input: { text: 'hello' },
      output: { category: 'other', reply: 'Hi' },
      confidence: 0.3,
      reason: 'low_confidence',
      callbackUrl: hooks.url,
    });
    await decideNext('approve');

    await eventually('the worker retried', () => hooks.refused.length >= 2, 15_000);
    assert.ok(hooks.refused.every((r) => r.reason === 'NO_MATCHING_SIGNATURE'));
    assert.deepEqual(hooks.received, []);
  });
});
