import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { io } from 'socket.io-client';
import type { ApiClient } from './api-client.js';
import { itemBody } from './factories.js';
import type { ReviewClient } from './review-client.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails after `timeoutMs`. Resolves with the time it took. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  everyMs = 50,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) assert.fail(`${what}: not true within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Submits `count` items in one batch; resolves with their ids in order. */
export async function submitItems(
  client: ApiClient,
  apiKey: string,
  slug: string,
  count: number,
  overrides: Record<string, unknown> = {},
): Promise<string[]> {
  const items = Array.from({ length: count }, () => itemBody(overrides));
  const res = await client.post(`/api/v1/queues/${slug}/items/batch`, { items }, { apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
  const results = res.body.results as { id?: string; status?: string; error?: unknown }[];
  assert.equal(results.length, count);
  for (const r of results) assert.equal(r.status, 'pending', JSON.stringify(r));
  return results.map((r) => r.id!);
}

/** Asserts a socket acknowledgement failed with `code`; returns the error. */
export function assertAckError(
  ack: any,
  code: string,
  what = '',
): { code: string; message: string; details?: { path: string; message: string }[] } {
  assert.ok(
    ack && typeof ack === 'object' && ack.error,
    `${what} expected ${code}, got ${JSON.stringify(ack)}`,
  );
  assert.equal(ack.error.code, code, `${what}: ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.error.message, 'string');
  return ack.error;
}

/** How a handshake ended: `connect` or the `connect_error` it got (the socket is closed either way). */
export function handshake(
  baseUrl: string,
  auth: Record<string, unknown> | undefined,
  timeoutMs = 5000,
): Promise<{ outcome: 'connect' } | { outcome: 'connect_error'; error: Error & { data?: any } }> {
  const socket = io(`${baseUrl}/review`, {
    ...(auth ? { auth } : {}),
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no handshake outcome within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.close();
      resolve({ outcome: 'connect' });
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      resolve({ outcome: 'connect_error', error });
    });
  });
}

/** One claim seen by a racing socket: when its ack arrived and when its decision was acknowledged. */
export interface ClaimRecord {
  socket: number;
  itemId: string;
  token: string;
  claimedAt: number;
  decidedAt: number;
}

/**
 * Each socket claims and approves as fast as it can until `claim:next` answers `{item: null}`.
 * Every failed acknowledgement fails the race.
 */
export async function raceToDrain(
  sockets: ReviewClient[],
  slug: string,
  maxClaims: number,
): Promise<ClaimRecord[]> {
  const log: ClaimRecord[] = [];
  await Promise.all(
    sockets.map(async (socket, index) => {
      for (;;) {
        assert.ok(log.length <= maxClaims, `more than ${maxClaims} claims handed out`);
        const claimed = await socket.call('claim:next', { queue: slug });
        assert.ok(!claimed.error, `socket ${index} claim:next: ${JSON.stringify(claimed)}`);
        if (claimed.item === null) return;
        const record: ClaimRecord = {
          socket: index,
          itemId: claimed.item.id,
          token: claimed.claim.token,
          claimedAt: performance.now(),
          decidedAt: Number.POSITIVE_INFINITY,
        };
        log.push(record);
        const decided = await socket.call('claim:decide', { token: record.token, verdict: 'approve' });
        assert.ok(decided.decision, `socket ${index} claim:decide: ${JSON.stringify(decided)}`);
        assert.equal(decided.decision.itemId, record.itemId);
        record.decidedAt = performance.now();
      }
    }),
  );
  return log;
}

/** Pairs of acknowledgements that handed one item to two sockets while both claims were live. */
export function overlappingGrants(log: ClaimRecord[]): [ClaimRecord, ClaimRecord][] {
  const overlaps: [ClaimRecord, ClaimRecord][] = [];
  for (let i = 0; i < log.length; i++) {
    for (let j = i + 1; j < log.length; j++) {
      const a = log[i]!;
      const b = log[j]!;
      if (a.itemId === b.itemId && a.claimedAt < b.decidedAt && b.claimedAt < a.decidedAt)
        overlaps.push([a, b]);
    }
  }
  return overlaps;
}

/**
 * The database's view of a drained race: exactly one decision per item, all approved, at most one decided
 * claim per item and no two claims of one item live at the same time.
 */
export async function assertDecidedOnce(db: pg.Client, itemIds: string[]): Promise<void> {
  const decisions = await db.query<{ item_id: string; n: number }>(
    `SELECT item_id, count(*)::int AS n FROM decisions WHERE item_id = ANY($1::uuid[]) GROUP BY item_id`,
    [itemIds],
  );
  assert.equal(decisions.rows.length, itemIds.length, 'every item has a decision');
  assert.deepEqual(
    decisions.rows.filter((r) => r.n !== 1),
    [],
    'no item was decided twice',
  );
  const total = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM decisions WHERE item_id = ANY($1::uuid[])`,
    [itemIds],
  );
  assert.equal(total.rows[0]!.n, itemIds.length);

  const statuses = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM items WHERE id = ANY($1::uuid[]) GROUP BY status`,
    [itemIds],
  );
  assert.deepEqual(statuses.rows, [{ status: 'approved', n: itemIds.length }]);

  const decidedClaims = await db.query<{ item_id: string; n: number }>(
    `SELECT item_id, count(*)::int AS n FROM claims
      WHERE item_id = ANY($1::uuid[]) AND status = 'decided' GROUP BY item_id HAVING count(*) > 1`,
    [itemIds],
  );
  assert.deepEqual(decidedClaims.rows, [], 'at most one decided claim per item');

  const overlapping = await db.query(
    `SELECT a.item_id, a.id AS a_id, b.id AS b_id
       FROM claims a JOIN claims b ON a.item_id = b.item_id AND a.id < b.id
      WHERE a.item_id = ANY($1::uuid[])
        AND tstzrange(a.claimed_at, coalesce(a.ended_at, 'infinity'), '[)')
         && tstzrange(b.claimed_at, coalesce(b.ended_at, 'infinity'), '[)')`,
    [itemIds],
  );
  assert.deepEqual(overlapping.rows, [], 'no two claims of one item overlap in time');
}
