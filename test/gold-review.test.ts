// Gold items as reviewers get them, against a real API, PostgreSQL and Redis: indistinguishable from real items
// over the socket, over HTTP and in GET /items/:id; handed out at about goldRate, only while real work waits,
// and every template before any comes back; hidden from the service whose look they borrow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { addGold, claimUntilGold, claimUntilReal, shapeOf, templateOf } from './support/gold-kit.js';
import { ReviewClient } from './support/review-client.js';
import { assertAckError, eventually, submitItems } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('gold items reach reviewers exactly like real ones', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let admin: string;
  const sockets: ReviewClient[] = [];

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  /** A queue with gold templates and a service key; its reviewer has an open socket. */
  async function goldQueue(settings: Record<string, unknown> = {}, templates = 3) {
    const queue = await newQueue(api.client, admin, { goldRate: 0.2, ...settings });
    const key = await newServiceKey(api.client, admin, [queue.slug]);
    const gold = await addGold(
      api.client,
      admin,
      queue.slug,
      Array.from({ length: templates }, (_, n) => ({
        input: { text: `gold template ${n}` },
        metadata: { channel: 'chat' },
      })),
    );
    const reviewer = await newUser(api.client, admin, ['reviewer'], [queue.slug]);
    const socket = await ReviewClient.connect(api.url, reviewer.token);
    sockets.push(socket);
    return { ...queue, key, gold, reviewer, socket };
  }

  const realBody = () => itemBody({ metadata: { channel: 'email' } });

  async function submit(slug: string, apiKey: string, count: number): Promise<string[]> {
    const res = await api.client.post(
      `/api/v1/queues/${slug}/items/batch`,
      { items: Array.from({ length: count }, realBody) },
      { apiKey },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results.map((r: { id: string }) => r.id);
  }

  const itemAs = async (id: string, token: string) => {
    const res = await api.client.get(`/api/v1/items/${id}`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it('over the socket: the same claim answer, item view and history, the same item:decided', async () => {
    const q = await goldQueue();
    await submit(q.slug, q.key.key, 30);
    const watcher = await ReviewClient.connect(api.url, q.reviewer.token);
    sockets.push(watcher);
    await watcher.call('queue:subscribe', { queue: q.slug });
    const decided: any[] = [];
    watcher.socket.on('item:decided', (event) => decided.push(event));

    let real: any;
    let realView: any;
    const claim = () => q.socket.call('claim:next', { queue: q.slug });
    const release = async (claimed: any) => {
      const released = await q.socket.call('claim:release', { token: claimed.claim.token });
      assert.deepEqual(released, { ok: true });
    };
    const gold = await claimUntilGold(db, claim, release, 200, async (claimed) => {
      real = claimed;
      realView = await itemAs(claimed.item.id, q.reviewer.token);
    });
    if (!real) {
      // The very first claim was gold: take a fresh real one to compare with (a claim may be gold again).
      real = await claimUntilReal(db, claim, release);
      realView = await itemAs(real.item.id, q.reviewer.token);
    }
    assert.deepEqual(shapeOf(gold), shapeOf(real), 'claim answers: same keys and JSON types');
    assert.deepEqual(Object.keys(gold.item), Object.keys(real.item), 'in the same order');
    assert.match(gold.item.id, UUID_V7);
    assert.match(real.item.id, UUID_V7);
    assert.match(gold.item.externalId, /^ext-[0-9a-f]{12}$/, 'an externalId shaped like the service’s');
    assert.equal(gold.item.service, q.key.service, 'submitted, as far as anyone can see, by the service');
    assert.deepEqual(gold.item.metadata, { channel: 'chat' });
    assert.equal(gold.item.status, 'claimed');
    assert.ok(
      Date.parse(gold.item.createdAt) <= Date.parse(real.item.createdAt) + 5 &&
        Date.parse(gold.item.createdAt) >= Date.parse(real.item.createdAt) - 3000,
      `created among the real items (${gold.item.createdAt} vs ${real.item.createdAt})`,
    );

    const goldView = await itemAs(gold.item.id, q.reviewer.token);
    assert.deepEqual(
      shapeOf(goldView),
      shapeOf(realView),
      'GET /items/:id: same keys and types, history too',
    );
    const summary = (view: any) => view.history.map((e: any) => [e.action, e.actor.type, e.actor.name]);
    assert.deepEqual(summary(goldView), summary(realView).slice(0, 2));
    const [received, claimed] = goldView.history;
    assert.equal(received.at, goldView.createdAt, 'received when it was created');
    assert.ok(received.seq < claimed.seq);
    assert.deepEqual(
      received.actor,
      realView.history[0].actor,
      'received from the same service as real items',
    );
    assert.deepEqual(Object.keys(received.data).sort(), Object.keys(realView.history[0].data).sort());

    // Admins see what it really is.
    const truth = await itemAs(gold.item.id, admin);
    assert.equal(truth.history[0].actor.type, 'system');
    assert.equal(truth.history[0].data.gold.templateId, await templateOf(db, gold.item.id));

    // A real item held now, to decide beside the gold one (the one compared above may have been given back).
    const live = await claimUntilReal(db, claim, release);
    const goldAck = await q.socket.call('claim:decide', { token: gold.claim.token, verdict: 'approve' });
    const realAck = await q.socket.call('claim:decide', { token: live.claim.token, verdict: 'approve' });
    assert.deepEqual(shapeOf(goldAck), shapeOf(realAck), 'decision answers alike');
    assert.equal(goldAck.itemStatus, 'approved');
    await eventually('both item:decided reach the room', () => decided.length === 2);
    assert.deepEqual(shapeOf(decided[0]), shapeOf(decided[1]));
    assert.deepEqual(
      decided.map((e) => e.itemId).sort(),
      [gold.item.id, live.item.id].sort(),
      'announced like any decision',
    );
    const stats = await watcher.call('queue:subscribe', { queue: q.slug });
    assert.deepEqual(Object.keys(stats.stats).sort(), ['claimed', 'oldestPendingAgeMs', 'pending', 'queue']);

    // The service whose look it borrowed cannot read it: to the service it does not exist.
    const byService = await api.client.get(`/api/v1/items/${gold.item.id}`, { apiKey: q.key.key });
    assert.equal(byService.status, 404);
    assert.equal((await api.client.get(`/api/v1/items/${real.item.id}`, { apiKey: q.key.key })).status, 200);
  });

  it('over HTTP: the same claim answer and item view', async () => {
    const q = await goldQueue();
    await submit(q.slug, q.key.key, 30);
    const claim = async () => {
      const res = await api.client.post(`/api/v1/queues/${q.slug}/claim`, undefined, {
        token: q.reviewer.token,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const release = async (claimed: any) => {
      const res = await api.client.post(`/api/v1/claims/${claimed.claim.token}/release`, undefined, {
        token: q.reviewer.token,
      });
      assert.equal(res.status, 200);
    };
    let real: any;
    let realView: any;
    const gold = await claimUntilGold(db, claim, release, 200, async (claimed) => {
      real = claimed;
      realView = await itemAs(claimed.item.id, q.reviewer.token);
    });
    if (!real) {
      real = await claimUntilReal(db, claim, release);
      realView = await itemAs(real.item.id, q.reviewer.token);
    }
    assert.deepEqual(shapeOf(gold), shapeOf(real));
    assert.deepEqual(shapeOf(await itemAs(gold.item.id, q.reviewer.token)), shapeOf(realView));

    // A correction of a gold item is checked and answered like any other.
    const bad = await api.client.post(
      `/api/v1/claims/${gold.claim.token}/decision`,
      { verdict: 'correct' },
      { token: q.reviewer.token },
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    const fixed = await api.client.post(
      `/api/v1/claims/${gold.claim.token}/decision`,
      { verdict: 'correct', output: { label: 'praise' } },
      { token: q.reviewer.token },
    );
    assert.equal(fixed.status, 201, JSON.stringify(fixed.body));
    assert.deepEqual(fixed.body.decision.patch, [{ op: 'replace', path: '/label', value: 'praise' }]);
  });

  it('at about goldRate, and every template before any comes back', async () => {
    const q = await goldQueue({}, 5);
    await submit(q.slug, q.key.key, 320);
    const DRAWS = 200;
    const handed: (string | null)[] = [];
    for (let n = 0; n < DRAWS; n++) {
      const claimed = await q.socket.call('claim:next', { queue: q.slug });
      assert.ok(claimed.item, JSON.stringify(claimed));
      handed.push(await templateOf(db, claimed.item.id));
      const ack = await q.socket.call('claim:decide', { token: claimed.claim.token, verdict: 'approve' });
      assert.ok(ack.decision, JSON.stringify(ack));
    }
    const golds = handed.filter((t): t is string => t !== null);
    // Binomial(200, 0.2): mean 40, sd 5.7. [16, 64] is more than 4 sd either side (fails about 1 run in 30,000).
    assert.ok(golds.length >= 16 && golds.length <= 64, `${golds.length} gold items in ${DRAWS} claims`);
    // The templates come round in turn: any five consecutive gold items are the five templates.
    for (let i = 0; i + 5 <= golds.length; i++) {
      assert.equal(
        new Set(golds.slice(i, i + 5)).size,
        5,
        `gold items ${i}..${i + 4}: ${golds.slice(i, i + 5)}`,
      );
    }
    assert.deepEqual(new Set(golds), new Set(q.gold));

    // A second reviewer starts afresh: their own first five gold items are five different templates.
    const second = await newUser(api.client, admin, ['reviewer'], [q.slug]);
    const socket = await ReviewClient.connect(api.url, second.token);
    sockets.push(socket);
    const theirs: string[] = [];
    while (theirs.length < 5) {
      const claimed = await socket.call('claim:next', { queue: q.slug });
      assert.ok(claimed.item, 'real work still waits');
      const template = await templateOf(db, claimed.item.id);
      if (template) theirs.push(template);
      await socket.call('claim:decide', { token: claimed.claim.token, verdict: 'approve' });
    }
    assert.equal(new Set(theirs).size, 5);
  });

  it('never while no real work waits, never at goldRate 0', async () => {
    const empty = await goldQueue();
    for (let n = 0; n < 40; n++) {
      const res = await api.client.post(`/api/v1/queues/${empty.slug}/claim`, undefined, {
        token: empty.reviewer.token,
      });
      assert.equal(res.status, 204, `claim ${n}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await empty.socket.call('claim:next', { queue: empty.slug }), { item: null });
    }
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM items i JOIN gold_templates t ON t.id = i.gold_template_id
        WHERE t.queue_id = $1`,
      [empty.id],
    );
    assert.equal(rows[0].n, 0, 'no gold item was made');

    const off = await goldQueue({ goldRate: 0 });
    await submit(off.slug, off.key.key, 60);
    for (let n = 0; n < 60; n++) {
      const claimed = await off.socket.call('claim:next', { queue: off.slug });
      assert.equal(await templateOf(db, claimed.item.id), null, `claim ${n} is real`);
      await off.socket.call('claim:decide', { token: claimed.claim.token, verdict: 'reject' });
    }
    assert.deepEqual(await off.socket.call('claim:next', { queue: off.slug }), { item: null });
  });

  it('a gold item given back is handed out again like any item, and the claim limit holds for gold too', async () => {
    const q = await goldQueue({}, 1);
    await submit(q.slug, q.key.key, 40);
    const gold = await claimUntilGold(
      db,
      () => q.socket.call('claim:next', { queue: q.slug }),
      async (claimed) => void (await q.socket.call('claim:release', { token: claimed.claim.token })),
    );
    await q.socket.call('claim:release', { token: gold.claim.token });
    const back = await itemAs(gold.item.id, admin);
    assert.equal(back.status, 'pending');

    // Another reviewer, never handed the template, gets that very instance (the one waiting, not a new one).
    const other = await newUser(api.client, admin, ['reviewer'], [q.slug]);
    const socket = await ReviewClient.connect(api.url, other.token);
    sockets.push(socket);
    const again = await claimUntilGold(
      db,
      () => socket.call('claim:next', { queue: q.slug }),
      async (claimed) =>
        void (await socket.call('claim:decide', { token: claimed.claim.token, verdict: 'approve' })),
    );
    assert.equal(again.item.id, gold.item.id);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM items WHERE gold_template_id = $1`, [
      q.gold[0],
    ]);
    assert.equal(rows[0].n, 1, 'one instance of the template so far');

    const held = await newUser(api.client, admin, ['reviewer'], [q.slug]);
    const full = await ReviewClient.connect(api.url, held.token);
    sockets.push(full);
    for (let n = 0; n < 10; n++) assert.ok((await full.call('claim:next', { queue: q.slug })).item);
    assertAckError(await full.call('claim:next', { queue: q.slug }), 'CONFLICT', 'the eleventh claim');
  });

  it('submissions never collide with a gold item’s borrowed externalId', async () => {
    const q = await goldQueue();
    const ids = await submitItems(api.client, q.key.key, q.slug, 20);
    assert.equal(ids.length, 20);
    const gold = await claimUntilGold(
      db,
      () => q.socket.call('claim:next', { queue: q.slug }),
      async (claimed) => void (await q.socket.call('claim:release', { token: claimed.claim.token })),
    );
    const res = await api.client.post(
      `/api/v1/queues/${q.slug}/items`,
      itemBody({ externalId: gold.item.externalId }),
      { apiKey: q.key.key },
    );
    assert.equal(res.status, 201, 'a new item, not the gold one');
    assert.notEqual(res.body.id, gold.item.id);
  });
});
