import { type DriftState, FoldRepository, newDriftState, observeDecision } from '@arbiter/monitoring';
import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { eventually, sleep } from './support/review-kit.js';
import { addGold } from './support/gold-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { startWorkerProcess, type WorkerProcess } from './support/app-process.js';

const MODEL = 'fold-model';
/** Rows per transaction of the direct insert: each chunk is its own txid in the audit log. */
const INSERT_CHUNK = 2500;
const FOLD_LOCK = `hashtext('arbiter:monitoring_fold')`;

interface Backlog {
  queues: [string, string];
  apiKeyId: string;
  service: string;
  reviewerId: string;
  /** Rows with g % 11 == 5 and a human verdict are gold items: never folded. */
  goldTemplateId: string;
  tag: string;
}

/**
 * Decisions written straight into the tables as the app writes them: the item with its `item.received`
 * event (some QA-sampled), then its decision with `item.decided` (`data.decisionId`), `item.auto_approved`
 * or, for an SLA fallback (never folded), `item.fallback`. Everything is a function of the row number g:
 * two queues, three versions, confidences (some absent), outputs with and without an array, corrections
 * that touch array elements, a field the reviewer adds and one removed, decision times over five hours, and
 * gold items among the human decisions.
 */
async function insertBacklog(db: pg.Client, b: Backlog, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += INSERT_CHUNK) {
    const end = Math.min(to, start + INSERT_CHUNK) - 1;
    await db.query('BEGIN');
    await db.query(
      `WITH g AS (
         SELECT g,
                CASE WHEN g % 20 = 0 THEN 'auto_approve' WHEN g % 97 = 0 THEN 'fallback'
                     WHEN g % 10 = 7 OR (g % 10 = 3 AND g % 4 = 1) THEN 'correct'
                     WHEN g % 10 = 9 THEN 'reject' ELSE 'approve' END AS verdict
           FROM generate_series($1::int, $2::int) g)
       INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                          input, output, confidence, reason, status, gold_template_id)
       SELECT gen_random_uuid(), CASE WHEN g % 3 = 0 THEN $4::uuid ELSE $3::uuid END, $6, $5::uuid,
              $7 || '-' || g, md5(g::text), $8, 'v' || (g / 7 % 3 + 1), jsonb_build_object('g', g),
              CASE WHEN g % 4 = 0 THEN jsonb_build_object('label', 'a')
                   ELSE jsonb_build_object('label', 'a', 'items', jsonb_build_array(
                          jsonb_build_object('price', g % 5), jsonb_build_object('price', 1, 'sku', 'x'))) END,
              CASE WHEN g % 13 = 0 THEN NULL ELSE ((g * 37) % 1000 + 0.5) / 1000.0 END,
              'low_confidence',
              CASE verdict WHEN 'approve' THEN 'approved' WHEN 'correct' THEN 'corrected' WHEN 'reject' THEN 'rejected'
                           WHEN 'auto_approve' THEN 'auto_approved' ELSE 'fallback' END,
              CASE WHEN g % 11 = 5 AND verdict IN ('approve', 'correct', 'reject') THEN $9::uuid END
         FROM g`,
      [start, end, b.queues[0], b.queues[1], b.apiKeyId, b.service, b.tag, MODEL, b.goldTemplateId],
    );
    const mine = `i.external_id = $3 || '-' || g AND i.service = $4`;
    await db.query(
      `INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
       SELECT 'service', i.api_key_id::text, i.service, 'item.received', 'item', i.id::text, i.queue_id,
              jsonb_build_object('externalId', i.external_id, 'reason', i.reason, 'confidence', i.confidence,
                                 'priority', 0, 'model', jsonb_build_object('name', i.model_name,
                                                                            'version', i.model_version))
              || CASE WHEN g % 50 = 1 THEN '{"qaSample": true}'::jsonb ELSE '{}'::jsonb END
         FROM generate_series($1::int, $2::int) g JOIN items i ON ${mine}
        ORDER BY g`,
      [start, end, b.tag, b.service],
    );
    await db.query(
      `WITH d AS (
         INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id, decided_at, duration_ms)
         SELECT i.id, i.queue_id, v.verdict,
                CASE WHEN v.verdict = 'reject' THEN NULL WHEN v.verdict = 'fallback' THEN '{"label": "fb"}' ELSE i.output END,
                CASE v.verdict WHEN 'reject' THEN NULL WHEN 'fallback' THEN NULL WHEN 'correct' THEN
                  CASE WHEN g % 4 = 0 THEN '[{"op": "replace", "path": "/label", "value": "b"}]'::jsonb
                       WHEN g % 3 = 1 THEN '[{"op": "replace", "path": "/items/1/price", "value": 9},
                                             {"op": "add", "path": "/note", "value": "x"}]'::jsonb
                       ELSE '[{"op": "replace", "path": "/items/0/price", "value": 7},
                              {"op": "remove", "path": "/items/1/sku"}]'::jsonb END
                  ELSE '[]'::jsonb END,
                CASE WHEN v.verdict IN ('approve', 'correct', 'reject') THEN $5::uuid END,
                date_trunc('milliseconds', now() - make_interval(hours => g % 5, mins => g % 60)),
                CASE WHEN v.verdict IN ('approve', 'correct', 'reject') THEN 1000 + g % 5000 END
           FROM generate_series($1::int, $2::int) g JOIN items i ON ${mine}
          CROSS JOIN LATERAL (SELECT CASE i.status WHEN 'approved' THEN 'approve' WHEN 'corrected' THEN 'correct'
                                      WHEN 'rejected' THEN 'reject' WHEN 'auto_approved' THEN 'auto_approve'
                                      ELSE 'fallback' END AS verdict) v
         RETURNING id, item_id, verdict, patch
       )
       INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
       SELECT CASE d.verdict WHEN 'auto_approve' THEN 'service' WHEN 'fallback' THEN 'system' ELSE 'user' END,
              CASE d.verdict WHEN 'auto_approve' THEN i.api_key_id::text WHEN 'fallback' THEN NULL ELSE $5::text END,
              CASE d.verdict WHEN 'auto_approve' THEN i.service WHEN 'fallback' THEN 'arbiter'
                             ELSE 'reviewer@test.local' END,
              CASE d.verdict WHEN 'auto_approve' THEN 'item.auto_approved' WHEN 'fallback' THEN 'item.fallback'
                             ELSE 'item.decided' END,
              'item', i.id::text, i.queue_id,
              CASE d.verdict WHEN 'auto_approve' THEN jsonb_build_object('confidence', i.confidence,
                                                                          'autoApproveAbove', 0.9)
                             WHEN 'fallback' THEN jsonb_build_object('decisionId', d.id, 'humanReviewed', false)
                             ELSE jsonb_build_object('decisionId', d.id, 'verdict', d.verdict, 'patch', d.patch,
                                                     'comment', NULL) END
         FROM d JOIN items i ON i.id = d.item_id
        ORDER BY i.external_id`,
      [start, end, b.tag, b.service, b.reviewerId],
    );
    await db.query('COMMIT');
  }
}

const sortRows = <T>(rows: T[]) =>
  rows.map((r) => JSON.stringify(r)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Every rollup compared with a count made here straight from decisions and items. */
async function assertRollupsMatch(db: pg.Client): Promise<void> {
  const HUMAN = `d.verdict IN ('approve', 'correct', 'reject')`;
  const decided = `
    SELECT d.id, d.queue_id, i.model_name, i.model_version, d.verdict, d.decided_at, d.patch, i.confidence,
           i.output AS ai_output,
           to_char(date_trunc('hour', d.decided_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24') AS hour,
           EXISTS (SELECT 1 FROM audit_events r WHERE r.subject_id = i.id::text AND r.action = 'item.received'
                      AND r.data ? 'qaSample') AS qa
      FROM decisions d JOIN items i ON i.id = d.item_id
     WHERE d.verdict IN ('approve', 'correct', 'reject', 'auto_approve') AND i.gold_template_id IS NULL`;
  const hourOf = `to_char(r.hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24')`;

  const expected = await db.query(
    `WITH d AS (${decided})
     SELECT d.queue_id, d.model_name, d.model_version, d.hour,
            count(*) FILTER (WHERE d.verdict = 'approve')::int AS approved,
            count(*) FILTER (WHERE d.verdict = 'correct')::int AS corrected,
            count(*) FILTER (WHERE d.verdict = 'reject')::int AS rejected,
            count(*) FILTER (WHERE d.verdict = 'auto_approve')::int AS auto_approved,
            count(*) FILTER (WHERE d.qa AND ${HUMAN})::int AS qa_sampled,
            count(*) FILTER (WHERE d.qa AND d.verdict IN ('correct', 'reject'))::int AS qa_overrides,
            min(d.decided_at) AS first_decided_at, max(d.decided_at) AS last_decided_at
       FROM d GROUP BY 1, 2, 3, 4`,
  );
  const actual = await db.query(
    `SELECT r.queue_id, r.model_name, r.model_version, ${hourOf} AS hour, r.approved, r.corrected, r.rejected,
            r.auto_approved, r.qa_sampled, r.qa_overrides, r.first_decided_at, r.last_decided_at
       FROM model_rollups r`,
  );
  assert.ok(expected.rows.length >= 10, `${expected.rows.length} hourly groups`);
  assert.deepEqual(sortRows(actual.rows), sortRows(expected.rows), 'model_rollups');
  const totals = await db.query(
    `SELECT queue_id, model_name, model_version, approved::int, corrected::int, rejected::int FROM model_totals`,
  );
  const expectedTotals = await db.query(
    `WITH d AS (${decided})
     SELECT d.queue_id, d.model_name, d.model_version,
            count(*) FILTER (WHERE d.verdict = 'approve')::int AS approved,
            count(*) FILTER (WHERE d.verdict = 'correct')::int AS corrected,
            count(*) FILTER (WHERE d.verdict = 'reject')::int AS rejected
       FROM d GROUP BY 1, 2, 3`,
  );
  assert.deepEqual(sortRows(totals.rows), sortRows(expectedTotals.rows), 'model_totals');

  const expectedBins = await db.query(
    `WITH d AS (${decided})
     SELECT d.queue_id, d.model_name, d.model_version, d.hour,
            least(999, greatest(0, floor(d.confidence * 1000 + 1e-9)))::int AS bin,
            count(*)::int AS count, count(*) FILTER (WHERE d.verdict = 'approve')::int AS accepted,
            sum(d.confidence) AS confidence_sum,
            sum((d.confidence - CASE WHEN d.verdict = 'approve' THEN 1 ELSE 0 END) ^ 2) AS brier_sum
       FROM d WHERE ${HUMAN} AND d.confidence IS NOT NULL GROUP BY 1, 2, 3, 4, 5`,
  );
  const actualBins = await db.query(
    `SELECT r.queue_id, r.model_name, r.model_version, ${hourOf} AS hour, r.bin::int AS bin, r.count, r.accepted,
            r.confidence_sum, r.brier_sum
       FROM model_confidence_rollups r`,
  );
  assert.ok(expectedBins.rows.length > 1000, String(expectedBins.rows.length));
  // Counts exactly; the float sums (added in another order) to 1e-9.
  const binKey = (r: any) => JSON.stringify([r.queue_id, r.model_name, r.model_version, r.hour, r.bin]);
  const counts = (rows: any[]) => sortRows(rows.map((r) => [binKey(r), r.count, r.accepted]));
  assert.deepEqual(counts(actualBins.rows), counts(expectedBins.rows), 'model_confidence_rollups counts');
  const sums = new Map(expectedBins.rows.map((r) => [binKey(r), r]));
  for (const r of actualBins.rows) {
    const e = sums.get(binKey(r))!;
    assert.ok(Math.abs(r.confidence_sum - e.confidence_sum) < 1e-9, `confidence_sum ${binKey(r)}`);
    assert.ok(Math.abs(r.brier_sum - e.brier_sum) < 1e-9, `brier_sum ${binKey(r)}`);
  }

  // Paths: every node of the AI output (array elements as *), and each patch path with indexes as *.
  const expectedFields = await db.query(
    `WITH RECURSIVE d AS (${decided}),
     nodes (id, path, value) AS (
       SELECT d.id, '', d.ai_output FROM d WHERE ${HUMAN}
       UNION ALL
       SELECT n.id, n.path || '/' || k.key, k.value
         FROM nodes n CROSS JOIN LATERAL (
           SELECT replace(replace(e.key, '~', '~0'), '/', '~1') AS key, e.value
             FROM jsonb_each(CASE WHEN jsonb_typeof(n.value) = 'object' THEN n.value END) e
           UNION ALL
           SELECT '*', a.value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(n.value) = 'array' THEN n.value END) a
         ) k
     ),
     present AS (SELECT DISTINCT id, path FROM nodes WHERE path <> ''),
     edited AS (
       SELECT DISTINCT d.id, regexp_replace(op->>'path', '/[0-9]+(?=/|$)', '/*', 'g') AS path
         FROM d CROSS JOIN LATERAL jsonb_array_elements(d.patch) op WHERE d.verdict = 'correct'
     ),
     touched AS (
       SELECT id, path, bool_or(p) AS p, bool_or(e) AS e FROM (
         SELECT id, path, true AS p, false AS e FROM present UNION ALL SELECT id, path, false, true FROM edited
       ) x GROUP BY id, path
     )
     SELECT d.queue_id, d.model_name, d.model_version, d.hour, t.path,
            count(*) FILTER (WHERE t.e)::int AS edits, count(*) FILTER (WHERE t.p)::int AS present,
            count(*)::int AS touched
       FROM touched t JOIN d ON d.id = t.id GROUP BY 1, 2, 3, 4, 5`,
  );
  const actualFields = await db.query(
    `SELECT r.queue_id, r.model_name, r.model_version, ${hourOf} AS hour, r.path, r.edits, r.present, r.touched
       FROM model_field_rollups r`,
  );
  const paths = new Set(expectedFields.rows.map((r) => r.path));
  for (const path of ['/label', '/items', '/items/*', '/items/*/price', '/items/*/sku', '/note'])
    assert.ok(paths.has(path), `${path} among ${[...paths].join(', ')}`);
  assert.deepEqual(sortRows(actualFields.rows), sortRows(expectedFields.rows), 'model_field_rollups');
}

/**
 * Each version's detector state against one uninterrupted run of the detector over its human decisions in
 * audit-log order, and the alerts it must have opened (one per version that ever crossed; none acknowledged).
 */
async function assertDetectorsMatch(db: pg.Client): Promise<void> {
  const { rows } = await db.query<{
    queue_id: string;
    model_name: string;
    model_version: string;
    verdict: string;
    drift_delta: number;
  }>(
    `SELECT d.queue_id, i.model_name, i.model_version, d.verdict, q.drift_delta
       FROM audit_events e JOIN decisions d ON d.id = (e.data->>'decisionId')::uuid
       JOIN items i ON i.id = d.item_id JOIN queues q ON q.id = d.queue_id
      WHERE e.action = 'item.decided' AND d.verdict IN ('approve', 'correct', 'reject')
        AND i.gold_template_id IS NULL
      ORDER BY e.txid, e.seq`,
  );
  const replay = new Map<string, { state: DriftState; firstCross?: DriftState }>();
  for (const r of rows) {
    const key = JSON.stringify([r.queue_id, r.model_name, r.model_version]);
    const entry = replay.get(key) ?? { state: newDriftState() };
    const next = observeDecision(entry.state, r.verdict !== 'approve', r.drift_delta);
    entry.state = next.state;
    if (next.crossed && !entry.firstCross) entry.firstCross = next.state;
    replay.set(key, entry);
  }
  const human = await db.query<{ key: string; n: number }>(
    `SELECT json_build_array(d.queue_id, i.model_name, i.model_version)::text AS key, count(*)::int AS n
       FROM decisions d JOIN items i ON i.id = d.item_id
      WHERE d.verdict IN ('approve', 'correct', 'reject') AND i.gold_template_id IS NULL GROUP BY 1`,
  );
  const states = await db.query<{ key: string; state: DriftState }>(
    `SELECT json_build_array(queue_id, model_name, model_version)::text AS key, state FROM model_drift`,
  );
  const norm = (key: string) => JSON.stringify(JSON.parse(key));
  assert.equal(states.rows.length, replay.size, 'one detector per version with human decisions');
  for (const h of human.rows) {
    const state = states.rows.find((s) => norm(s.key) === norm(h.key))?.state;
    assert.equal(state?.decisions, h.n, `detector of ${h.key} saw every human decision once`);
  }
  for (const s of states.rows) {
    assert.deepEqual(s.state, replay.get(norm(s.key))?.state, `detector state of ${s.key}`);
  }
  const alerts = await db.query<{
    key: string;
    n: number;
    statistic: number;
    decisions_since_change: number;
  }>(
    `SELECT json_build_array(queue_id, model_name, model_version)::text AS key, count(*)::int AS n,
            min(statistic) AS statistic, min(decisions_since_change) AS decisions_since_change
       FROM model_alerts GROUP BY 1`,
  );
  const crossed = [...replay.entries()].filter(([, e]) => e.firstCross);
  assert.equal(alerts.rows.length, crossed.length, 'an alert for each version that crossed, and only those');
  for (const a of alerts.rows) {
    const first = replay.get(norm(a.key))?.firstCross;
    assert.equal(a.n, 1, `one alert for ${a.key}`);
    assert.equal(a.statistic, first?.statistic);
    assert.equal(a.decisions_since_change, first?.runDecisions);
  }
}

describe('monitoring fold: every decision folded exactly once, through kills and concurrent folders', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let lock: pg.Client;
  let workerEnv: Record<string, string>;
  let backlog: Omit<Backlog, 'queues' | 'tag'>;
  const workers: WorkerProcess[] = [];
  let inProcess: INestApplicationContext | undefined;
  const queues: string[] = [];

  before(async () => {
    env = await createTestEnv();
    // The API only sets up queues, a key and a reviewer; nothing here folds but the workers under test.
    api = await startApi(env.config({ MONITORING_FOLD_INTERVAL_MS: '0' }));
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    lock = new pg.Client({ connectionString: env.databaseUrl });
    await lock.connect();
    const admin = await loginAdmin(api.client);
    const a = await newQueue(api.client, admin);
    const b = await newQueue(api.client, admin, { driftDelta: 0.05 });
    const key = await newServiceKey(api.client, admin, [a.slug, b.slug]);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [a.slug, b.slug]);
    const [goldTemplateId] = await addGold(api.client, admin, a.slug, [{}]);
    backlog = {
      apiKeyId: key.id,
      service: key.service,
      reviewerId: reviewer.id,
      goldTemplateId: goldTemplateId!,
    };
    queues.push(a.id, b.id);
    workerEnv = {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.redisPrefix,
      JWT_SECRET: 'test-secret-test-secret-test-secret',
      MONITORING_FOLD_INTERVAL_MS: '50',
      MONITORING_FOLD_BATCH: '500',
    };
  });

  after(async () => {
    for (const worker of workers) await worker.kill();
    await inProcess?.close();
    await api?.close();
    await lock?.end();
    await db?.end();
    await env?.cleanup();
  });

  const watermark = async () =>
    (
      await db.query<{ folded: number; rolled: number }>(
        `SELECT w.folded, (SELECT coalesce(sum(approved + corrected + rejected + auto_approved), 0)::int
                             FROM model_rollups) AS rolled
           FROM monitoring_watermark w`,
      )
    ).rows[0]!;
  const foldable = async () =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM decisions d JOIN items i ON i.id = d.item_id
          WHERE d.verdict IN ('approve', 'correct', 'reject', 'auto_approve') AND i.gold_template_id IS NULL`,
      )
    ).rows[0]!.n;
  const goldDecided = async () =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM decisions d JOIN items i ON i.id = d.item_id
          WHERE i.gold_template_id IS NOT NULL`,
      )
    ).rows[0]!.n;

  /** Holds the fold's lock so workers can start without folding; `release` lets them go. */
  async function holdFold(): Promise<{ release(): Promise<void> }> {
    await lock.query(`SELECT pg_advisory_lock(${FOLD_LOCK})`);
    return { release: async () => void (await lock.query(`SELECT pg_advisory_unlock(${FOLD_LOCK})`)) };
  }

  it('a worker SIGKILLed mid-backlog and restarted: every rollup count equals a direct count', async () => {
    const total = 20_000;
    await insertBacklog(db, { ...backlog, queues: [queues[0]!, queues[1]!], tag: 'first' }, 0, total);
    const expected = await foldable();
    assert.ok(expected > 16_000, String(expected));
    assert.ok((await goldDecided()) > 1000, 'gold decisions in the backlog, which the fold leaves out');

    const held = await holdFold();
    const first = await startWorkerProcess(workerEnv);
    workers.push(first);
    await sleep(200);
    assert.equal((await watermark()).folded, 0, 'nothing folded while the lock is held');
    await held.release();
    let seen = 0;
    await eventually(
      'the fold under way',
      async () => {
        seen = (await watermark()).folded;
        assert.ok(seen < expected, `the fold finished (${seen}) before it could be interrupted`);
        return seen >= 1000;
      },
      20_000,
      5,
    );
    await first.kill();
    const { signal } = await first.exited;
    assert.equal(signal, 'SIGKILL');
    // Whatever the killed worker was folding is either all in or all out: the rollups hold what the watermark
    // says was folded.
    await sleep(200);
    const atKill = await watermark();
    assert.ok(atKill.folded > 0 && atKill.folded < expected, JSON.stringify(atKill));
    assert.equal(atKill.rolled, atKill.folded, 'rollups and watermark agree after the kill');

    const second = await startWorkerProcess(workerEnv);
    workers.push(second);
    await eventually(
      'the restarted worker caught up',
      async () => (await watermark()).folded >= expected,
      40_000,
      50,
    );
    await sleep(300);
    const done = await watermark();
    assert.equal(done.folded, expected, 'folded exactly once: the watermark counts each decision once');
    assert.equal(done.rolled, expected);
    await assertRollupsMatch(db);
    await assertDetectorsMatch(db);
    await second.kill();
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE alert_id IS NOT NULL`);
    assert.equal(rows[0].n, 0, 'no alert webhooks without an alertUrl');
  });

  it('two worker processes and three in-process folders racing over one backlog: the same exact counts', async () => {
    const c = await newQueue(api.client, await loginAdmin(api.client));
    await insertBacklog(db, { ...backlog, queues: [queues[0]!, c.id], tag: 'second' }, 100_000, 110_000);
    const expected = await foldable();

    const held = await holdFold();
    const racing = await Promise.all([startWorkerProcess(workerEnv), startWorkerProcess(workerEnv)]);
    workers.push(...racing);
    inProcess = await createWorkerApp(env.config({ MONITORING_FOLD_INTERVAL_MS: '0' }));
    const fold = inProcess.get(FoldRepository);
    await held.release();
    let passes = 0;
    const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 3 });
    const folded = async () =>
      (await pool.query<{ folded: number }>(`SELECT folded FROM monitoring_watermark`)).rows[0]!.folded;
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while ((await folded()) < expected) {
          const pass = await fold.foldPass(150);
          if (pass.ran) passes += 1;
          else await sleep(5);
        }
      }),
    );
    await pool.end();
    await sleep(300);
    const done = await watermark();
    assert.equal(done.folded, expected, 'folded exactly once');
    assert.equal(done.rolled, expected);
    assert.ok(passes > 0, 'the in-process folders took part');
    await assertRollupsMatch(db);
    await assertDetectorsMatch(db);
  });
});
