import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { decideMany, foldedDecisions, metricValue } from './support/drift-kit.js';
import { ReviewClient } from './support/review-client.js';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { signatureHolds, WebhookReceiver } from './support/webhook-receiver.js';

const MODEL = { name: 'classifier', version: 'drift-1' };

describe('drift: a model version that gets worse is caught, alarmed and stops being auto-approved', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let receiver: WebhookReceiver;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    receiver = await WebhookReceiver.start();
    const config = env.config({
      WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_POLL_INTERVAL_MS: '100',
      MONITORING_FOLD_INTERVAL_MS: '100',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    admin = await loginAdmin(api.client);
  });
  after(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.close();
    await env?.cleanup();
  });

  it('opens an alert within 200 decisions of a rise from 10% to 30%, tells everyone, and resumes on acknowledgement', async () => {
    const queue = await newQueue(api.client, admin, {
      autoApproveAbove: 0.9,
      onDrift: 'suspend_auto_approve',
      alertUrl: receiver.url('/alerts'),
    });
    assert.match(String(queue['alertSecret']), /^whsec_/, 'the secret is shown when alertUrl is first set');
    const secret = queue['alertSecret'] as string;
    const again = await api.client.patch(
      `/api/v1/queues/${queue.slug}`,
      { driftDelta: 0.1 },
      { token: admin },
    );
    assert.equal(again.body.alertSecret, undefined, 'and only then');
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const adminSocket = await ReviewClient.connect(api.url, admin);
    const pushed = adminSocket.next(
      'monitoring:alert',
      (e: { alert: { id: string; state: string } }) => e.alert.state === 'open',
      60_000,
    );
    const ctx = { client: api.client, key, slug: queue.slug, reviewerToken: reviewer.token, model: MODEL };
    try {
      // The baseline: 300 decisions, every tenth overridden (10%).
      await decideMany(ctx, 300, (i) => i % 10 === 9);
      await eventually(
        'the baseline is folded',
        async () => (await foldedDecisions(ctx, admin)) === 300,
        10_000,
      );
      const [baseline] = (
        await api.client.get(`/api/v1/monitoring/models?queue=${queue.slug}`, { token: admin })
      ).body.models;
      assert.equal(baseline.drift.baselineRate, 0.1);
      assert.equal(baseline.drift.state, 'ok');

      // Then 30%, twenty decisions at a time, until the alert is there.
      let after = 0;
      let alert: Record<string, any> | undefined;
      while (!alert && after < 400) {
        await decideMany(ctx, 20, (i) => [2, 5, 8].includes((after + i) % 10));
        after += 20;
        await eventually('folded', async () => (await foldedDecisions(ctx, admin)) === 300 + after, 10_000);
        alert = (
          await api.client.get(`/api/v1/monitoring/alerts?state=open&queue=${queue.slug}`, { token: admin })
        ).body.alerts[0];
      }
      assert.ok(alert, 'an alert opened');
      assert.ok(after <= 200, `the alert came ${after} decisions after the change`);
      assert.equal(alert.kind, 'override_drift');
      assert.equal(alert.state, 'open');
      assert.deepEqual(alert.model, MODEL);
      assert.equal(alert.queue, queue.slug);
      assert.equal(alert.baselineRate, 0.1);
      assert.ok(alert.observedRate > 0.2, `observed ${alert.observedRate}`);
      assert.ok(alert.decisionsSinceChange > 0 && alert.decisionsSinceChange <= after);

      const events = await api.client.get(`/api/v1/audit/events?format=jsonl`, { token: admin });
      const detected = String(events.body)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((e) => e.action === 'model.drift_detected');
      assert.equal(detected.length, 1);
      assert.equal(detected[0].subject.id, alert.id);

      const [hook] = await receiver.waitFor('/alerts', 1, 10_000);
      const body = JSON.parse(hook!.body);
      assert.equal(body.type, 'model.drift_detected');
      assert.equal(body.data.alert.id, alert.id);
      assert.ok(signatureHolds(secret, hook!), 'signed with the queue alert secret');
      const deliveries = await api.client.get(`/api/v1/deliveries?queue=${queue.slug}`, { token: admin });
      assert.equal(deliveries.body.deliveries[0].alertId, alert.id);
      assert.equal(deliveries.body.deliveries[0].status, 'delivered');

      const told = await pushed;
      assert.equal(told.alert.id, alert.id);

      const metrics = String((await api.client.get('/metrics')).body);
      const labels = { queue: queue.slug, model: MODEL.name, version: MODEL.version };
      assert.equal(metricValue(metrics, 'arbiter_model_drift_alerts_total', labels), 1);
      assert.ok(metricValue(metrics, 'arbiter_model_drift_statistic', labels)! >= alert.threshold);
      const rate = metricValue(metrics, 'arbiter_model_override_rate', labels)!;
      assert.ok(Math.abs(rate - (30 + (3 * after) / 10) / (300 + after)) < 1e-9, `override rate ${rate}`);

      const [listed] = (
        await api.client.get(`/api/v1/monitoring/models?queue=${queue.slug}`, { token: admin })
      ).body.models;
      assert.equal(listed.drift.state, 'alert');
      assert.equal(listed.drift.openAlertId, alert.id);

      // Auto-approval is suspended for this version while the alert is open...
      const confident = await api.client.post(
        `/api/v1/queues/${queue.slug}/items`,
        itemBody({ model: MODEL, confidence: 0.99 }),
        { apiKey: key },
      );
      assert.equal(confident.status, 201);
      assert.equal(confident.body.status, 'pending');
      const view = await api.client.get(`/api/v1/items/${confident.body.id}`, { token: admin });
      const received = view.body.history.find((e: { action: string }) => e.action === 'item.received');
      assert.deepEqual(received.data.autoApproveSuspended, {
        reason: 'model_drift',
        alertId: alert.id,
        autoApproveAbove: 0.9,
      });
      // ...but not for another version, which has a series of its own.
      const other = await api.client.post(
        `/api/v1/queues/${queue.slug}/items`,
        itemBody({ model: { name: MODEL.name, version: 'drift-2' }, confidence: 0.99 }),
        { apiKey: key },
      );
      assert.equal(other.body.status, 'auto_approved');
      await eventually('the new version is folded', async () => {
        const models = (
          await api.client.get(`/api/v1/monitoring/models?queue=${queue.slug}`, { token: admin })
        ).body.models as { model: { version: string } }[];
        return models.some((m) => m.model.version === 'drift-2');
      });
      const fresh = (
        await api.client.get(`/api/v1/monitoring/models?queue=${queue.slug}`, { token: admin })
      ).body.models.find((m: { model: { version: string } }) => m.model.version === 'drift-2');
      assert.equal(fresh.autoApproved, 1);
      assert.equal(fresh.drift.state, 'ok');
      assert.equal(fresh.drift.baselineRate, null);
      assert.equal(fresh.drift.statistic, 0);

      // The admin acknowledges: audited, the statistic starts again, auto-approval resumes.
      const acknowledged = adminSocket.next(
        'monitoring:alert',
        (e: { alert: { id: string; state: string } }) => e.alert.state === 'acknowledged',
      );
      const ack = await api.client.post(
        `/api/v1/monitoring/alerts/${alert.id}/acknowledge`,
        { comment: 'Upstream tokenizer changed; rolled back.' },
        { token: admin },
      );
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
      assert.equal(ack.body.state, 'acknowledged');
      assert.equal(ack.body.comment, 'Upstream tokenizer changed; rolled back.');
      assert.ok(ack.body.acknowledgedAt);
      assert.equal((await acknowledged).alert.id, alert.id);
      const history = await api.client.get(`/api/v1/audit/events?format=jsonl`, { token: admin });
      assert.ok(String(history.body).includes('"model.alert_acknowledged"'));
      const [reset] = (
        await api.client.get(`/api/v1/monitoring/models?queue=${queue.slug}`, { token: admin })
      ).body.models;
      assert.equal(reset.drift.state, 'ok');
      assert.equal(reset.drift.statistic, 0);
      assert.equal(reset.drift.baselineRate, 0.1, 'the baseline stays');
      const resumed = await api.client.post(
        `/api/v1/queues/${queue.slug}/items`,
        itemBody({ model: MODEL, confidence: 0.99 }),
        { apiKey: key },
      );
      assert.equal(resumed.body.status, 'auto_approved');
    } finally {
      adminSocket.close();
    }
  });
});
