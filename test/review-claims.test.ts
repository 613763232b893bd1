import type { INestApplicationContext } from '@nestjs/common';
import fastJsonPatch from 'fast-json-patch';
import jwt from 'jsonwebtoken';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import {
  assertAckError,
  assertDecidedOnce,
  eventually,
  handshake,
  overlappingGrants,
  raceToDrain,
  sleep,
  submitItems,
} from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const LEASE_SECONDS = 10;

/** An acknowledged event whose payload is JSON text sent as is, past the client's own serialiser. */
function rawCall(client: ReviewClient, event: string, payloadJson: string): Promise<unknown> {
  const id = 900_000 + Math.floor(Math.random() * 99_999);
  const engine = client.socket.io.engine;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for raw ${event}`)), 10_000);
    const onMessage = (data: unknown) => {
      const prefix = `3/review,${id}`;
      if (typeof data !== 'string' || !data.startsWith(prefix)) return;
      clearTimeout(timer);
      engine.off('message', onMessage);
      resolve((JSON.parse(data.slice(prefix.length)) as unknown[])[0]);
    };
    engine.on('message', onMessage);
    engine.write(`2/review,${id}[${JSON.stringify(event)},${payloadJson}]`);
  });
}

/** `levels` objects nested in one another. */
const nested = (levels: number): unknown => (levels === 0 ? 0 : { d: nested(levels - 1) });
const GRACE_MS = 500;

describe('claims: one live claim per item, decided exactly once by its holder', { concurrency: true }, () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: pg.Client;
  let admin: string;
  const sockets: ReviewClient[] = [];

  before(async () => {
    env = await createTestEnv();
    const config = env.config({
      CLAIM_DISCONNECT_GRACE_MS: String(GRACE_MS),
      LEASE_SWEEP_INTERVAL_MS: '500',
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
    await db?.end();
    await env?.cleanup();
  });

  const connect = async (token: string) => {
    const socket = await ReviewClient.connect(api.url, token);
    sockets.push(socket);
    return socket;
  };

  /** A queue with a service key and `reviewers` members. */
  async function workspace(settings: Record<string, unknown> = {}, reviewers = 1) {
    const queue = await newQueue(api.client, admin, settings);
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const people = [];
    for (let i = 0; i < reviewers; i++)
      people.push(await newUser(api.client, admin, ['reviewer'], [queue.slug]));
    return { queue, slug: queue.slug, key, reviewers: people };
  }

  const getItem = async (id: string) => {
    const res = await api.client.get(`/api/v1/items/${id}`, { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const actionsOf = async (id: string): Promise<string[]> =>
    (await getItem(id)).history.map((e: { action: string }) => e.action);
  const liveClaims = async (itemId: string) =>
    (
      await db.query<{ token: string; reviewer_id: string }>(
        `SELECT token, reviewer_id FROM claims WHERE item_id = $1 AND status = 'live'`,
        [itemId],
      )
    ).rows;
  const decisionCount = async (itemId: string) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM decisions WHERE item_id = $1`, [itemId]))
      .rows[0]!.n;

  it('10 racing sockets of two reviewers drain 30 items: each decided exactly once', async () => {
    const { slug, key, reviewers } = await workspace({}, 2);
    const itemIds = await submitItems(api.client, key, slug, 30);
    const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(reviewers[i % 2]!.token)));

    const log = await raceToDrain(racers, slug, 60);

    assert.equal(log.length, 30, 'exactly 30 claims were granted and decided');
    assert.deepEqual(
      new Set(log.map((r) => r.itemId)),
      new Set(itemIds),
      'the claims covered every item of the queue',
    );
    assert.deepEqual(overlappingGrants(log), [], 'no item was handed to two sockets while both were live');
    assert.ok(new Set(log.map((r) => r.socket)).size > 1, 'the work was spread over several sockets');
    await assertDecidedOnce(db, itemIds);
    const last = await racers[0]!.call('claim:next', { queue: slug });
    assert.deepEqual(last, { item: null });
  });

  it('an expired lease is announced to its holder, the item goes back and the late decision is refused', async () => {
    const {
      slug,
      key,
      reviewers: [holder, other],
    } = await workspace({ leaseSeconds: LEASE_SECONDS }, 2);
    const [itemId] = await submitItems(api.client, key, slug, 1);
    const a = await connect(holder!.token);
    const b = await connect(other!.token);

    const claimed = await a.call('claim:next', { queue: slug });
    const claimedAt = performance.now();
    assert.equal(claimed.item?.id, itemId, JSON.stringify(claimed));
    const { token, expiresAt } = claimed.claim;
    const leaseMs = Date.parse(expiresAt) - Date.now();
    assert.ok(
      leaseMs > (LEASE_SECONDS - 1) * 1000 && leaseMs <= LEASE_SECONDS * 1000 + 500,
      `lease ${leaseMs} ms`,
    );

    const expired = await a.next(
      'claim:expired',
      (p: any) => p.token === token,
      (LEASE_SECONDS + 5) * 1000 - (performance.now() - claimedAt),
    );
    assert.deepEqual(expired, { token, itemId });
    assert.ok(Date.now() >= Date.parse(expiresAt) - 1000, 'the lease did not expire early');

    assert.equal((await getItem(itemId!)).status, 'pending');
    const retaken = await b.call('claim:next', { queue: slug });
    assert.equal(retaken.item?.id, itemId, JSON.stringify(retaken));

    assertAckError(
      await a.call('claim:decide', { token, verdict: 'approve' }),
      'CLAIM_EXPIRED',
      'late decide',
    );
    assertAckError(await a.call('claim:heartbeat', { token }), 'CLAIM_EXPIRED', 'late heartbeat');
    assert.equal(await decisionCount(itemId!), 0);
    const actions = await actionsOf(itemId!);
    assert.ok(actions.includes('claim.expired'), JSON.stringify(actions));

    const decided = await b.call('claim:decide', { token: retaken.claim.token, verdict: 'approve' });
    assert.equal(decided.decision?.verdict, 'approve', JSON.stringify(decided));
  });

  it('heartbeats extend the lease past its first expiry', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace({ leaseSeconds: LEASE_SECONDS }, 1);
    const [itemId] = await submitItems(api.client, key, slug, 1);
    const socket = await connect(reviewer!.token);
    const expiredPushes: unknown[] = [];
    socket.socket.on('claim:expired', (p: unknown) => expiredPushes.push(p));

    const claimed = await socket.call('claim:next', { queue: slug });
    assert.equal(claimed.item?.id, itemId);
    const token: string = claimed.claim.token;
    const firstExpiry = Date.parse(claimed.claim.expiresAt);

    let lastExpiry = firstExpiry;
    // Beat every 3 s (well inside the 10 s lease) until the first expiry plus a sweep or two has passed.
    await sleep(1000);
    for (;;) {
      const beat = await socket.call('claim:heartbeat', { token });
      assert.equal(beat.claim?.token, token, JSON.stringify(beat));
      const expiry = Date.parse(beat.claim.expiresAt);
      assert.ok(expiry > lastExpiry, `heartbeat moved expiresAt from ${lastExpiry} to ${expiry}`);
      lastExpiry = expiry;
      const remaining = firstExpiry + 1500 - Date.now();
      if (remaining <= 0) break;
      await sleep(Math.min(3000, remaining));
    }
    assert.ok(lastExpiry >= firstExpiry + 1000);

    assert.deepEqual(expiredPushes, [], 'no claim:expired for a claim kept alive');
    assert.deepEqual(
      (await liveClaims(itemId!)).map((c) => c.token),
      [token],
    );
    const decided = await socket.call('claim:decide', { token, verdict: 'approve' });
    assert.equal(decided.decision?.verdict, 'approve', JSON.stringify(decided));
    assert.equal((await getItem(itemId!)).status, 'approved');
  });

  it('a released claim puts the item back at once and its token is no longer live', async () => {
    const {
      slug,
      key,
      reviewers: [first, second],
    } = await workspace({}, 2);
    const [itemId] = await submitItems(api.client, key, slug, 1);
    const a = await connect(first!.token);
    const b = await connect(second!.token);

    const claimed = await a.call('claim:next', { queue: slug });
    assert.equal(claimed.item?.id, itemId);
    const { token } = claimed.claim;
    assert.deepEqual(
      await b.call('claim:next', { queue: slug }),
      { item: null },
      'claimed items are not handed out',
    );

    assert.deepEqual(await a.call('claim:release', { token }), { ok: true });
    assert.equal((await getItem(itemId!)).status, 'pending');
    const retaken = await b.call('claim:next', { queue: slug });
    assert.equal(retaken.item?.id, itemId, JSON.stringify(retaken));
    assert.notEqual(retaken.claim.token, token);

    const actions = await actionsOf(itemId!);
    assert.ok(actions.includes('claim.released'), JSON.stringify(actions));
    assertAckError(await a.call('claim:decide', { token, verdict: 'approve' }), 'CLAIM_EXPIRED', 'decide');
    assertAckError(await a.call('claim:release', { token }), 'CLAIM_EXPIRED', 'second release');
    assert.equal(await decisionCount(itemId!), 0);
    assert.deepEqual(
      (await liveClaims(itemId!)).map((c) => c.reviewer_id),
      [second!.id],
    );
  });

  it('claims go back after the disconnect grace, unless the reviewer still has a socket open', async () => {
    const {
      slug,
      key,
      reviewers: [leaver, stayer],
    } = await workspace({}, 2);
    await submitItems(api.client, key, slug, 2);
    const only = await connect(leaver!.token);
    const closing = await connect(stayer!.token);
    const remaining = await connect(stayer!.token);

    const gone = await only.call('claim:next', { queue: slug });
    const kept = await closing.call('claim:next', { queue: slug });
    assert.ok(gone.item && kept.item, JSON.stringify({ gone, kept }));

    only.close();
    closing.close();
    const closedAt = performance.now();
    await eventually(
      'the item of a reviewer with no socket is pending again',
      async () => (await getItem(gone.item.id)).status === 'pending',
      GRACE_MS + 4000,
    );
    assert.ok(performance.now() - closedAt >= GRACE_MS - 50, 'released only after the grace period');
    assert.ok((await actionsOf(gone.item.id)).includes('claim.released'));

    // The other reviewer's grace timer ran out at the same moment; give it a little slack to act.
    await sleep(300);
    assert.equal((await getItem(kept.item.id)).status, 'claimed');
    assert.deepEqual(
      (await liveClaims(kept.item.id)).map((c) => c.token),
      [kept.claim.token],
    );
    const decided = await remaining.call('claim:decide', { token: kept.claim.token, verdict: 'reject' });
    assert.equal(decided.decision?.verdict, 'reject', JSON.stringify(decided));
  });

  it("another reviewer's token is NOT_CLAIM_HOLDER and leaves the claim with its holder", async () => {
    const {
      slug,
      key,
      reviewers: [holder, intruder],
    } = await workspace({}, 2);
    const [itemId] = await submitItems(api.client, key, slug, 1);
    const a = await connect(holder!.token);
    const b = await connect(intruder!.token);
    const claimed = await a.call('claim:next', { queue: slug });
    const { token } = claimed.claim;

    assertAckError(await b.call('claim:decide', { token, verdict: 'reject' }), 'NOT_CLAIM_HOLDER', 'decide');
    assertAckError(await b.call('claim:heartbeat', { token }), 'NOT_CLAIM_HOLDER', 'heartbeat');
    assertAckError(await b.call('claim:release', { token }), 'NOT_CLAIM_HOLDER', 'release');
    assertAckError(
      await b.call('claim:escalate', { token, comment: 'mine now' }),
      'NOT_CLAIM_HOLDER',
      'escalate',
    );
    const overHttp = await api.client.post(
      `/api/v1/claims/${token}/decision`,
      { verdict: 'reject' },
      { token: intruder!.token },
    );
    assert.equal(overHttp.status, 403);
    assert.equal(overHttp.body.code, 'NOT_CLAIM_HOLDER');

    assert.equal((await getItem(itemId!)).status, 'claimed');
    assert.deepEqual(await liveClaims(itemId!), [{ token, reviewer_id: holder!.id }]);
    assert.equal(await decisionCount(itemId!), 0);
    const decided = await a.call('claim:decide', { token, verdict: 'approve' });
    assert.equal(decided.decision?.reviewerId, holder!.id, JSON.stringify(decided));
  });

  it('a replayed decision is the same decision; a different one is ALREADY_DECIDED (socket and HTTP)', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace({}, 1);
    const [overSocket, overHttp, concurrent] = await submitItems(api.client, key, slug, 3);
    const socket = await connect(reviewer!.token);

    const first = await socket.call('claim:next', { queue: slug });
    assert.equal(first.item?.id, overSocket);
    const payload = {
      token: first.claim.token,
      verdict: 'correct',
      output: { label: 'praise' },
      comment: 'tone is positive',
    };
    const once = await socket.call('claim:decide', payload);
    assert.ok(once.decision?.id, JSON.stringify(once));
    const twice = await socket.call('claim:decide', payload);
    assert.deepEqual(twice, once);
    assert.equal(await decisionCount(overSocket!), 1);
    assertAckError(
      await socket.call('claim:decide', { token: first.claim.token, verdict: 'approve' }),
      'ALREADY_DECIDED',
    );
    assertAckError(
      await socket.call('claim:decide', { ...payload, comment: 'another comment' }),
      'ALREADY_DECIDED',
    );
    assert.equal(await decisionCount(overSocket!), 1);
    assert.equal((await getItem(overSocket!)).status, 'corrected');

    const claim = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, {
      token: reviewer!.token,
    });
    assert.equal(claim.status, 200, JSON.stringify(claim.body));
    assert.equal(claim.body.item.id, overHttp);
    const path = `/api/v1/claims/${claim.body.claim.token}/decision`;
    const body = { verdict: 'reject', comment: 'not a complaint at all' };
    const created = await api.client.post(path, body, { token: reviewer!.token });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.decision.verdict, 'reject');
    assert.equal(created.body.decision.output, null);
    assert.equal(created.body.decision.patch, null);
    const replayed = await api.client.post(path, body, { token: reviewer!.token });
    assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
    assert.deepEqual(replayed.body, created.body);
    const conflicting = await api.client.post(path, { verdict: 'approve' }, { token: reviewer!.token });
    assert.equal(conflicting.status, 409, JSON.stringify(conflicting.body));
    assert.equal(conflicting.body.code, 'ALREADY_DECIDED');
    assert.equal(await decisionCount(overHttp!), 1);

    const third = await socket.call('claim:next', { queue: slug });
    assert.equal(third.item?.id, concurrent);
    const same = { token: third.claim.token, verdict: 'approve' };
    const [x, y] = await Promise.all([socket.call('claim:decide', same), socket.call('claim:decide', same)]);
    assert.ok(x.decision?.id, JSON.stringify(x));
    assert.deepEqual(y, x, 'two identical decisions at once are one decision');
    assert.equal(await decisionCount(concurrent!), 1);
  });

  it('a correction is validated against the queue outputSchema; a valid one records an RFC 6902 patch', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace(
      {
        outputSchema: {
          type: 'object',
          required: ['label'],
          additionalProperties: false,
          properties: {
            label: { type: 'string', enum: ['complaint', 'praise', 'question'] },
            tags: { type: 'array', items: { type: 'string' } },
          },
        },
      },
      1,
    );
    const [itemId] = await submitItems(api.client, key, slug, 1);
    const socket = await connect(reviewer!.token);
    const claimed = await socket.call('claim:next', { queue: slug });
    const { token } = claimed.claim;
    const aiOutput = claimed.item.output;
    assert.deepEqual(aiOutput, { label: 'complaint' });

    for (const output of [{ label: 42 }, { label: 'praise', extra: true }, { tags: ['x'] }, 'praise']) {
      const error = assertAckError(
        await socket.call('claim:decide', { token, verdict: 'correct', output }),
        'VALIDATION_FAILED',
        JSON.stringify(output),
      );
      assert.ok(Array.isArray(error.details) && error.details.length > 0, JSON.stringify(error));
      for (const d of error.details) assert.ok(typeof d.path === 'string' && typeof d.message === 'string');
    }
    const missing = assertAckError(
      await socket.call('claim:decide', { token, verdict: 'correct' }),
      'VALIDATION_FAILED',
      'no output',
    );
    assert.ok(
      missing.details?.some((d) => d.path === 'output'),
      JSON.stringify(missing),
    );
    assert.equal(await decisionCount(itemId!), 0, 'refused corrections store nothing');
    assert.equal((await liveClaims(itemId!)).length, 1, 'and leave the claim live');

    const corrected = { label: 'praise', tags: ['delivery', 'refund'] };
    const res = await socket.call('claim:decide', { token, verdict: 'correct', output: corrected });
    assert.ok(res.decision, JSON.stringify(res));
    assert.equal(res.decision.verdict, 'correct');
    assert.deepEqual(res.decision.output, corrected);
    const patch = res.decision.patch as { op: string; path: string; value?: unknown }[];
    const byPath = [...patch].sort((p, q) => p.path.localeCompare(q.path));
    assert.deepEqual(byPath, [
      { op: 'replace', path: '/label', value: 'praise' },
      { op: 'add', path: '/tags', value: ['delivery', 'refund'] },
    ]);
    const applied = fastJsonPatch.applyPatch(structuredClone(aiOutput), patch as never, true, false);
    assert.deepEqual(applied.newDocument, corrected, 'the patch turns the AI output into the final output');
    const stored = await getItem(itemId!);
    assert.equal(stored.status, 'corrected');
    assert.deepEqual(stored.decision.patch, patch);
  });

  it('membership, role and payloads are checked on every socket event', async () => {
    const {
      slug: slugA,
      key: keyA,
      reviewers: [memberOfA],
    } = await workspace({}, 1);
    const {
      slug: slugB,
      key: keyB,
      reviewers: [reviewerB],
    } = await workspace({}, 1);
    const [itemA] = await submitItems(api.client, keyA, slugA, 1);
    await submitItems(api.client, keyB, slugB, 1);
    const auditor = await newUser(api.client, admin, ['auditor']);
    const b = await connect(reviewerB!.token);
    const watcher = await connect(auditor.token);

    assertAckError(await b.call('claim:next', { queue: slugA }), 'FORBIDDEN', 'claim other queue');
    assertAckError(await b.call('queue:subscribe', { queue: slugA }), 'FORBIDDEN', 'subscribe other queue');
    assertAckError(await b.call('claim:next', { queue: 'no-such-queue' }), 'NOT_FOUND', 'claim unknown');
    assertAckError(
      await b.call('queue:subscribe', { queue: 'no-such-queue' }),
      'NOT_FOUND',
      'subscribe unknown',
    );
    assertAckError(await watcher.call('claim:next', { queue: slugA }), 'FORBIDDEN', 'auditor claims');
    assert.equal((await getItem(itemA!)).status, 'pending', 'refused claims take nothing');
    assert.equal((await watcher.call('queue:subscribe', { queue: slugA })).stats?.pending, 1);

    const own = await b.call('claim:next', { queue: slugB });
    assert.ok(own.claim?.token, JSON.stringify(own));
    const a = await connect(memberOfA!.token);
    assertAckError(
      await a.call('claim:decide', { token: own.claim.token, verdict: 'approve' }),
      'FORBIDDEN',
      "decide on another queue's claim",
    );

    const invalid: [string, unknown][] = [
      ['claim:next', {}],
      ['claim:next', { queue: slugB, extra: 1 }],
      ['claim:next', { queue: 'Not A Slug!' }],
      ['claim:next', 'just a string'],
      ['queue:subscribe', {}],
      ['claim:heartbeat', { token: 'short' }],
      ['claim:heartbeat', {}],
      ['claim:release', { token: own.claim.token, extra: true }],
      ['claim:decide', { token: 'too-short', verdict: 'approve' }],
      ['claim:decide', { token: own.claim.token, verdict: 'maybe' }],
      ['claim:decide', { token: own.claim.token, verdict: 'approve', extra: true }],
      ['claim:decide', { token: own.claim.token, verdict: 'approve', comment: 'x'.repeat(10_001) }],
      ['claim:escalate', { token: 'short', comment: 'why' }],
      // The contract's JSON limits hold for socket messages as for HTTP bodies: the payload is 33 deep here.
      ['claim:decide', { token: own.claim.token, verdict: 'correct', output: nested(32) }],
      [
        'claim:decide',
        { token: own.claim.token, verdict: 'correct', output: JSON.parse('{"__proto__":{"a":1}}') },
      ],
      ['claim:decide', { token: own.claim.token, verdict: 'correct', output: { s: 'x'.repeat(262_145) } }],
      // Text Postgres cannot store: a NUL, an unpaired surrogate (socket.io sends both as JSON escapes).
      ['claim:decide', { token: own.claim.token, verdict: 'correct', output: { s: 'a\u0000' } }],
      ['claim:decide', { token: own.claim.token, verdict: 'approve', comment: 'half \ud83d' }],
      ['claim:escalate', { token: own.claim.token, comment: '\udc00 alone' }],
    ];
    for (const [event, payload] of invalid) {
      const error = assertAckError(
        await b.call(event, payload),
        'VALIDATION_FAILED',
        `${event} ${JSON.stringify(payload)}`,
      );
      assert.ok(Array.isArray(error.details) && error.details.length > 0, JSON.stringify(error));
    }
    // 10,000 levels, sent as raw text (a client's own JSON.stringify cannot write it): refused, not a crash.
    const deepText = `{"token":"${own.claim.token}","verdict":"correct","output":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    assertAckError(await rawCall(b, 'claim:decide', deepText), 'VALIDATION_FAILED', '10,000 levels deep');
    assert.equal((await liveClaims(own.item.id)).length, 1, 'invalid payloads change nothing');
    assert.equal(await decisionCount(own.item.id), 0);
    // Over the body limit (1 MB) but within what is read: refused, and the socket stays connected.
    const big = { parts: Array.from({ length: 5 }, () => 'x'.repeat(250_000)) };
    assertAckError(
      await b.call('claim:decide', { token: own.claim.token, verdict: 'correct', output: big }),
      'PAYLOAD_TOO_LARGE',
      'a 1.25 MB message',
    );
    assert.ok(b.socket.connected, 'the socket stays connected');
    const deepest = await b.call('claim:decide', {
      token: own.claim.token,
      verdict: 'correct',
      output: nested(31),
    });
    assert.deepEqual(deepest.decision?.output, nested(31), 'a payload exactly 32 deep is accepted');
  });

  it('a bad handshake token never connects', async () => {
    const {
      reviewers: [reviewer],
    } = await workspace({}, 1);
    const secret = env.config().JWT_SECRET;
    const cases: [string, Record<string, unknown> | undefined][] = [
      ['no auth at all', undefined],
      ['no token', {}],
      ['garbage', { token: 'not-a-token' }],
      ['a number', { token: 12345 }],
      [
        'wrong secret',
        {
          token: jwt.sign({}, 'another-secret-another-secret-00', {
            algorithm: 'HS256',
            subject: reviewer!.id,
            issuer: 'arbiter',
            expiresIn: 600,
          }),
        },
      ],
      [
        'expired',
        {
          token: jwt.sign({ exp: Math.floor(Date.now() / 1000) - 60 }, secret, {
            algorithm: 'HS256',
            subject: reviewer!.id,
            issuer: 'arbiter',
          }),
        },
      ],
      [
        'without an expiry',
        { token: jwt.sign({}, secret, { algorithm: 'HS256', subject: reviewer!.id, issuer: 'arbiter' }) },
      ],
      [
        'alg none',
        {
          token: jwt.sign({}, '', {
            algorithm: 'none',
            subject: reviewer!.id,
            issuer: 'arbiter',
            expiresIn: 600,
          }),
        },
      ],
    ];
    for (const [name, auth] of cases) {
      const result = await handshake(api.url, auth);
      assert.equal(result.outcome, 'connect_error', `${name}: ${JSON.stringify(result)}`);
      if (result.outcome === 'connect_error')
        assert.equal(result.error.data?.code, 'UNAUTHENTICATED', `${name}: ${result.error.message}`);
    }
    const control = await handshake(api.url, { token: reviewer!.token });
    assert.equal(control.outcome, 'connect', 'a valid token connects');
  });

  it('escalation moves the item to the escalation queue, or to `escalated` without one', async () => {
    const target = await newQueue(api.client, admin);
    const specialist = await newUser(api.client, admin, ['reviewer'], [target.slug]);
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace({ escalateTo: target.slug }, 1);
    const [itemId] = await submitItems(api.client, key, slug, 1);
    const socket = await connect(reviewer!.token);
    const claimed = await socket.call('claim:next', { queue: slug });
    const { token } = claimed.claim;

    assertAckError(await socket.call('claim:escalate', { token }), 'VALIDATION_FAILED', 'no comment');
    assertAckError(await socket.call('claim:escalate', { token, comment: '' }), 'VALIDATION_FAILED', 'empty');
    assert.equal((await getItem(itemId!)).status, 'claimed', 'a refused escalation changes nothing');

    assert.deepEqual(await socket.call('claim:escalate', { token, comment: 'needs a specialist' }), {
      ok: true,
    });
    const moved = await getItem(itemId!);
    assert.equal(moved.queue, target.slug);
    assert.equal(moved.status, 'pending');
    assert.ok(moved.history.some((e: { action: string }) => e.action === 'item.escalated'));
    assertAckError(
      await socket.call('claim:decide', { token, verdict: 'approve' }),
      'CLAIM_EXPIRED',
      'old token',
    );
    assert.deepEqual(await socket.call('claim:next', { queue: slug }), { item: null });

    const expert = await connect(specialist.token);
    const retaken = await expert.call('claim:next', { queue: target.slug });
    assert.equal(retaken.item?.id, itemId, JSON.stringify(retaken));
    const decided = await expert.call('claim:decide', { token: retaken.claim.token, verdict: 'approve' });
    assert.equal(decided.decision?.verdict, 'approve', JSON.stringify(decided));

    const plain = await workspace({}, 1);
    const [stuck] = await submitItems(api.client, plain.key, plain.slug, 1);
    const plainSocket = await connect(plain.reviewers[0]!.token);
    const plainClaim = await plainSocket.call('claim:next', { queue: plain.slug });
    assert.deepEqual(
      await plainSocket.call('claim:escalate', { token: plainClaim.claim.token, comment: 'admin please' }),
      { ok: true },
    );
    const waiting = await getItem(stuck!);
    assert.equal(waiting.status, 'escalated');
    assert.equal(waiting.queue, plain.slug);
    assert.deepEqual(await plainSocket.call('claim:next', { queue: plain.slug }), { item: null });
  });

  it('a reviewer holds at most 10 live claims', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace({}, 1);
    const itemIds = await submitItems(api.client, key, slug, 11);
    const socket = await connect(reviewer!.token);
    const held: { item: { id: string }; claim: { token: string } }[] = [];
    for (let i = 0; i < 10; i++) {
      const claimed = await socket.call('claim:next', { queue: slug });
      assert.ok(claimed.claim, `claim ${i + 1}: ${JSON.stringify(claimed)}`);
      held.push(claimed);
    }
    assert.equal(new Set(held.map((c) => c.item.id)).size, 10);

    const eleventh = await socket.call('claim:next', { queue: slug });
    assert.ok(eleventh.error, `the 11th claim is refused: ${JSON.stringify(eleventh)}`);
    assert.equal(eleventh.error.code, 'CONFLICT');
    assert.equal(eleventh.item, undefined);
    const counts = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM items WHERE id = ANY($1::uuid[]) GROUP BY status ORDER BY status`,
      [itemIds],
    );
    assert.deepEqual(counts.rows, [
      { status: 'claimed', n: 10 },
      { status: 'pending', n: 1 },
    ]);

    assert.deepEqual(await socket.call('claim:release', { token: held[0]!.claim.token }), { ok: true });
    const again = await socket.call('claim:next', { queue: slug });
    assert.ok(again.claim, `after a release the reviewer may claim again: ${JSON.stringify(again)}`);
  });

  it('concurrent claim:next calls never take a reviewer past 10 live claims', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace({}, 1);
    await submitItems(api.client, key, slug, 20);
    const tabs = await Promise.all(Array.from({ length: 4 }, () => connect(reviewer!.token)));
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => tabs[i % tabs.length]!.call('claim:next', { queue: slug })),
    );
    const granted = acks.filter((a) => a.claim).length;
    const live = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM claims WHERE reviewer_id = $1 AND status = 'live'`,
      [reviewer!.id],
    );
    assert.equal(granted, 10, `${granted} claims granted at once`);
    assert.equal(live.rows[0]!.n, 10, `${live.rows[0]!.n} live claims in the database`);
    assert.equal(acks.filter((a) => a.error).length, 20 - granted);
    assert.ok(
      acks.every((a) => !a.error || a.error.code === 'CONFLICT'),
      JSON.stringify(acks.filter((a) => a.error)),
    );
  });

  it('the HTTP mirrors answer like the acknowledgements', async () => {
    const target = await newQueue(api.client, admin);
    const {
      slug,
      key,
      reviewers: [reviewer],
    } = await workspace({ escalateTo: target.slug }, 1);
    const as = { token: reviewer!.token };

    const empty = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, as);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, '');

    const [itemId] = await submitItems(api.client, key, slug, 1);
    const claimed = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, as);
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    assert.equal(claimed.body.item.id, itemId);
    assert.equal(typeof claimed.body.claim.token, 'string');
    assert.ok(Date.parse(claimed.body.claim.expiresAt) > Date.now());
    const token: string = claimed.body.claim.token;

    await sleep(20);
    const beat = await api.client.post(`/api/v1/claims/${token}/heartbeat`, undefined, as);
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.equal(beat.body.claim.token, token);
    assert.ok(Date.parse(beat.body.claim.expiresAt) > Date.parse(claimed.body.claim.expiresAt));

    const released = await api.client.post(`/api/v1/claims/${token}/release`, undefined, as);
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.deepEqual(released.body, { ok: true });
    assert.equal((await getItem(itemId!)).status, 'pending');
    const gone = await api.client.post(`/api/v1/claims/${token}/heartbeat`, undefined, as);
    assert.equal(gone.status, 409);
    assert.equal(gone.body.code, 'CLAIM_EXPIRED');

    const again = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, as);
    assert.equal(again.status, 200);
    const path = `/api/v1/claims/${again.body.claim.token}/escalate`;
    const noComment = await api.client.post(path, {}, as);
    assert.equal(noComment.status, 400);
    assert.equal(noComment.body.code, 'VALIDATION_FAILED');
    const escalated = await api.client.post(path, { comment: 'over to the specialists' }, as);
    assert.equal(escalated.status, 200, JSON.stringify(escalated.body));
    assert.deepEqual(escalated.body, { ok: true });
    assert.equal((await getItem(itemId!)).queue, target.slug);
    assert.equal((await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, as)).status, 204);

    const notMine = await api.client.post(`/api/v1/queues/${target.slug}/claim`, undefined, as);
    assert.equal(notMine.status, 403);
    assert.equal(notMine.body.code, 'FORBIDDEN');
  });

  it('removing a reviewer from a queue stops their open socket at once', async () => {
    const {
      slug,
      key,
      reviewers: [reviewer, colleague],
    } = await workspace({}, 2);
    const [itemId, otherId] = await submitItems(api.client, key, slug, 2);
    const socket = await connect(reviewer!.token);
    assert.equal((await socket.call('queue:subscribe', { queue: slug })).stats?.pending, 2);
    const claimed = await socket.call('claim:next', { queue: slug });
    assert.equal(claimed.item?.id, itemId);
    const { token } = claimed.claim;
    const leaked: unknown[] = [];
    socket.socket.on('item:decided', (e: unknown) => leaked.push(e));

    const patched = await api.client.patch(`/api/v1/users/${reviewer!.id}`, { queues: [] }, { token: admin });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.queues, []);

    assertAckError(await socket.call('claim:decide', { token, verdict: 'approve' }), 'FORBIDDEN', 'decide');
    assertAckError(await socket.call('claim:heartbeat', { token }), 'FORBIDDEN', 'heartbeat');
    assertAckError(await socket.call('claim:release', { token }), 'FORBIDDEN', 'release');
    assertAckError(await socket.call('claim:next', { queue: slug }), 'FORBIDDEN', 'claim:next');
    const overHttp = await api.client.post(
      `/api/v1/claims/${token}/decision`,
      { verdict: 'approve' },
      { token: reviewer!.token },
    );
    assert.equal(overHttp.status, 403);
    assert.equal(overHttp.body.code, 'FORBIDDEN');
    assert.equal(await decisionCount(itemId!), 0);
    assert.notEqual((await getItem(itemId!)).status, 'approved');

    // The removed reviewer's socket no longer hears the queue; a member's socket does.
    const member = await connect(colleague!.token);
    await member.call('queue:subscribe', { queue: slug });
    const heard = member.next('item:decided', (e: any) => e.itemId === otherId, 5000);
    const next = await member.call('claim:next', { queue: slug });
    assert.equal(next.item?.id, otherId);
    await member.call('claim:decide', { token: next.claim.token, verdict: 'approve' });
    await heard;
    await sleep(100);
    assert.deepEqual(leaked, [], 'no item:decided reaches a socket removed from the queue');
  });
});
