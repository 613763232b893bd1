import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import {
  assertClose,
  type ClaimedItem,
  decideItems,
  listModels,
  submitBodies,
  type Verdict,
  waitForFold,
  wilson,
} from './support/monitoring-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const MODEL = { name: 'api-model', version: 'v1' };

/**
 * Queue "spread": 100 decisions, item n at confidence (300 + 5n + 0.5) / 1000 (100 distinct fine bins), output
 * `{label, items: [{price: 1}, {price: 2}]}`; n % 10 == 9 is overridden: n = 9, 29, … corrected (the second
 * price becomes 3: patch /items/1/price), n = 19, 39, … rejected. 10 overrides in 100, one in every ten.
 */
const spreadConfidence = (n: number) => (300 + 5 * n + 0.5) / 1000;
function spreadVerdict(item: ClaimedItem): Verdict {
  const n = item.input.n as number;
  if (n % 10 !== 9) return { verdict: 'approve' };
  if (n % 20 === 9) {
    return { verdict: 'correct', output: { ...item.output, items: [{ price: 1 }, { price: 3 }] } };
  }
  return { verdict: 'reject' };
}

/**
 * Queue "sharp": 200 outputs at confidences 0.950–0.999 (four a fine bin), all approved, and 100 at
 * 0.200–0.299 (one a fine bin), all rejected. Every threshold from 0.98 down to 0.30 keeps the same clean
 * 200 (0.99 has 40, too few to test), so the walk passes down to 0.30; at 0.29, 10 of 210 are overridden and
 * the walk stops: suggested 0.30, coverage 200 / 300, upper bound 1 − 0.05^(1/200) (Clopper–Pearson with none).
 */
const sharpConfidence = (n: number) =>
  (n < 200 ? 950 + Math.floor(n / 4) + 0.5 : 200 + (n - 200) + 0.5) / 1000;

const MODEL_KEYS = [
  'queue',
  'model',
  'decisions',
  'approved',
  'corrected',
  'rejected',
  'overrideRate',
  'overrideInterval',
  'autoApproved',
  'qaSampled',
  'qaOverrideRate',
  'ece',
  'brier',
  'drift',
  'firstSeenAt',
  'lastDecidedAt',
].sort();
/** The contract's drift fields, and those the OpenAPI description adds (threshold, baselineDecisions, observed). */
const DRIFT_KEYS = [
  'state',
  'statistic',
  'baselineRate',
  'baselineDecisions',
  'threshold',
  'observed',
].sort();
const OPEN_ALERT_KEYS = [
  'id',
  'queue',
  'model',
  'kind',
  'state',
  'openedAt',
  'baselineRate',
  'observedRate',
  'decisionsSinceChange',
  'statistic',
  'threshold',
].sort();
const keys = (o: object) => Object.keys(o).sort();

describe('monitoring API: what it answers, and what it refuses without changing anything', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: pg.Client;
  let admin: string;
  let auditor: { id: string; token: string };
  let reviewer: { id: string; token: string };
  let serviceKey: string;
  let spread: string;
  let sharp: string;

  before(async () => {
    env = await createTestEnv();
    const config = env.config({ MONITORING_FOLD_INTERVAL_MS: '100' });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
    spread = (await newQueue(api.client, admin)).slug;
    sharp = (await newQueue(api.client, admin)).slug;
    serviceKey = (await newServiceKey(api.client, admin, [spread, sharp])).key;
    auditor = await newUser(api.client, admin, ['auditor']);
    reviewer = await newUser(api.client, admin, ['reviewer'], [spread, sharp]);
    const deciders = await Promise.all(
      Array.from({ length: 6 }, () => newUser(api.client, admin, ['reviewer'], [spread, sharp])),
    );
    const tokens = deciders.map((d) => d.token);

    await submitBodies(
      api.client,
      serviceKey,
      spread,
      Array.from({ length: 100 }, (_, n) => ({
        model: MODEL,
        input: { n },
        output: { label: 'complaint', items: [{ price: 1 }, { price: 2 }] },
        confidence: spreadConfidence(n),
      })),
    );
    await submitBodies(
      api.client,
      serviceKey,
      sharp,
      Array.from({ length: 300 }, (_, n) => ({ model: MODEL, input: { n }, confidence: sharpConfidence(n) })),
    );
    await Promise.all([
      decideItems(api.client, tokens.slice(0, 2), spread, 100, spreadVerdict),
      decideItems(api.client, tokens.slice(2), sharp, 300, (item) =>
        item.input.n < 200 ? { verdict: 'approve' } : { verdict: 'reject' },
      ),
    ]);
    await waitForFold(api.client, admin, spread, MODEL.version, 100);
    await waitForFold(api.client, admin, sharp, MODEL.version, 300);
  });

  after(async () => {
    await worker?.close();
    await api?.close();
    await db?.end();
    await env?.cleanup();
  });

  const detail = (slug: string, query = '', token = admin) =>
    api.client.get(`/api/v1/monitoring/models/${slug}/${MODEL.name}/${MODEL.version}${query}`, { token });

  it('GET /monitoring/models: the contract fields, with figures worked by hand', async () => {
    const models = await listModels(api.client, auditor.token);
    assert.deepEqual(models.map((m) => m.queue).sort(), [spread, sharp].sort());
    const m = (await listModels(api.client, admin, `queue=${spread}`))[0];
    assert.deepEqual(keys(m), MODEL_KEYS);
    assert.deepEqual(keys(m.drift), DRIFT_KEYS, 'no openAlertId field... until an alert is open');
    assert.equal(m.queue, spread);
    assert.deepEqual(m.model, MODEL);
    assert.equal(m.decisions, 100);
    assert.equal(m.approved, 90);
    assert.equal(m.corrected, 5);
    assert.equal(m.rejected, 5);
    assert.equal(m.autoApproved, 0);
    assert.equal(m.qaSampled, 0);
    assert.equal(m.qaOverrideRate, null);
    assert.equal(m.overrideRate, 0.1);
    // Wilson 95 % for 10 overrides in 100, by hand: z = 1.959964, z² = 3.841459, z²/n = 0.0384146;
    // centre = (0.1 + 0.0192073) / 1.0384146 = 0.1147975;
    // half = (1.959964 / 1.0384146) · √(0.1 · 0.9 / 100 + 3.841459 / 40000) = 1.887457 · 0.0315600 = 0.0595685;
    // so [0.0552290, 0.1743660].
    assertClose(m.overrideInterval[0], 0.055229, 5e-6, 'Wilson lower bound');
    assertClose(m.overrideInterval[1], 0.174366, 5e-6, 'Wilson upper bound');
    assert.deepEqual(
      m.overrideInterval.map((x: number) => x.toFixed(9)),
      wilson(10, 100).map((x) => x.toFixed(9)),
    );
    assert.equal(m.drift.state, 'ok');
    assert.equal(m.drift.statistic, 0);
    assert.equal(m.drift.baselineRate, null, 'no baseline before 300 decisions');
    assert.equal(m.drift.baselineDecisions, 0);
    assert.equal(m.drift.observed, 100);
    assert.ok(Date.parse(m.firstSeenAt) <= Date.parse(m.lastDecidedAt));

    // Brier and ECE from the decisions made: confidence c_n, outcome 1 when approved; ten equal-count bins.
    const outcomes = Array.from({ length: 100 }, (_, n) => ({
      c: spreadConfidence(n),
      o: n % 10 === 9 ? 0 : 1,
    }));
    const brier = outcomes.reduce((s, x) => s + (x.c - x.o) ** 2, 0) / 100;
    assertClose(m.brier, brier, 1e-9, 'Brier score');
    let ece = 0;
    for (let b = 0; b < 10; b++) {
      const group = outcomes.slice(10 * b, 10 * b + 10);
      const mean = group.reduce((s, x) => s + x.c, 0) / 10;
      ece += 0.1 * Math.abs(0.9 - mean);
    }
    assertClose(m.ece, ece, 1e-9, 'ECE');

    const range = await listModels(api.client, admin, `queue=${spread}&from=2999-01-01T00:00:00Z`);
    assert.deepEqual(range, [], 'nothing decided in the future');
    const past = await listModels(api.client, admin, `queue=${spread}&to=2001-01-01T00:00:00Z`);
    assert.deepEqual(past, []);
  });

  it('GET /monitoring/models/:queue/:name/:version: series, fields, calibration, threshold', async () => {
    const res = await detail(spread);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body;
    assert.deepEqual(keys(body), ['calibration', 'fields', 'model', 'series', 'threshold']);
    assert.deepEqual(keys(body.model), MODEL_KEYS);
    assert.equal(body.model.decisions, 100);

    assert.ok(body.series.length >= 1 && body.series.length <= 2, JSON.stringify(body.series));
    assert.equal(
      body.series.reduce((s: number, p: any) => s + p.decisions, 0),
      100,
    );
    for (const point of body.series) {
      assert.deepEqual(keys(point), ['decisions', 'overrideInterval', 'overrideRate', 'overrides', 'start']);
      assert.equal(new Date(point.start).getUTCMinutes(), 0);
      assert.equal(point.overrideRate, point.overrides / point.decisions);
      assertClose(point.overrideInterval[0], wilson(point.overrides, point.decisions)[0], 1e-9, 'lo');
      assertClose(point.overrideInterval[1], wilson(point.overrides, point.decisions)[1], 1e-9, 'hi');
    }
    const daily = await detail(spread, '?bucket=day');
    assert.equal(daily.status, 200);
    for (const point of daily.body.series) assert.match(point.start, /T00:00:00\.000Z$/);
    assert.equal(
      daily.body.series.reduce((s: number, p: any) => s + p.decisions, 0),
      100,
    );

    // Array indexes as *: the corrections of /items/1/price count for /items/*/price.
    const fields = [...body.fields].sort((a: any, b: any) => (a.path < b.path ? -1 : 1));
    assert.deepEqual(fields, [
      { path: '/items', edits: 0, present: 100, editRate: 0 },
      { path: '/items/*', edits: 0, present: 100, editRate: 0 },
      { path: '/items/*/price', edits: 5, present: 100, editRate: 0.05 },
      { path: '/label', edits: 0, present: 100, editRate: 0 },
    ]);
    assert.equal(body.fields[0].path, '/items/*/price', 'most edited first');

    assert.deepEqual(keys(body.calibration), ['bins', 'brier', 'ece']);
    assert.equal(body.calibration.bins.length, 10);
    body.calibration.bins.forEach((bin: any, b: number) => {
      assert.deepEqual(keys(bin), ['acceptRate', 'count', 'hi', 'lo', 'meanConfidence']);
      assert.equal(bin.count, 10);
      assert.equal(bin.acceptRate, 0.9);
      assertClose(bin.lo, (300 + 50 * b) / 1000, 1e-12, 'bin lo');
      assertClose(bin.hi, (300 + 50 * b + 46) / 1000, 1e-12, 'bin hi');
      assertClose(bin.meanConfidence, (300 + 50 * b + 22.5 + 0.5) / 1000, 1e-12, 'mean confidence');
    });
    assert.equal(body.calibration.ece, body.model.ece);
    assert.equal(body.calibration.brier, body.model.brier);

    // 10 % overrides everywhere: no threshold keeps auto-approvals under 5 %.
    assert.deepEqual(keys(body.threshold), [
      'coverage',
      'current',
      'curve',
      'suggested',
      'targetOverrideRate',
      'upperBound',
    ]);
    assert.equal(body.threshold.targetOverrideRate, 0.05);
    assert.equal(body.threshold.suggested, null);
    assert.equal(body.threshold.coverage, null);
    assert.equal(body.threshold.upperBound, null);
    assert.equal(body.threshold.current, null);
    for (const point of body.threshold.curve)
      assert.deepEqual(keys(point), ['coverage', 'overrideRate', 'threshold', 'upperBound']);

    const future = await detail(spread, '?from=2999-01-01T00:00:00Z');
    assert.equal(future.status, 200);
    assert.deepEqual(future.body.series, []);
    assert.deepEqual(future.body.fields, []);
    assert.deepEqual(future.body.calibration.bins, []);
  });

  it('threshold advice: clean high-confidence history suggests a threshold', async () => {
    const res = await detail(sharp);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { threshold, model } = res.body;
    assert.equal(model.decisions, 300);
    assert.equal(model.rejected, 100);
    assert.equal(threshold.suggested, 0.3);
    assertClose(threshold.coverage, 200 / 300, 1e-12, 'coverage');
    assertClose(threshold.upperBound, 1 - 0.05 ** (1 / 200), 1e-9, 'upper bound with no overrides in 200');
    const at = (t: number) => threshold.curve.find((p: any) => Math.abs(p.threshold - t) < 1e-9);
    assert.equal(at(0.99).coverage, 40 / 300, '0.99 holds 40, too few to test');
    assert.equal(at(0.3).overrideRate, 0);
    assert.equal(at(0.29).overrideRate, 10 / 210);
    assert.ok(at(0.29).upperBound > 0.05, 'the first failing candidate');
    assert.equal(at(0).coverage, 1);
    assert.equal(at(0).overrideRate, 100 / 300);
    const thresholds = threshold.curve.map((p: any) => p.threshold);
    assert.deepEqual(
      thresholds,
      [...thresholds].sort((a, b) => b - a),
      'curve from high to low',
    );
  });

  it('bad input: 400 with details, 404 for what does not exist', async () => {
    const refused = async (path: string, status: number, code: string, token = admin) => {
      const res = await api.client.get(path, { token });
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, path);
      assert.equal(res.body.statusCode, status);
      if (code === 'VALIDATION_FAILED') {
        assert.ok(Array.isArray(res.body.details) && res.body.details.length > 0, JSON.stringify(res.body));
        for (const d of res.body.details) {
          assert.equal(typeof d.path, 'string');
          assert.equal(typeof d.message, 'string');
        }
      }
      return res.body;
    };
    const base = `/api/v1/monitoring/models/${spread}/${MODEL.name}/${MODEL.version}`;
    const bucket = await refused(`${base}?bucket=week`, 400, 'VALIDATION_FAILED');
    assert.ok(
      bucket.details.some((d: any) => d.path === 'bucket'),
      JSON.stringify(bucket),
    );
    const order = await refused(
      `${base}?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      400,
      'VALIDATION_FAILED',
    );
    assert.ok(
      order.details.some((d: any) => d.path === 'to'),
      JSON.stringify(order),
    );
    await refused(`${base}?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, 400, 'VALIDATION_FAILED');
    await refused(
      `/api/v1/monitoring/models?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      400,
      'VALIDATION_FAILED',
    );
    await refused(`/api/v1/monitoring/models?from=yesterday`, 400, 'VALIDATION_FAILED');
    const unknown = await refused(`/api/v1/monitoring/models?colour=blue`, 400, 'VALIDATION_FAILED');
    assert.ok(
      unknown.details.some((d: any) => d.path === 'colour'),
      JSON.stringify(unknown),
    );
    await refused(`${base}?colour=blue`, 400, 'VALIDATION_FAILED');
    await refused(`/api/v1/monitoring/alerts?colour=blue`, 400, 'VALIDATION_FAILED');
    await refused(`/api/v1/monitoring/alerts?state=closed`, 400, 'VALIDATION_FAILED');
    await refused(`/api/v1/monitoring/models?queue=Not_A_Slug`, 400, 'VALIDATION_FAILED');

    await refused(`/api/v1/monitoring/models/${spread}/${MODEL.name}/v999`, 404, 'NOT_FOUND');
    await refused(`/api/v1/monitoring/models/${spread}/no-such-model/${MODEL.version}`, 404, 'NOT_FOUND');
    await refused(`/api/v1/monitoring/models/no-such-queue/${MODEL.name}/${MODEL.version}`, 404, 'NOT_FOUND');
    await refused(`/api/v1/monitoring/models?queue=no-such-queue`, 404, 'NOT_FOUND');
    await refused(`/api/v1/monitoring/alerts?queue=no-such-queue`, 404, 'NOT_FOUND');
  });

  it('who may read: admins and auditors; reviewers and services 403; nobody 401', async () => {
    const paths = [
      '/api/v1/monitoring/models',
      `/api/v1/monitoring/models?queue=${spread}`,
      `/api/v1/monitoring/models/${spread}/${MODEL.name}/${MODEL.version}`,
      '/api/v1/monitoring/alerts',
    ];
    for (const path of paths) {
      assert.equal((await api.client.get(path, { token: admin })).status, 200, path);
      assert.equal((await api.client.get(path, { token: auditor.token })).status, 200, path);
      const asReviewer = await api.client.get(path, { token: reviewer.token });
      assert.equal(asReviewer.status, 403, path);
      assert.equal(asReviewer.body.code, 'FORBIDDEN');
      const asService = await api.client.get(path, { apiKey: serviceKey });
      assert.equal(asService.status, 403, path);
      assert.equal(asService.body.code, 'FORBIDDEN');
      const anonymous = await api.client.get(path);
      assert.equal(anonymous.status, 401, path);
      assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
    }
  });

  it('alerts: listed with their fields; refused acknowledgements change nothing; the second one is 409', async () => {
    // An open alert, as the fold would have written it.
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO model_alerts (queue_id, model_name, model_version, baseline_rate, observed_rate,
                                 decisions_since_change, statistic, threshold)
       SELECT id, $2, $3, 0.1, 0.3, 40, 6.1, 5.97 FROM queues WHERE slug = $1 RETURNING id`,
      [spread, MODEL.name, MODEL.version],
    );
    const alertId = inserted.rows[0]!.id;
    const alertState = async () =>
      (
        await db.query(
          `SELECT state, acknowledged_by, acknowledged_at, comment,
                  (SELECT count(*)::int FROM audit_events WHERE subject_id = $1::text) AS events
             FROM model_alerts WHERE id = $1::uuid`,
          [alertId],
        )
      ).rows[0];
    const pristine = await alertState();
    assert.deepEqual(pristine, {
      state: 'open',
      acknowledged_by: null,
      acknowledged_at: null,
      comment: null,
      events: 0,
    });

    const listed = await api.client.get(`/api/v1/monitoring/alerts?state=open&queue=${spread}`, {
      token: auditor.token,
    });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.alerts.length, 1);
    const alert = listed.body.alerts[0];
    assert.deepEqual(keys(alert), OPEN_ALERT_KEYS);
    assert.equal(alert.id, alertId);
    assert.equal(alert.queue, spread);
    assert.deepEqual(alert.model, MODEL);
    assert.equal(alert.kind, 'override_drift');
    assert.equal(alert.state, 'open');
    assert.equal(alert.baselineRate, 0.1);
    assert.equal(alert.observedRate, 0.3);
    assert.equal(alert.decisionsSinceChange, 40);
    const none = await api.client.get(`/api/v1/monitoring/alerts?state=open&queue=${sharp}`, {
      token: admin,
    });
    assert.deepEqual(none.body.alerts, []);
    const acknowledgedSoFar = await api.client.get(`/api/v1/monitoring/alerts?state=acknowledged`, {
      token: admin,
    });
    assert.deepEqual(acknowledgedSoFar.body.alerts, []);
    const flagged = (await listModels(api.client, admin, `queue=${spread}`))[0];
    assert.equal(flagged.drift.state, 'alert');
    assert.equal(flagged.drift.openAlertId, alertId);

    const ack = (body: unknown, auth: { token?: string; apiKey?: string }, id = alertId) =>
      api.client.post(`/api/v1/monitoring/alerts/${id}/acknowledge`, body, auth);
    const refusals: [string, () => ReturnType<typeof ack>, number, string][] = [
      ['auditor', () => ack({ comment: 'seen' }, { token: auditor.token }), 403, 'FORBIDDEN'],
      ['reviewer', () => ack({ comment: 'seen' }, { token: reviewer.token }), 403, 'FORBIDDEN'],
      ['service', () => ack({ comment: 'seen' }, { apiKey: serviceKey }), 403, 'FORBIDDEN'],
      ['anonymous', () => ack({ comment: 'seen' }, {}), 401, 'UNAUTHENTICATED'],
      ['no comment', () => ack({}, { token: admin }), 400, 'VALIDATION_FAILED'],
      ['no body', () => ack(undefined, { token: admin }), 400, 'VALIDATION_FAILED'],
      ['empty comment', () => ack({ comment: '' }, { token: admin }), 400, 'VALIDATION_FAILED'],
      ['blank comment', () => ack({ comment: '   \n' }, { token: admin }), 400, 'VALIDATION_FAILED'],
      ['comment not a string', () => ack({ comment: 42 }, { token: admin }), 400, 'VALIDATION_FAILED'],
      [
        'comment too long',
        () => ack({ comment: 'x'.repeat(10_001) }, { token: admin }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'unknown field',
        () => ack({ comment: 'seen', state: 'open' }, { token: admin }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'unknown alert',
        () => ack({ comment: 'seen' }, { token: admin }, '00000000-0000-4000-8000-000000000000'),
        404,
        'NOT_FOUND',
      ],
      ['not an id', () => ack({ comment: 'seen' }, { token: admin }, 'not-an-id'), 404, 'NOT_FOUND'],
    ];
    for (const [what, send, status, code] of refusals) {
      const res = await send();
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, what);
      if (code === 'VALIDATION_FAILED') assert.ok(res.body.details.length > 0, what);
      assert.deepEqual(await alertState(), pristine, `${what}: the alert is unchanged, nothing audited`);
    }

    const done = await ack({ comment: 'Known labelling backlog; retraining' }, { token: admin });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.state, 'acknowledged');
    assert.equal(done.body.comment, 'Known labelling backlog; retraining');
    assert.equal(done.body.acknowledgedByEmail, 'admin@test.local');
    assert.deepEqual(
      keys(done.body),
      [...OPEN_ALERT_KEYS, 'acknowledgedAt', 'acknowledgedBy', 'acknowledgedByEmail', 'comment'].sort(),
    );
    const acknowledged = await alertState();
    assert.equal(acknowledged.state, 'acknowledged');
    assert.equal(acknowledged.events, 1, 'one model.alert_acknowledged event');

    const twice = await ack({ comment: 'again' }, { token: admin });
    assert.equal(twice.status, 409, JSON.stringify(twice.body));
    assert.equal(twice.body.code, 'CONFLICT');
    assert.deepEqual(await alertState(), acknowledged, 'the second acknowledgement changed nothing');
    const { rows } = await db.query(
      `SELECT action, data->>'comment' AS comment FROM audit_events WHERE subject_id = $1::text`,
      [alertId],
    );
    assert.deepEqual(rows, [
      { action: 'model.alert_acknowledged', comment: 'Known labelling backlog; retraining' },
    ]);

    const listedAfter = await api.client.get(`/api/v1/monitoring/alerts?state=acknowledged`, {
      token: admin,
    });
    assert.deepEqual(
      listedAfter.body.alerts.map((a: any) => [a.id, a.comment, a.acknowledgedBy]),
      [[alertId, 'Known labelling backlog; retraining', done.body.acknowledgedBy]],
    );
    const cleared = (await listModels(api.client, admin, `queue=${spread}`))[0];
    assert.equal(cleared.drift.state, 'ok');
    assert.equal(cleared.drift.openAlertId, undefined);
  });
});
