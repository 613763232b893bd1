import { Reconciler, ReviewDispatcher } from '@arbiter/dispatch';
import { createRedis, deleteKeysWithPrefix } from '@arbiter/redis';
import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

type Person = Awaited<ReturnType<typeof newUser>>;

describe('assigning an item to one reviewer', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: pg.Client;
  let admin: string;
  const sockets: ReviewClient[] = [];

  before(async () => {
    env = await createTestEnv();
    const config = env.config({ LEASE_SWEEP_INTERVAL_MS: '200', SLA_SWEEP_INTERVAL_MS: '200' });
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
    await db?.end();
    await env?.cleanup();
  });

  const connect = async (person: Person) => {
    const socket = await ReviewClient.connect(api.url, person.token);
    sockets.push(socket);
    return socket;
  };

  /** A queue with a service key and `reviewers` members. */
  async function workspace(settings: Record<string, unknown> = {}, reviewers = 2) {
    const queue = await newQueue(api.client, admin, settings);
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const people: Person[] = [];
    for (let i = 0; i < reviewers; i++)
      people.push(await newUser(api.client, admin, ['reviewer'], [queue.slug]));
    return { queue, slug: queue.slug, key, reviewers: people };
  }

  const submit = async (key: string, slug: string, overrides: Record<string, unknown> = {}) => {
    const res = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(overrides), { apiKey: key });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; status: string; assigneeId: string | null };
  };
  const claimHttp = (person: Person, slug: string) =>
    api.client.post(`/api/v1/queues/${slug}/claim`, undefined, { token: person.token });
  /** The id of the item the person's HTTP claim gets, or null (204). */
  const claimedId = async (person: Person, slug: string): Promise<string | null> => {
    const res = await claimHttp(person, slug);
    assert.ok(res.status === 200 || res.status === 204, `claim: ${res.status} ${JSON.stringify(res.body)}`);
    return res.status === 204 ? null : res.body.item.id;
  };
  const assign = (itemId: string, userId: string | null, token = admin) =>
    api.client.post(`/api/v1/items/${itemId}/assign`, { userId }, { token });
  const getItem = async (id: string) => {
    const res = await api.client.get(`/api/v1/items/${id}`, { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const assignedEvents = async (id: string) =>
    (await getItem(id)).history.filter((e: { action: string }) => e.action === 'item.assigned');
  /** Which of these items have no job in the queue's shared line (Redis). */
  const notInLine = (queueId: string, itemIds: string[]) =>
    api.app.get(ReviewDispatcher).missing(queueId, itemIds);
  const assignedToMe = async (person: Person, slug: string) => {
    const res = await api.client.get('/api/v1/queues', { token: person.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.queues.find((q: { slug: string }) => q.slug === slug)?.assignedToMe;
  };

  it('an item submitted for a reviewer goes to them alone, first, over the socket and HTTP', async () => {
    const {
      queue,
      slug,
      key,
      reviewers: [mine, other],
    } = await workspace();
    const mySocket = await connect(mine!);
    const told = mySocket.next('assignment:changed', (e) => e.queue === slug);

    const assigned = await submit(key, slug, { assignee: mine!.id.toUpperCase() });
    assert.equal(assigned.status, 'pending');
    assert.equal(assigned.assigneeId, mine!.id, 'stored as the user id');
    assert.deepEqual(await told, { queue: slug });
    const lower = await submit(key, slug, { priority: 10 });
    const higher = await submit(key, slug, { priority: 90 });
    assert.deepEqual(await notInLine(queue.id, [assigned.id, lower.id, higher.id]), [assigned.id]);
    assert.equal((await getItem(assigned.id)).assigneeId, mine!.id);

    const otherSocket = await connect(other!);
    const { stats } = await otherSocket.call('queue:subscribe', { queue: slug });
    assert.equal(stats.pending, 3, 'pending counts the assigned item too');
    assert.equal(await assignedToMe(mine!, slug), 1);
    assert.equal(await assignedToMe(other!, slug), 0);

    // The other reviewer gets the unassigned items, never the assigned one.
    const first = await otherSocket.call('claim:next', { queue: slug });
    assert.equal(first.item.id, higher.id);
    assert.equal(first.item.assigneeId, null);
    assert.equal(await claimedId(other!, slug), lower.id);
    assert.equal(await claimedId(other!, slug), null, 'nothing else waits for them');
    assert.deepEqual(await otherSocket.call('claim:next', { queue: slug }), { item: null });

    // Its assignee gets it, before any unassigned item however urgent.
    const urgent = await submit(key, slug, { priority: 100 });
    const mineClaimed = await mySocket.call('claim:next', { queue: slug });
    assert.equal(mineClaimed.item.id, assigned.id);
    assert.equal(mineClaimed.item.assigneeId, mine!.id);
    assert.equal(await assignedToMe(mine!, slug), 0, 'claimed: no longer waiting for them');
    assert.equal(await claimedId(mine!, slug), urgent.id, 'the job taken in its place went back in line');
  });

  it('an admin assigns, reassigns and unassigns a pending item, each audited; only the assignee may claim it', async () => {
    const {
      queue,
      slug,
      key,
      reviewers: [first, second, third],
    } = await workspace({}, 3);
    const item = await submit(key, slug);
    assert.deepEqual(await notInLine(queue.id, [item.id]), []);

    const toFirst = await assign(item.id, first!.id);
    assert.equal(toFirst.status, 200, JSON.stringify(toFirst.body));
    assert.equal(toFirst.body.id, item.id);
    assert.equal(toFirst.body.status, 'pending');
    assert.equal(toFirst.body.assigneeId, first!.id);
    assert.equal(toFirst.body.history, undefined);
    assert.deepEqual(await notInLine(queue.id, [item.id]), [item.id], 'out of the shared line');
    assert.equal(await claimedId(second!, slug), null);
    assert.deepEqual(await (await connect(third!)).call('claim:next', { queue: slug }), { item: null });

    const again = await assign(item.id, first!.id);
    assert.equal(again.status, 200);
    assert.equal((await assignedEvents(item.id)).length, 1, 'the assignee it has already: nothing changes');

    const toSecond = await assign(item.id, second!.id);
    assert.equal(toSecond.body.assigneeId, second!.id);
    assert.equal(await claimedId(first!, slug), null, 'moved: the first assignee no longer gets it');
    assert.equal(await assignedToMe(second!, slug), 1);
    assert.equal(await assignedToMe(first!, slug), 0);

    const unassigned = await assign(item.id, null);
    assert.equal(unassigned.status, 200);
    assert.equal(unassigned.body.assigneeId, null);
    assert.deepEqual(await notInLine(queue.id, [item.id]), [], 'back in the shared line');
    assert.equal(await claimedId(third!, slug), item.id, 'anyone may claim it now');

    const events = await assignedEvents(item.id);
    assert.deepEqual(
      events.map((e: any) => e.data),
      [
        { assigneeId: first!.id, previousAssigneeId: null },
        { assigneeId: second!.id, previousAssigneeId: first!.id },
        { assigneeId: null, previousAssigneeId: second!.id },
      ],
    );
    for (const event of events) {
      assert.equal(event.actor.type, 'user');
      assert.equal(event.actor.name, 'admin@test.local');
    }
    const { rows } = await db.query(`SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq`, [
      item.id,
    ]);
    assert.deepEqual(
      rows.map((r) => r.action),
      ['item.received', 'item.assigned', 'item.assigned', 'item.assigned', 'item.claimed'],
    );
  });

  it('refuses an assignee who is unknown, not a reviewer of the queue, disabled, or not a UUID, storing nothing', async () => {
    const {
      queue,
      slug,
      key,
      reviewers: [member],
    } = await workspace({}, 1);
    const elsewhere = await newQueue(api.client, admin);
    const outsider = await newUser(api.client, admin, ['reviewer'], [elsewhere.slug]);
    const auditor = await newUser(api.client, admin, ['auditor'], [slug]);
    const disabled = await newUser(api.client, admin, ['reviewer'], [slug]);
    assert.equal(
      (await api.client.patch(`/api/v1/users/${disabled.id}`, { disabled: true }, { token: admin })).status,
      200,
    );
    const refusedOnSubmit = async (assignee: unknown, what: string) => {
      const res = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody({ assignee }), {
        apiKey: key,
      });
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        res.body.details.map((d: { path: string }) => d.path),
        ['assignee'],
        what,
      );
    };
    await refusedOnSubmit(outsider.id, 'a reviewer of another queue');
    await refusedOnSubmit(randomUUID(), 'an unknown user');
    await refusedOnSubmit(auditor.id, 'a member who is not a reviewer');
    await refusedOnSubmit(disabled.id, 'a disabled reviewer');
    await refusedOnSubmit('not-a-uuid', 'not a UUID');
    await refusedOnSubmit(42, 'a number');
    const stored = await db.query(`SELECT count(*)::int AS n FROM items WHERE queue_id = $1`, [queue.id]);
    assert.equal(stored.rows[0].n, 0, 'nothing stored');

    // A batch refuses the entry alone.
    const batch = await api.client.post(
      `/api/v1/queues/${slug}/items/batch`,
      { items: [itemBody({ assignee: member!.id }), itemBody({ assignee: outsider.id }), itemBody()] },
      { apiKey: key },
    );
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    const [accepted, refused, plain] = batch.body.results;
    assert.equal(accepted.status, 'pending');
    assert.equal(refused.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      refused.error.details.map((d: { path: string }) => d.path),
      ['assignee'],
    );
    assert.equal(plain.status, 'pending');
    assert.equal((await getItem(accepted.id)).assigneeId, member!.id);
    assert.equal((await getItem(plain.id)).assigneeId, null);

    // And the admin route: the item stays as it was.
    const item = await submit(key, slug);
    const refusedAssign = async (body: unknown, path: string, what: string) => {
      const res = await api.client.post(`/api/v1/items/${item.id}/assign`, body, { token: admin });
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(
        res.body.details.some((d: { path: string }) => d.path === path),
        `${what}: ${JSON.stringify(res.body)}`,
      );
    };
    await refusedAssign({ userId: outsider.id }, 'userId', 'a reviewer of another queue');
    await refusedAssign({ userId: randomUUID() }, 'userId', 'an unknown user');
    await refusedAssign({ userId: disabled.id }, 'userId', 'a disabled reviewer');
    await refusedAssign({ userId: 'nope' }, 'userId', 'not a UUID');
    await refusedAssign({}, 'userId', 'no userId');
    await refusedAssign({ userId: member!.id, queue: slug }, 'queue', 'an unknown field');
    assert.equal((await getItem(item.id)).assigneeId, null);
    assert.deepEqual(await assignedEvents(item.id), []);
    assert.deepEqual(await notInLine(queue.id, [item.id]), [], 'still in the shared line');

    assert.equal((await assign(randomUUID(), member!.id)).status, 404);
    assert.equal((await assign(item.id, member!.id, member!.token)).status, 403, 'reviewers may not');
    const asService = await api.client.post(
      `/api/v1/items/${item.id}/assign`,
      { userId: member!.id },
      { apiKey: key },
    );
    assert.equal(asService.status, 403, 'nor services');
  });

  it('the assignee is part of the request: absent and null agree, another assignee is another request', async () => {
    const {
      slug,
      key,
      reviewers: [first, second],
    } = await workspace();
    const absent = itemBody();
    const created = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      { ...absent, assignee: null },
      { apiKey: key },
    );
    assert.equal(created.status, 201);
    const replay = await api.client.post(`/api/v1/queues/${slug}/items`, absent, { apiKey: key });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.id, created.body.id);

    const assignedBody = itemBody({ assignee: first!.id });
    const assigned = await api.client.post(`/api/v1/queues/${slug}/items`, assignedBody, {
      apiKey: key,
      headers: { 'idempotency-key': 'assign-1' },
    });
    assert.equal(assigned.status, 201);
    const same = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      { ...assignedBody, assignee: first!.id.toUpperCase() },
      { apiKey: key, headers: { 'idempotency-key': 'assign-1' } },
    );
    assert.equal(same.status, 200, JSON.stringify(same.body));
    const moved = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      { ...assignedBody, assignee: second!.id },
      { apiKey: key },
    );
    assert.equal(moved.status, 422);
    assert.equal(moved.body.code, 'IDEMPOTENCY_CONFLICT');

    // Its assignee since removed from the queue, a repeat still answers the original item.
    const patched = await api.client.patch(`/api/v1/users/${first!.id}`, { queues: [] }, { token: admin });
    assert.equal(patched.status, 200);
    const later = await api.client.post(`/api/v1/queues/${slug}/items`, assignedBody, { apiKey: key });
    assert.equal(later.status, 200, JSON.stringify(later.body));
    assert.equal(later.body.id, assigned.body.id);
    assert.equal(later.body.assigneeId, null, 'taken back from the removed assignee');
  });

  it('an auto-approved submission keeps its assignee; it changes nothing of the decision', async () => {
    const {
      slug,
      key,
      reviewers: [mine],
    } = await workspace({ autoApproveAbove: 0.9 }, 1);
    const item = await submit(key, slug, { confidence: 0.95, assignee: mine!.id });
    assert.equal(item.status, 'auto_approved');
    assert.equal(item.assigneeId, mine!.id);
    assert.equal(await assignedToMe(mine!, slug), 0);
  });

  it('only a pending item is assigned: a claimed, decided or escalated one is a conflict', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer, other],
    } = await workspace();
    const item = await submit(key, slug);
    const claim = await claimHttp(reviewer!, slug);
    assert.equal(claim.body.item.id, item.id);
    const whileClaimed = await assign(item.id, other!.id);
    assert.equal(whileClaimed.status, 409);
    assert.equal(whileClaimed.body.code, 'CONFLICT');
    assert.match(whileClaimed.body.message, /claimed/);
    assert.equal((await assign(item.id, null)).status, 409);

    const decided = await api.client.post(
      `/api/v1/claims/${claim.body.claim.token}/decision`,
      { verdict: 'approve' },
      { token: reviewer!.token },
    );
    assert.equal(decided.status, 201);
    const afterDecision = await assign(item.id, other!.id);
    assert.equal(afterDecision.status, 409);
    assert.match(afterDecision.body.message, /approved/);

    const escalated = await submit(key, slug);
    const held = await claimHttp(reviewer!, slug);
    assert.equal(held.body.item.id, escalated.id);
    await api.client.post(
      `/api/v1/claims/${held.body.claim.token}/escalate`,
      { comment: 'for an admin' },
      { token: reviewer!.token },
    );
    const onEscalated = await assign(escalated.id, other!.id);
    assert.equal(onEscalated.status, 409);
    assert.match(onEscalated.body.message, /escalated/);
    assert.deepEqual(await assignedEvents(item.id), []);
  });

  it('release and lease expiry keep the assignment', async () => {
    const {
      slug,
      key,
      reviewers: [mine, other],
    } = await workspace();
    const item = await submit(key, slug, { assignee: mine!.id });
    const socket = await connect(mine!);
    const claimed = await socket.call('claim:next', { queue: slug });
    assert.equal(claimed.item.id, item.id);
    assert.deepEqual(await socket.call('claim:release', { token: claimed.claim.token }), { ok: true });
    const released = await getItem(item.id);
    assert.equal(released.status, 'pending');
    assert.equal(released.assigneeId, mine!.id);
    assert.equal(await claimedId(other!, slug), null, 'still not for anyone else');

    const again = await claimHttp(mine!, slug);
    assert.equal(again.body.item.id, item.id);
    const expired = socket.next('claim:expired', (e) => e.token === again.body.claim.token);
    await db.query(`UPDATE claims SET expires_at = now() - interval '1 second' WHERE token = $1`, [
      again.body.claim.token,
    ]);
    await expired;
    const afterExpiry = await getItem(item.id);
    assert.equal(afterExpiry.status, 'pending');
    assert.equal(afterExpiry.assigneeId, mine!.id);
    assert.equal(await claimedId(other!, slug), null);
    assert.equal(await claimedId(mine!, slug), item.id);
    assert.deepEqual(
      afterExpiry.history.map((e: { action: string }) => e.action),
      ['item.received', 'item.claimed', 'claim.released', 'item.claimed', 'claim.expired'],
    );
  });

  it('the first of two reviews ends the assignment; its reviewer may not be assigned the second', async () => {
    const {
      slug,
      key,
      reviewers: [first, second],
    } = await workspace({ reviewsRequired: 2 });
    const item = await submit(key, slug, { assignee: first!.id });
    const claim = await claimHttp(first!, slug);
    assert.equal(claim.body.item.id, item.id);
    const decided = await api.client.post(
      `/api/v1/claims/${claim.body.claim.token}/decision`,
      { verdict: 'approve' },
      { token: first!.token },
    );
    assert.equal(decided.body.itemStatus, 'pending');
    assert.equal((await getItem(item.id)).assigneeId, null);

    const toFirst = await assign(item.id, first!.id);
    assert.equal(toFirst.status, 400, JSON.stringify(toFirst.body));
    assert.equal(toFirst.body.details[0].path, 'userId');
    assert.match(toFirst.body.details[0].message, /independent/);
    assert.equal((await assign(item.id, second!.id)).status, 200);
    const secondClaim = await claimHttp(second!, slug);
    assert.equal(secondClaim.body.item.id, item.id);
    const final = await api.client.post(
      `/api/v1/claims/${secondClaim.body.claim.token}/decision`,
      { verdict: 'approve' },
      { token: second!.token },
    );
    assert.equal(final.body.itemStatus, 'approved');
    assert.equal((await getItem(item.id)).assigneeId, second!.id, 'a decided item keeps its assignee');
  });

  it('escalation, by the assignee or by the SLA policy, ends the assignment in the adjudicating queue', async () => {
    const adjudication = await newQueue(api.client, admin);
    const lead = await newUser(api.client, admin, ['reviewer'], [adjudication.slug]);
    const {
      slug,
      key,
      reviewers: [mine],
    } = await workspace({ escalateTo: adjudication.slug, slaSeconds: 1, onSlaBreach: 'escalate' }, 1);
    const byReviewer = await submit(key, slug, { assignee: mine!.id, priority: 100 });
    const claim = await claimHttp(mine!, slug);
    assert.equal(claim.body.item.id, byReviewer.id);
    await api.client.post(
      `/api/v1/claims/${claim.body.claim.token}/escalate`,
      { comment: 'not mine to judge' },
      { token: mine!.token },
    );
    const bySla = await submit(key, slug, { assignee: mine!.id });
    await eventually(
      'the SLA policy escalated the assigned item',
      async () => (await getItem(bySla.id)).queue === adjudication.slug,
    );
    for (const id of [byReviewer.id, bySla.id]) {
      const item = await getItem(id);
      assert.equal(item.status, 'pending');
      assert.equal(item.assigneeId, null);
    }
    const taken = new Set([
      await claimedId(lead, adjudication.slug),
      await claimedId(lead, adjudication.slug),
    ]);
    assert.deepEqual(taken, new Set([byReviewer.id, bySla.id]));
  });

  it('after Redis loses everything the reconciler rebuilds the shared line without the assigned item', async () => {
    const {
      queue,
      slug,
      key,
      reviewers: [mine, other],
    } = await workspace();
    const assigned = await submit(key, slug, { assignee: mine!.id, priority: 100 });
    const shared = [await submit(key, slug), await submit(key, slug)];
    const redis = createRedis(env.redisUrl, 'worker');
    try {
      await deleteKeysWithPrefix(redis, env.redisPrefix);
    } finally {
      redis.disconnect();
    }
    assert.deepEqual(
      (await notInLine(queue.id, [assigned.id, ...shared.map((i) => i.id)])).length,
      3,
      'Redis lost the line',
    );
    const report = await worker.get(Reconciler).reconcileOnce();
    assert.ok(report.enqueued >= 2, JSON.stringify(report));
    assert.deepEqual(await notInLine(queue.id, [assigned.id, ...shared.map((i) => i.id)]), [assigned.id]);

    const seen = new Set([await claimedId(other!, slug), await claimedId(other!, slug)]);
    assert.deepEqual(seen, new Set(shared.map((i) => i.id)));
    assert.equal(await claimedId(other!, slug), null, 'the other reviewer never gets the assigned item');
    assert.equal(await claimedId(mine!, slug), assigned.id);
  });

  it('an assignee removed from the queue or disabled leaves nothing stranded', async () => {
    const {
      queue,
      slug,
      key,
      reviewers: [removed, disabled, later, other],
    } = await workspace({}, 4);
    const waiting = await submit(key, slug, { assignee: removed!.id });
    const held = await submit(key, slug, { assignee: removed!.id });
    const first = await claimHttp(removed!, slug);
    const claimedFirst = first.body.item.id as string;
    const stillWaiting = claimedFirst === waiting.id ? held : waiting;
    const forDisabled = await submit(key, slug, { assignee: disabled!.id });

    // Removed from the queue: what waits for them goes back to the shared line at once, audited.
    const removal = await api.client.patch(`/api/v1/users/${removed!.id}`, { queues: [] }, { token: admin });
    assert.equal(removal.status, 200);
    const back = await getItem(stillWaiting.id);
    assert.equal(back.assigneeId, null);
    assert.deepEqual(back.history.at(-1).data, {
      assigneeId: null,
      previousAssigneeId: removed!.id,
      reason: 'assignee_may_not_review',
    });
    assert.equal(back.history.at(-1).actor.name, 'admin@test.local');
    assert.deepEqual(await notInLine(queue.id, [stillWaiting.id]), []);

    // The item they held: when the claim runs out it goes to the shared line, not back to them.
    assert.equal((await getItem(claimedFirst)).assigneeId, removed!.id, 'a live claim is not taken away');
    await db.query(`UPDATE claims SET expires_at = now() - interval '1 second' WHERE token = $1`, [
      first.body.claim.token,
    ]);
    await eventually('the lease ran out', async () => (await getItem(claimedFirst)).status === 'pending');
    const expired = await getItem(claimedFirst);
    assert.equal(expired.assigneeId, null);
    assert.deepEqual(
      expired.history.slice(-2).map((e: any) => [e.action, e.actor.type]),
      [
        ['claim.expired', 'system'],
        ['item.assigned', 'system'],
      ],
    );

    // Disabled: the same.
    await api.client.patch(`/api/v1/users/${disabled!.id}`, { disabled: true }, { token: admin });
    assert.equal((await getItem(forDisabled.id)).assigneeId, null);

    // A change no request saw (here made straight in Postgres): the reconciler takes the item back.
    const forLater = await submit(key, slug, { assignee: later!.id });
    await db.query(`DELETE FROM queue_members WHERE user_id = $1`, [later!.id]);
    // (The worker's own reconcile loop may get there first: either way the system takes it back.)
    await worker.get(Reconciler).reconcileOnce();
    const swept = await getItem(forLater.id);
    assert.equal(swept.assigneeId, null);
    assert.equal(swept.history.at(-1).actor.type, 'system');
    assert.deepEqual(await notInLine(queue.id, [forLater.id]), []);

    const taken = new Set<string | null>();
    for (let i = 0; i < 4; i++) taken.add(await claimedId(other!, slug));
    assert.deepEqual(taken, new Set([waiting.id, held.id, forDisabled.id, forLater.id]));
  });
});
