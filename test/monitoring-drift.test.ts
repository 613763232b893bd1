import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import {
  type ClaimedItem,
  decideInOrder,
  decideItems,
  listModels,
  metricValue,
  modelOf,
  submitBodies,
  type Verdict,
  waitForFold,
} from './support/monitoring-kit.js';
import { ReviewClient } from './support/review-client.js';
import { eventually, sleep } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { signatureHolds, WebhookReceiver } from './support/webhook-receiver.js';

const MODEL = 'drift-model';
const BASELINE = 300;
const CHUNK = 10;
/** The contract's promise: an alert within 200 decisions of the change. */
const DETECTION_LIMIT = 200;

/** An override pattern: the correct/reject alternate so both kinds count as overrides. */
function overrideVerdict(item: ClaimedItem, k: number): Verdict {
  return k % 2 === 0
    ? { verdict: 'correct', output: { ...item.output, label: 'not-a-complaint' } }
    : { verdict: 'reject' };
}

describe('drift: a rise in override rate opens an alert end to end, and acknowledging it resets the detector', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let receiver: WebhookReceiver;
  let db: pg.Client;
  let admin: string;
  const sockets: ReviewClient[] = [];

  before(async () => {
    env = await createTestEnv();
    receiver = await WebhookReceiver.start();
    const config = env.config({
      WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_RETRY_SCHEDULE: '200ms,200ms',
      MONITORING_FOLD_INTERVAL_MS: '100',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await worker?.close();
    await api?.close();
    await receiver?.close();
    await db?.end();
    await env?.cleanup();
  });

  it('300 decisions at 10 %, then 30 %: alert, webhook, audit, metrics, socket, suspension, acknowledgement', async () => {
    const queue = await newQueue(api.client, admin, {
      autoApproveAbove: 0.9,
      onDrift: 'suspend_auto_approve',
      alertUrl: receiver.url('/drift'),
    });
    const slug = queue.slug;
    const alertSecret = queue['alertSecret'] as string;
    assert.match(alertSecret, /^whsec_[A-Za-z0-9+/]+=*$/, 'the create answer shows the alert secret');
    assert.equal(queue['onDrift'], 'suspend_auto_approve');
    assert.equal(queue['driftDelta'], 0.1, 'driftDelta defaults to 0.1');
    const shown = await api.client.get(`/api/v1/queues/${slug}`, { token: admin });
    assert.equal(shown.body.alertSecret, undefined, 'the secret is shown once, never again');

    const { key } = await newServiceKey(api.client, admin, [slug]);
    const reviewers = await Promise.all(
      Array.from({ length: 5 }, () => newUser(api.client, admin, ['reviewer'], [slug])),
    );
    const adminSocket = await ReviewClient.connect(api.url, admin);
    const reviewerSocket = await ReviewClient.connect(api.url, reviewers[0]!.token);
    sockets.push(adminSocket, reviewerSocket);
    const adminHeard: any[] = [];
    const reviewerHeard: any[] = [];
    adminSocket.socket.on('monitoring:alert', (payload) => adminHeard.push(payload));
    reviewerSocket.socket.on('monitoring:alert', (payload) => reviewerHeard.push(payload));

    const v1 = { name: MODEL, version: 'v1' };
    const v2 = { name: MODEL, version: 'v2' };

    // The baseline: item n is overridden when n % 10 == 9 — exactly 30 of 300 (10 %), whoever decides it.
    await submitBodies(
      api.client,
      key,
      slug,
      Array.from({ length: BASELINE }, (_, n) => ({ model: v1, input: { n }, confidence: 0.5 })),
    );
    await decideItems(
      api.client,
      reviewers.map((r) => r.token),
      slug,
      BASELINE,
      (item) => (item.input.n % 10 === 9 ? overrideVerdict(item, item.input.n) : { verdict: 'approve' }),
    );
    const baseline = await waitForFold(api.client, admin, slug, 'v1', BASELINE);
    assert.equal(baseline.corrected + baseline.rejected, 30);
    assert.equal(baseline.drift.baselineRate, 0.1, 'p0 is the override rate of the first 300 exactly');
    assert.equal(baseline.drift.baselineDecisions, BASELINE);
    assert.equal(baseline.drift.state, 'ok');
    assert.equal(baseline.drift.statistic, 0);

    // After the change: 3 overrides in every 10 (decisions 0, 3 and 6 of each ten), decided in order by one
    // reviewer, ten at a time; after each ten the fold is awaited, so the count below is exact.
    const pattern = (j: number) => [0, 3, 6].includes(j % 10);
    let made = 0;
    let alert: any;
    while (made < DETECTION_LIMIT + 50 && !alert) {
      await submitBodies(
        api.client,
        key,
        slug,
        Array.from({ length: CHUNK }, (_, k) => ({
          model: v1,
          input: { n: BASELINE + made + k },
          confidence: 0.5,
        })),
      );
      const chunkStart = made;
      await decideInOrder(
        api.client,
        reviewers[0]!.token,
        slug,
        Array.from({ length: CHUNK }, (_, k) => (item: ClaimedItem) => {
          const j = chunkStart + k;
          return pattern(j) ? overrideVerdict(item, j) : { verdict: 'approve' };
        }),
      );
      made += CHUNK;
      await waitForFold(api.client, admin, slug, 'v1', BASELINE + made);
      const open = await api.client.get(`/api/v1/monitoring/alerts?state=open&queue=${slug}`, {
        token: admin,
      });
      assert.equal(open.status, 200, JSON.stringify(open.body));
      alert = open.body.alerts[0];
    }
    assert.ok(alert, `no alert after ${made} decisions at 30 %`);
    assert.ok(
      made <= DETECTION_LIMIT,
      `the alert came ${made} decisions after the change (limit ${DETECTION_LIMIT})`,
    );

    // The alert as the API lists it.
    const all = await api.client.get(`/api/v1/monitoring/alerts?queue=${slug}`, { token: admin });
    assert.equal(all.body.alerts.length, 1, 'exactly one alert');
    assert.equal(alert.queue, slug);
    assert.deepEqual(alert.model, v1);
    assert.equal(alert.kind, 'override_drift');
    assert.equal(alert.state, 'open');
    assert.equal(alert.baselineRate, 0.1);
    assert.ok(alert.decisionsSinceChange > 0 && alert.decisionsSinceChange <= made, JSON.stringify(alert));
    assert.ok(alert.observedRate > alert.baselineRate, JSON.stringify(alert));
    assert.ok(!Number.isNaN(Date.parse(alert.openedAt)));
    assert.equal(alert.acknowledgedBy, undefined);
    assert.equal(alert.acknowledgedAt, undefined);
    assert.equal(alert.comment, undefined);

    // The audit log records the detection.
    const events = await api.client.get('/api/v1/audit/events?format=jsonl', { token: admin });
    assert.equal(events.status, 200);
    const detected = String(events.body)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((e) => e.action === 'model.drift_detected');
    assert.equal(detected.length, 1, 'one model.drift_detected event');
    assert.equal(detected[0].subject_id ?? detected[0].subject?.id, alert.id);

    // The webhook, signed with the secret the create answer showed.
    const [hook] = await receiver.waitFor('/drift', 1, 10_000);
    assert.ok(signatureHolds(alertSecret, hook!), 'Standard Webhooks signature under the alert secret');
    const other = await newServiceKey(api.client, admin, [slug]);
    assert.equal(signatureHolds(other.webhookSecret, hook!), false, 'a service secret does not verify it');
    const hookBody = JSON.parse(hook!.body);
    assert.equal(hookBody.type, 'model.drift_detected');
    assert.ok(!Number.isNaN(Date.parse(hookBody.timestamp)));
    assert.equal(hookBody.data.alert.id, alert.id);
    assert.equal(hookBody.data.alert.baselineRate, 0.1);
    assert.deepEqual(hookBody.data.alert.model, v1);
    assert.match(String(hook!.headers['webhook-id']), /^msg_/);
    const deliveries = await api.client.get(`/api/v1/deliveries?queue=${slug}`, { token: admin });
    assert.equal(deliveries.status, 200);
    const alertDelivery = (deliveries.body.deliveries as any[]).find((d) => d.alertId === alert.id);
    assert.ok(alertDelivery, JSON.stringify(deliveries.body));
    await eventually('alert delivery delivered', async () => {
      const res = await api.client.get(`/api/v1/deliveries?queue=${slug}`, { token: admin });
      return (res.body.deliveries as any[]).some((d) => d.alertId === alert.id && d.status === 'delivered');
    });

    // /metrics: the three series with the version's labels.
    const labels = { queue: slug, model: MODEL, version: 'v1' };
    const metrics = String((await api.client.get('/metrics')).body);
    assert.equal(metricValue(metrics, 'arbiter_model_drift_alerts_total', labels), 1);
    const rate = metricValue(metrics, 'arbiter_model_override_rate', labels);
    const overrides = 30 + Array.from({ length: made }, (_, j) => j).filter(pattern).length;
    assert.ok(rate !== undefined && Math.abs(rate - overrides / (BASELINE + made)) < 1e-9, String(rate));
    const statistic = metricValue(metrics, 'arbiter_model_drift_statistic', labels);
    assert.ok(
      statistic !== undefined && statistic >= alert.threshold,
      `${statistic} vs h ${alert.threshold}`,
    );

    // The admin's socket heard of it; a reviewer's did not.
    await eventually('monitoring:alert on the admin socket', () => adminHeard.length >= 1);
    assert.equal(adminHeard[0].alert.id, alert.id);
    assert.equal(adminHeard[0].alert.state, 'open');

    // The models list shows the alert.
    const drifting = await modelOf(api.client, admin, slug, 'v1');
    assert.equal(drifting.drift.state, 'alert');
    assert.equal(drifting.drift.openAlertId, alert.id);
    assert.equal(drifting.drift.baselineRate, 0.1);

    // While it is open, a confident v1 submission goes to people; v2 is not affected.
    const suspended = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      itemBody({ model: v1, confidence: 0.97, input: { n: -1 } }),
      { apiKey: key },
    );
    assert.equal(suspended.status, 201, JSON.stringify(suspended.body));
    assert.equal(suspended.body.status, 'pending');
    const seen = await api.client.get(`/api/v1/items/${suspended.body.id}`, { apiKey: key });
    const received = (seen.body.history as any[]).find((e) => e.action === 'item.received');
    assert.deepEqual(received.data.autoApproveSuspended, {
      reason: 'model_drift',
      alertId: alert.id,
      autoApproveAbove: 0.9,
    });
    const otherVersion = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      itemBody({ model: v2, confidence: 0.97 }),
      { apiKey: key },
    );
    assert.equal(otherVersion.body.status, 'auto_approved', 'another version still auto-approves');

    // Acknowledge: the alert, its audit event, the reset statistic, auto-approval back.
    const ack = await api.client.post(
      `/api/v1/monitoring/alerts/${alert.id}/acknowledge`,
      { comment: 'Upstream tokenizer change; rolled back' },
      { token: admin },
    );
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    assert.equal(ack.body.id, alert.id);
    assert.equal(ack.body.state, 'acknowledged');
    assert.equal(ack.body.comment, 'Upstream tokenizer change; rolled back');
    assert.equal(typeof ack.body.acknowledgedBy, 'string');
    assert.ok(!Number.isNaN(Date.parse(ack.body.acknowledgedAt)));
    assert.equal(ack.body.baselineRate, alert.baselineRate);
    const { rows: acknowledged } = await db.query(
      `SELECT actor_type, data FROM audit_events WHERE action = 'model.alert_acknowledged' AND subject_id = $1`,
      [alert.id],
    );
    assert.equal(acknowledged.length, 1);
    assert.equal(acknowledged[0].actor_type, 'user');
    assert.equal(acknowledged[0].data.comment, 'Upstream tokenizer change; rolled back');
    await eventually('monitoring:alert (acknowledged) on the admin socket', () =>
      adminHeard.some((p) => p.alert.id === alert.id && p.alert.state === 'acknowledged'),
    );
    const open = await api.client.get(`/api/v1/monitoring/alerts?state=open&queue=${slug}`, { token: admin });
    assert.deepEqual(open.body.alerts, []);
    const closed = await api.client.get(`/api/v1/monitoring/alerts?state=acknowledged&queue=${slug}`, {
      token: admin,
    });
    assert.deepEqual(
      closed.body.alerts.map((a: any) => a.id),
      [alert.id],
    );
    const reset = await modelOf(api.client, admin, slug, 'v1');
    assert.equal(reset.drift.state, 'ok');
    assert.equal(reset.drift.statistic, 0, 'the statistic starts again from 0');
    assert.equal(reset.drift.openAlertId, undefined);
    assert.equal(reset.drift.baselineRate, 0.1, 'the baseline stays');
    const afterAck = String((await api.client.get('/metrics')).body);
    assert.equal(metricValue(afterAck, 'arbiter_model_drift_statistic', labels), 0);
    assert.equal(metricValue(afterAck, 'arbiter_model_drift_alerts_total', labels), 1, 'a counter: still 1');
    const resumed = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      itemBody({ model: v1, confidence: 0.97 }),
      { apiKey: key },
    );
    assert.equal(resumed.body.status, 'auto_approved', 'auto-approval resumes once acknowledged');

    // A new version starts its own series: no inherited baseline, statistic or alert. The suspended v1 item
    // is decided too (approved): it does not move v1's reset statistic.
    await submitBodies(
      api.client,
      key,
      slug,
      Array.from({ length: 20 }, (_, n) => ({ model: v2, input: { n }, confidence: 0.5 })),
    );
    await decideItems(
      api.client,
      reviewers.map((r) => r.token),
      slug,
      21,
      (item) =>
        item.model.version === 'v2' && [0, 3, 6].includes(item.input.n % 10)
          ? overrideVerdict(item, item.input.n)
          : { verdict: 'approve' },
    );
    const fresh = await waitForFold(api.client, admin, slug, 'v2', 20);
    assert.equal(fresh.corrected + fresh.rejected, 6);
    assert.equal(fresh.autoApproved, 1);
    assert.equal(fresh.drift.baselineRate, null, 'no baseline before its own 300 decisions');
    assert.equal(fresh.drift.state, 'ok');
    assert.equal(fresh.drift.statistic, 0);
    assert.equal(fresh.drift.openAlertId, undefined);
    const v1Now = await waitForFold(api.client, admin, slug, 'v1', BASELINE + made + 1);
    assert.equal(v1Now.drift.statistic, 0);
    assert.equal(v1Now.autoApproved, 1);
    const models = await listModels(api.client, admin, `queue=${slug}`);
    assert.deepEqual(
      models.map((m) => m.model.version),
      ['v1', 'v2'],
    );
    const alerts = await api.client.get(`/api/v1/monitoring/alerts?queue=${slug}`, { token: admin });
    assert.deepEqual(
      alerts.body.alerts.map((a: any) => [a.model.version, a.state]),
      [['v1', 'acknowledged']],
    );
    const finalMetrics = String((await api.client.get('/metrics')).body);
    assert.equal(
      metricValue(finalMetrics, 'arbiter_model_drift_alerts_total', { ...labels, version: 'v2' }) ?? 0,
      0,
    );

    await sleep(200);
    assert.deepEqual(reviewerHeard, [], 'reviewers are not told of drift alerts');
    assert.equal(receiver.requests('/drift').length, 1, 'one webhook for one alert');
  });
});
