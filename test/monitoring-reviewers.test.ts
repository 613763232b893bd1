// GET /api/v1/monitoring/reviewers against a real API, PostgreSQL and Redis: two reviewers give the two reviews of
// items on a queue that requires two, a third escalates on another queue, and the figures are checked against
// values worked by hand; then the refusals (role, unknown parameter, bad time, unknown queue).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { submitItems } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

type Verdict = 'approve' | 'correct' | 'reject';

const close = (actual: number | null, expected: number, tolerance = 1e-6) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) < tolerance,
    `${actual} is not ${expected} ± ${tolerance}`,
  );

/** Postgres's percentile_cont: linear interpolation between the closest ranks of the sorted values. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (rank - low) * (sorted[high]! - sorted[low]!);
}

describe('reviewer quality', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: string;
  let auditor: string;
  let double: string;
  let single: string;
  let serviceKey: string;
  const people: Record<'a' | 'b' | 'c', { id: string; email: string; token: string }> = {} as never;
  const durations: Record<'a' | 'b', number[]> = { a: [], b: [] };

  /** Claims the next item of `slug` over HTTP and decides it. */
  async function review(who: 'a' | 'b', slug: string, pick: (itemId: string) => Verdict) {
    const claimed = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, {
      token: people[who].token,
    });
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    const verdict = pick(claimed.body.item.id);
    const body: Record<string, unknown> = { verdict };
    if (verdict === 'correct') body.output = { label: 'refund_request' };
    const decided = await api.client.post(`/api/v1/claims/${claimed.body.claim.token}/decision`, body, {
      token: people[who].token,
    });
    assert.equal(decided.status, 201, JSON.stringify(decided.body));
    durations[who].push(decided.body.decision.durationMs);
  }

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    admin = await loginAdmin(api.client);
    auditor = (await newUser(api.client, admin, ['auditor'])).token;
    double = (await newQueue(api.client, admin, { reviewsRequired: 2 })).slug;
    single = (await newQueue(api.client, admin)).slug;
    serviceKey = (await newServiceKey(api.client, admin, [double, single])).key;
    people.a = await newUser(api.client, admin, ['reviewer'], [double]);
    people.b = await newUser(api.client, admin, ['reviewer'], [double]);
    people.c = await newUser(api.client, admin, ['reviewer'], [single]);

    // Four items, each reviewed by a then by b:  a approve/b approve twice, a correct/b approve, a reject/b reject.
    const ids = await submitItems(api.client, serviceKey, double, 4);
    const plan = new Map<string, [Verdict, Verdict]>([
      [ids[0]!, ['approve', 'approve']],
      [ids[1]!, ['approve', 'approve']],
      [ids[2]!, ['correct', 'approve']],
      [ids[3]!, ['reject', 'reject']],
    ]);
    for (let i = 0; i < 4; i++) await review('a', double, (id) => plan.get(id)![0]);
    for (let i = 0; i < 4; i++) await review('b', double, (id) => plan.get(id)![1]);

    await submitItems(api.client, serviceKey, single, 1);
    const claimed = await api.client.post(`/api/v1/queues/${single}/claim`, undefined, {
      token: people.c.token,
    });
    const escalated = await api.client.post(
      `/api/v1/claims/${claimed.body.claim.token}/escalate`,
      { comment: 'Needs a specialist.' },
      { token: people.c.token },
    );
    assert.equal(escalated.status, 200, JSON.stringify(escalated.body));
  });

  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const reviewersOf = async (query: string, token = auditor) => {
    const res = await api.client.get(`/api/v1/monitoring/reviewers${query}`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.reviewers as any[];
  };

  it('counts verdicts and decision times per reviewer, and agreement from both sides of each pair', async () => {
    const reviewers = await reviewersOf('');
    const byEmail = new Map(reviewers.map((r) => [r.reviewer.email, r]));
    const a = byEmail.get(people.a.email);
    const b = byEmail.get(people.b.email);
    const c = byEmail.get(people.c.email);
    assert.deepEqual(a.reviewer, { id: people.a.id, email: people.a.email });
    assert.equal(a.decisions, 4);
    assert.deepEqual(a.verdicts, { approve: 2, correct: 1, reject: 1, escalate: 0 });
    assert.deepEqual(b.verdicts, { approve: 3, correct: 0, reject: 1, escalate: 0 });
    assert.equal(c.decisions, 0);
    assert.deepEqual(c.verdicts, { approve: 0, correct: 0, reject: 0, escalate: 1 });
    assert.equal(c.medianDurationMs, null);
    assert.equal(c.agreement.pairs, 0);

    for (const who of ['a', 'b'] as const) {
      const r = who === 'a' ? a : b;
      assert.equal(r.medianDurationMs, Math.round(percentile(durations[who], 0.5)));
      assert.equal(r.p90DurationMs, Math.round(percentile(durations[who], 0.9)));
      // a's side: (approve, approve) ×2, (correct, approve), (reject, reject); b's is the mirror image.
      // p_o = 3/4. Marginals a: approve .5, correct .25, reject .25; b: approve .75, reject .25.
      // kappa: p_e = .5 × .75 + .25 × .25 = .4375, kappa = .3125 / .5625 = 0.5555556
      // AC1: π = .625/.125/.25, Σπ(1−π) = .234375 + .109375 + .1875 = .53125, p_e = .265625,
      //      AC1 = .484375 / .734375 = 0.6595745
      assert.equal(r.agreement.pairs, 4);
      close(r.agreement.percent, 0.75);
      close(r.agreement.kappa, 0.5555556);
      close(r.agreement.ac1, 0.6595745);
      assert.deepEqual(r.gold, { scored: 0, correct: 0, accuracy: null, lowerBound: null });
    }
    // Most decisions first, ties by email.
    assert.deepEqual(
      reviewers.map((r) => r.reviewer.email),
      [...[people.a.email, people.b.email].sort(), people.c.email],
    );
  });

  it('narrows to a queue and to a time range', async () => {
    const inDouble = await reviewersOf(`?queue=${double}`, admin);
    assert.deepEqual(inDouble.map((r) => r.reviewer.email).sort(), [people.a.email, people.b.email].sort());
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.deepEqual(await reviewersOf(`?from=${encodeURIComponent(future)}`), []);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    assert.equal((await reviewersOf(`?to=${encodeURIComponent(past)}`)).length, 0);
  });

  it('refuses other roles, unknown parameters, bad times and unknown queues', async () => {
    const get = (query: string, options: { token?: string; apiKey?: string }) =>
      api.client.get(`/api/v1/monitoring/reviewers${query}`, options);
    const asReviewer = await get('', { token: people.a.token });
    assert.equal(asReviewer.status, 403);
    assert.equal(asReviewer.body.code, 'FORBIDDEN');
    const asService = await get('', { apiKey: serviceKey });
    assert.equal(asService.status, 403);
    assert.equal((await get('', {})).status, 401);
    for (const query of ['?reviewer=x', '?from=yesterday', '?queue=Not_A_Slug']) {
      const res = await get(query, { token: admin });
      assert.equal(res.status, 400, query);
      assert.equal(res.body.code, 'VALIDATION_FAILED', query);
    }
    const later = await get(`?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`, { token: admin });
    assert.equal(later.status, 400);
    const unknown = await get('?queue=no-such-queue', { token: admin });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'NOT_FOUND');
  });
});
