// What becomes of gold decisions, against a real API, worker, PostgreSQL and Redis: never delivered whichever
// way the item ends, never in a model's figures, exported with gold: true, and scored per reviewer against the
// known answers (figures worked by hand).
import { Reconciler, reviewJobId, reviewQueueName } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { parseCsv } from './support/csv.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { addGold, claimUntilGold, templateOf } from './support/gold-kit.js';
import { assertClose, listModels, waitForFold, wilson } from './support/monitoring-kit.js';
import { eventually, sleep } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const MODEL = { name: 'gold-model', version: 'v1' };

interface Claimed {
  item: { id: string; input: any; output: any };
  claim: { token: string };
}

describe('gold decisions: never delivered, never in model figures, exported as gold, scored', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let receiver: WebhookReceiver;
  let db: pg.Client;
  let admin: string;
  /** Queue "figures": its reviewer's gold decisions all override, its real ones all approve. */
  const figures = { slug: '', real: 0, gold: [] as string[] };

  before(async () => {
    env = await createTestEnv();
    receiver = await WebhookReceiver.start();
    const config = env.config({
      WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_POLL_INTERVAL_MS: '100',
      MONITORING_FOLD_INTERVAL_MS: '100',
      SLA_SWEEP_INTERVAL_MS: '200',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);

    const queue = await newQueue(api.client, admin, { goldRate: 0.2 });
    figures.slug = queue.slug;
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    await addGold(api.client, admin, queue.slug, [
      { model: MODEL, confidence: 0.6 },
      { model: MODEL, confidence: 0.6 },
      { model: { name: MODEL.name, version: 'gold-only' }, confidence: 0.6 },
    ]);
    await submit(queue.slug, key, 150, { model: MODEL, confidence: 0.6 });
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    // Gold items rejected or corrected, real ones approved, until there are both; a real decision comes last.
    while (figures.gold.length < 3 || figures.real < 20) {
      const claimed = await claim(reviewer.token, queue.slug);
      if (await templateOf(db, claimed.item.id)) {
        figures.gold.push(claimed.item.id);
        const override =
          figures.gold.length % 2 === 0
            ? { verdict: 'reject' }
            : { verdict: 'correct', output: { label: 'refund_request' } };
        await decide(reviewer.token, claimed, override);
      } else {
        figures.real += 1;
        await decide(reviewer.token, claimed, { verdict: 'approve' });
      }
    }
  });

  after(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.close();
    await db?.end();
    await env?.cleanup();
  });

  async function submit(
    slug: string,
    apiKey: string,
    count: number,
    overrides: Record<string, unknown> = {},
  ) {
    const items = Array.from({ length: count }, () => itemBody(overrides));
    const res = await api.client.post(`/api/v1/queues/${slug}/items/batch`, { items }, { apiKey });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results.map((r: { id: string }) => r.id) as string[];
  }

  async function claim(token: string, slug: string): Promise<Claimed> {
    const res = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  async function release(token: string, claimed: Claimed): Promise<void> {
    const res = await api.client.post(`/api/v1/claims/${claimed.claim.token}/release`, undefined, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  async function decide(token: string, claimed: Claimed, body: Record<string, unknown>) {
    const res = await api.client.post(`/api/v1/claims/${claimed.claim.token}/decision`, body, { token });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { decision: { id: string }; itemStatus: string };
  }

  async function escalate(token: string, claimed: Claimed) {
    const res = await api.client.post(
      `/api/v1/claims/${claimed.claim.token}/escalate`,
      { comment: 'not sure' },
      { token },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  const goldClaim = (token: string, slug: string) =>
    claimUntilGold(
      db,
      () => claim(token, slug),
      (c) => release(token, c),
    );

  /** Claims until a real item comes, giving gold ones back. */
  async function realClaim(token: string, slug: string): Promise<Claimed> {
    for (let n = 0; n < 50; n++) {
      const claimed = await claim(token, slug);
      if (!(await templateOf(db, claimed.item.id))) return claimed;
      await release(token, claimed);
    }
    assert.fail('no real item in 50 claims');
  }

  const status = async (id: string) =>
    (await db.query<{ status: string }>(`SELECT status FROM items WHERE id = $1`, [id])).rows[0]!.status;
  const deliveriesOf = async (ids: string[]) =>
    (await db.query(`SELECT item_id FROM deliveries WHERE item_id = ANY($1::uuid[])`, [ids])).rows.map(
      (r) => r.item_id as string,
    );
  const hookedItems = () => receiver.requests().map((r) => JSON.parse(r.body).data.item.id as string);

  it('never delivered: decided, escalated then decided elsewhere, or ended by the SLA fallback', async () => {
    const adjudication = await newQueue(api.client, admin, { callbackUrl: receiver.url('/adjudication') });
    const main = await newQueue(api.client, admin, {
      goldRate: 0.2,
      callbackUrl: receiver.url('/main'),
      escalateTo: adjudication.slug,
    });
    const overdue = await newQueue(api.client, admin, {
      goldRate: 0.2,
      callbackUrl: receiver.url('/overdue'),
      slaSeconds: 3600,
      onSlaBreach: 'fallback',
      fallbackOutput: { label: 'complaint' },
    });
    const { key } = await newServiceKey(api.client, admin, [main.slug, overdue.slug]);
    await addGold(api.client, admin, main.slug, [{}, {}]);
    await addGold(api.client, admin, overdue.slug, [{}]);
    await submit(main.slug, key, 30);
    const [lateReal] = await submit(overdue.slug, key, 10);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [main.slug, overdue.slug]);
    const judge = await newUser(api.client, admin, ['reviewer'], [adjudication.slug]);

    const decided = await goldClaim(reviewer.token, main.slug);
    assert.equal((await decide(reviewer.token, decided, { verdict: 'approve' })).itemStatus, 'approved');

    const escalated = await goldClaim(reviewer.token, main.slug);
    await escalate(reviewer.token, escalated);
    const adjudicated = await claim(judge.token, adjudication.slug);
    assert.equal(adjudicated.item.id, escalated.item.id, 'the escalated gold item, in the other queue');
    await decide(judge.token, adjudicated, { verdict: 'reject' });

    const fallen = await goldClaim(reviewer.token, overdue.slug);
    await db.query(`UPDATE items SET sla_deadline = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, [
      [fallen.item.id, lateReal],
    ]);
    await eventually(
      'the SLA fallback ends both',
      async () => (await status(fallen.item.id)) === 'fallback' && (await status(lateReal!)) === 'fallback',
    );

    const real = await realClaim(reviewer.token, main.slug);
    await decide(reviewer.token, real, { verdict: 'approve' });

    const gold = [decided.item.id, escalated.item.id, fallen.item.id];
    assert.equal(await status(escalated.item.id), 'rejected');
    await eventually('the real decisions reach the receiver', () => {
      const hooked = hookedItems();
      return hooked.includes(real.item.id) && hooked.includes(lateReal!);
    });
    await sleep(500); // several outbox polls more: anything else due would have been sent by now
    assert.deepEqual(await deliveriesOf(gold), [], 'no delivery row for a gold item');
    assert.deepEqual(
      (await deliveriesOf([real.item.id, lateReal!])).sort(),
      [real.item.id, lateReal!].sort(),
    );
    assert.deepEqual(
      hookedItems().filter((id) => gold.includes(id)),
      [],
      'no request about a gold item',
    );
  });

  it('never in a model’s figures: override rate, calibration, threshold advice', async () => {
    const { slug, real, gold } = figures;
    assert.ok(gold.length >= 3);
    await waitForFold(api.client, admin, slug, MODEL.version, real);
    await sleep(300);
    const models = await listModels(api.client, admin, `queue=${slug}`);
    assert.deepEqual(
      models.map((m) => m.model.version),
      [MODEL.version],
      'a version seen only in gold items is not a model version at all',
    );
    const [m] = models;
    assert.equal(m.decisions, real, 'only the real decisions');
    assert.deepEqual([m.approved, m.corrected, m.rejected], [real, 0, 0]);
    assert.equal(m.overrideRate, 0, 'the gold overrides are not the model’s');
    const detail = await api.client.get(`/api/v1/monitoring/models/${slug}/${MODEL.name}/${MODEL.version}`, {
      token: admin,
    });
    assert.equal(detail.status, 200);
    const binned = detail.body.calibration.bins.reduce((s: number, b: { count: number }) => s + b.count, 0);
    assert.equal(binned, real, 'calibration counts only real decisions');
    for (const point of detail.body.threshold.curve) assert.equal(point.overrideRate, 0);
    assert.deepEqual(
      detail.body.fields.filter((f: { edits: number }) => f.edits > 0),
      [],
      'no field edits from gold corrections',
    );
  });

  it('exported with gold: true, real decisions with gold: false (JSON Lines and CSV)', async () => {
    const { slug, real, gold } = figures;
    const auditor = await newUser(api.client, admin, ['auditor']);
    const jsonl = await api.client.get(`/api/v1/audit/decisions?format=jsonl&queue=${slug}`, {
      token: auditor.token,
    });
    assert.equal(jsonl.status, 200);
    const rows = String(jsonl.body)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    assert.equal(rows.length, real + gold.length);
    for (const row of rows) assert.equal(row.gold, gold.includes(row.itemId), row.itemId);
    assert.equal(rows.filter((r) => r.gold === true).length, gold.length);

    const csv = await api.client.get(`/api/v1/audit/decisions?format=csv&queue=${slug}`, {
      token: auditor.token,
    });
    assert.equal(csv.status, 200);
    const [header, ...lines] = parseCsv(String(csv.body));
    const at = (name: string) => header!.indexOf(name);
    assert.ok(at('gold') >= 0, 'a gold column');
    assert.equal(lines.length, real + gold.length);
    for (const line of lines)
      assert.equal(line[at('gold')], gold.includes(line[at('itemId')]!) ? 'true' : 'false');
  });

  it('scored against the known answers: verdict, and for a correction the output (JSON equality)', async () => {
    const queue = await newQueue(api.client, admin, { goldRate: 0.2 });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const refund = { label: 'refund_request' };
    const cases: Record<
      string,
      { gold: Record<string, unknown>; act: Record<string, unknown> | 'escalate' }
    > = {
      'approve, approved': { gold: {}, act: { verdict: 'approve' } },
      'correct, the expected output': {
        gold: { expected: { verdict: 'correct', output: refund } },
        act: { verdict: 'correct', output: refund },
      },
      'correct, another output': {
        gold: { expected: { verdict: 'correct', output: refund } },
        act: { verdict: 'correct', output: { label: 'praise' } },
      },
      'reject, approved': { gold: { expected: { verdict: 'reject' } }, act: { verdict: 'approve' } },
      'reject, rejected': { gold: { expected: { verdict: 'reject' } }, act: { verdict: 'reject' } },
      'approve, escalated': { gold: {}, act: 'escalate' },
      'correct, the same JSON in another key order': {
        gold: {
          output: { label: 'complaint', lines: [1, 2.5] },
          expected: { verdict: 'correct', output: { label: 'refund_request', lines: [1, 2.5] } },
        },
        act: { verdict: 'correct', output: { lines: [1, 2.5], label: 'refund_request' } },
      },
    };
    const names = Object.keys(cases);
    await addGold(
      api.client,
      admin,
      queue.slug,
      names.map((name) => ({ ...cases[name]!.gold, input: { case: name } })),
    );
    await submit(queue.slug, key, 160);
    const sure = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const newcomer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);

    // Each template once (a reviewer gets every template before any comes back); real items in between are
    // rejected, which scores nothing.
    const done = new Set<string>();
    while (done.size < names.length) {
      const claimed = await claim(sure.token, queue.slug);
      if (!(await templateOf(db, claimed.item.id))) {
        await decide(sure.token, claimed, { verdict: 'reject' });
        continue;
      }
      const name = claimed.item.input.case as string;
      assert.ok(!done.has(name), `${name} handed twice`);
      done.add(name);
      const act = cases[name]!.act;
      if (act === 'escalate') await escalate(sure.token, claimed);
      else await decide(sure.token, claimed, act);
    }
    // The newcomer rejects two gold items: right only where a rejection was expected.
    let rightToReject = 0;
    for (let n = 0; n < 2; n++) {
      const claimed = await goldClaim(newcomer.token, queue.slug);
      const expected = cases[claimed.item.input.case as string]!.gold['expected'] as
        { verdict: string } | undefined;
      if (expected?.verdict === 'reject') rightToReject += 1;
      await decide(newcomer.token, claimed, { verdict: 'reject' });
    }

    const res = await api.client.get(`/api/v1/monitoring/reviewers?queue=${queue.slug}`, { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const of = (id: string) =>
      res.body.reviewers.find((r: { reviewer: { id: string } }) => r.reviewer.id === id);
    // Right: approve/approved, correct/expected output, reject/rejected, correct/same JSON: 4 of 7 (the
    // escalation is scored and wrong). Wilson 95% lower bound of 4/7, by hand: z² = 3.841459, z²/n = 0.548780;
    // centre = (0.571429 + 0.274390) / 1.548780 = 0.546119; half = (1.959964 / 1.548780) · √(0.571429 · 0.428571
    // / 7 + 3.841459 / 196) = 1.265490 · √(0.034985 + 0.019599) = 1.265490 · 0.233632 = 0.295661; 0.250458.
    const gold = of(sure.id).gold;
    assert.equal(gold.scored, 7);
    assert.equal(gold.correct, 4);
    assertClose(gold.accuracy, 4 / 7, 1e-12, 'accuracy');
    assertClose(gold.lowerBound, 0.250458, 5e-6, 'Wilson lower bound, by hand');
    assertClose(gold.lowerBound, wilson(4, 7)[0], 1e-9, 'Wilson lower bound');
    assert.equal(of(sure.id).verdicts.escalate, 1);
    assert.deepEqual(of(newcomer.id).gold, {
      scored: 2,
      correct: rightToReject,
      accuracy: null,
      lowerBound: null,
    });

    const elsewhere = await api.client.get(`/api/v1/monitoring/reviewers?queue=${figures.slug}`, {
      token: admin,
    });
    assert.equal(
      elsewhere.body.reviewers.find((r: { reviewer: { id: string } }) => r.reviewer.id === sure.id),
      undefined,
      'scores are per queue when asked so',
    );
    const before2001 = await api.client.get(
      `/api/v1/monitoring/reviewers?queue=${queue.slug}&to=2001-01-01T00:00:00Z`,
      { token: admin },
    );
    assert.deepEqual(before2001.body.reviewers, []);
  });

  it('Postgres is the record: a gold item back in line whose Redis job was lost is queued again', async () => {
    const queue = await newQueue(api.client, admin, { goldRate: 0.2 });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    await addGold(api.client, admin, queue.slug, [{}]);
    await submit(queue.slug, key, 20);
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const gold = await goldClaim(reviewer.token, queue.slug);
    await release(reviewer.token, gold);

    const redis = createRedis(env.redisUrl, 'worker');
    const bull = new Queue(reviewQueueName(queue.id), { connection: redis, prefix: env.redisPrefix });
    try {
      assert.equal(await bull.remove(reviewJobId(gold.item.id)), 1, 'its job, lost');
      const reconciler = worker.get(Reconciler);
      for (let n = 0; n < 13; n++) await reconciler.reconcileOnce();
      assert.notEqual(await bull.getJobState(reviewJobId(gold.item.id)), 'unknown', 'queued again');
      const counts = await bull.getJobCounts('wait', 'prioritized', 'active', 'delayed');
      assert.equal(
        Object.values(counts).reduce((a, b) => a + b, 0),
        21,
        'one job for each pending item, gold or real',
      );
    } finally {
      await bull.close();
      redis.disconnect();
    }
    const other = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    let again: Claimed | null = null;
    for (let n = 0; n < 40 && !again; n++) {
      const claimed = await claim(other.token, queue.slug);
      if (claimed.item.id === gold.item.id) again = claimed;
      else await decide(other.token, claimed, { verdict: 'approve' });
    }
    assert.ok(again, 'handed out again');
    assert.equal((await decide(other.token, again, { verdict: 'approve' })).itemStatus, 'approved');
  });

  it('with two reviews each one is scored, the item going to adjudication like any other', async () => {
    const queue = await newQueue(api.client, admin, { goldRate: 0.2, reviewsRequired: 2 });
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    await addGold(api.client, admin, queue.slug, [{ expected: { verdict: 'approve' } }]);
    await submit(queue.slug, key, 30);
    const first = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const second = await newUser(api.client, admin, ['reviewer'], [queue.slug]);

    const gold = await goldClaim(first.token, queue.slug);
    assert.equal((await decide(first.token, gold, { verdict: 'approve' })).itemStatus, 'pending');
    let theirs: Claimed | null = null;
    for (let n = 0; n < 80 && !theirs; n++) {
      const claimed = await claim(second.token, queue.slug);
      if (claimed.item.id === gold.item.id) theirs = claimed;
      else await release(second.token, claimed);
    }
    assert.ok(theirs, 'the second reviewer gets the gold item for its second review');
    const ack = await decide(second.token, theirs, { verdict: 'reject' });
    assert.equal(ack.itemStatus, 'escalated', 'two reviews that disagree: adjudication');

    const res = await api.client.get(`/api/v1/monitoring/reviewers?queue=${queue.slug}`, { token: admin });
    const of = (id: string) =>
      res.body.reviewers.find((r: { reviewer: { id: string } }) => r.reviewer.id === id);
    assert.deepEqual(of(first.id).gold, { scored: 1, correct: 1, accuracy: null, lowerBound: null });
    assert.deepEqual(of(second.id).gold, { scored: 1, correct: 0, accuracy: null, lowerBound: null });
    assert.equal(of(first.id).agreement.pairs, 1, 'and the pair counts in agreement like any');
  });
});
