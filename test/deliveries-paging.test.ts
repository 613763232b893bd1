import { encodeDeliveryCursor } from '@arbiter/delivery';
import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

interface Page {
  deliveries: { id: string; status: string; queue: string; itemId: string; createdAt: string }[];
  next: string | null;
  total: number;
}

type Filter = Record<string, string>;

describe('GET /api/v1/deliveries pages with a cursor and counts what matches', () => {
  let env: TestEnv;
  let receiver: WebhookReceiver;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: pg.Client;
  let admin: string;
  /** Seven deliveries: four delivered, three dead; the first four from one batch (one created_at). */
  let a: { slug: string; id: string; key: string };
  /** Two delivered deliveries, newer than all of a's. */
  let b: { slug: string; id: string; key: string };

  before(async () => {
    env = await createTestEnv();
    receiver = await WebhookReceiver.start();
    receiver.respond('/gone', () => ({ status: 410 }));
    const config = env.config({
      WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_RETRY_SCHEDULE: '200ms',
      WEBHOOK_TIMEOUT_MS: '3000',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);

    a = await workspace();
    const confident = (path: string) => itemBody({ confidence: 0.97, callbackUrl: receiver.url(path) });
    const batch = await api.client.post(
      `/api/v1/queues/${a.slug}/items/batch`,
      { items: [confident('/ok'), confident('/gone'), confident('/ok'), confident('/gone')] },
      { apiKey: a.key },
    );
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.ok(
      batch.body.results.every((r: any) => r.status === 'auto_approved'),
      JSON.stringify(batch.body),
    );
    for (const path of ['/ok', '/gone', '/ok']) await submit(a, confident(path));
    b = await workspace();
    for (const path of ['/ok', '/ok']) await submit(b, confident(path));
    await settled();
  });

  after(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.close();
    await db?.end();
    await env?.cleanup();
  });

  async function workspace() {
    const queue = await newQueue(api.client, admin, { autoApproveAbove: 0.9 });
    const key = await newServiceKey(api.client, admin, [queue.slug]);
    return { slug: queue.slug, id: queue.id, key: key.key };
  }

  async function submit(queue: { slug: string; key: string }, body: Record<string, unknown>) {
    const res = await api.client.post(`/api/v1/queues/${queue.slug}/items`, body, { apiKey: queue.key });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'auto_approved');
  }

  /** Every delivery has been sent: delivered, or dead at once (410 Gone). */
  async function settled() {
    await eventually('every delivery settled', async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending'`);
      return rows[0].n === 0;
    });
  }

  async function list(filter: Filter): Promise<Page> {
    const res = await api.client.get(`/api/v1/deliveries?${new URLSearchParams(filter).toString()}`, {
      token: admin,
    });
    assert.equal(res.status, 200, `${JSON.stringify(filter)}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Follows `next` from the first page to the last, with the same filter every time. */
  async function pages(filter: Filter): Promise<Page[]> {
    const read: Page[] = [await list(filter)];
    while (read.at(-1)!.next !== null) {
      assert.ok(read.length < 50, 'the pages end');
      read.push(await list({ ...filter, cursor: read.at(-1)!.next! }));
    }
    return read;
  }

  const ids = (read: Page[]) => read.flatMap((page) => page.deliveries.map((d) => d.id));

  /** The ids the filter matches now, in the order pages must follow: created_at, then id, newest first. */
  async function expected(where: { status?: string; queueId?: string; after?: string } = {}) {
    const { rows } = await db.query<{ id: string }>(
      `SELECT d.id FROM deliveries d
        WHERE ($1::text IS NULL OR d.status = $1) AND ($2::uuid IS NULL OR d.queue_id = $2)
          AND ($3::uuid IS NULL OR (d.created_at, d.id) < (SELECT created_at, id FROM deliveries WHERE id = $3))
        ORDER BY d.created_at DESC, d.id DESC`,
      [where.status ?? null, where.queueId ?? null, where.after ?? null],
    );
    return rows.map((r) => r.id);
  }

  it('pages of 3 come 3, 3, 1, newest first, each delivery once, every page telling the total', async () => {
    const read = await pages({ queue: a.slug, limit: '3' });
    assert.deepEqual(
      read.map((page) => page.deliveries.length),
      [3, 3, 1],
    );
    assert.deepEqual(
      read.map((page) => page.total),
      [7, 7, 7],
    );
    assert.equal(read[2]!.next, null);
    for (const page of read.slice(0, 2)) assert.match(page.next!, /^[A-Za-z0-9_-]+$/);
    const all = ids(read);
    assert.equal(new Set(all).size, 7, 'no delivery twice');
    assert.deepEqual(all, await expected({ queueId: a.id }));
    assert.deepEqual(all, ids([await list({ queue: a.slug })]), 'the same order as one long page');
    const { rows } = await db.query(
      `SELECT count(DISTINCT created_at)::int AS n FROM deliveries WHERE queue_id = $1`,
      [a.id],
    );
    assert.ok(rows[0].n <= 4, 'the batch shares one created_at: ties are ordered by id');

    // Without a filter: nine in pages of 3, and the third is the last (no empty page after it).
    const unfiltered = await pages({ limit: '3' });
    assert.deepEqual(
      unfiltered.map((page) => [page.deliveries.length, page.total]),
      [
        [3, 9],
        [3, 9],
        [3, 9],
      ],
    );
    assert.deepEqual(ids(unfiltered), await expected());
    // The first page as before, with the new fields: every delivery matches the default limit of 100.
    const whole = await list({});
    assert.equal(whole.deliveries.length, 9);
    assert.equal(whole.next, null);
    assert.equal(whole.total, 9);
    assert.deepEqual(Object.keys(whole).sort(), ['deliveries', 'next', 'total']);
  });

  it('filters go on with the cursor, each page counting what the filters match', async () => {
    const cases: [Filter, { status?: string; queueId?: string }, number[]][] = [
      [{ status: 'dead', limit: '2' }, { status: 'dead' }, [2, 1]],
      [{ status: 'delivered', queue: a.slug, limit: '3' }, { status: 'delivered', queueId: a.id }, [3, 1]],
      [{ status: 'delivered', limit: '5' }, { status: 'delivered' }, [5, 1]],
      [{ status: 'delivered', queue: b.slug, limit: '2' }, { status: 'delivered', queueId: b.id }, [2]],
      [{ status: 'pending', limit: '2' }, { status: 'pending' }, [0]],
    ];
    for (const [filter, where, sizes] of cases) {
      const read = await pages(filter);
      const want = await expected(where);
      const name = JSON.stringify(filter);
      assert.deepEqual(
        read.map((page) => page.deliveries.length),
        sizes,
        name,
      );
      assert.ok(
        read.every((page) => page.total === want.length),
        name,
      );
      assert.deepEqual(ids(read), want, name);
      for (const page of read) {
        for (const d of page.deliveries) {
          if (filter['status']) assert.equal(d.status, filter['status'], name);
          if (filter['queue']) assert.equal(d.queue, filter['queue'], name);
        }
      }
    }
  });

  it('a cursor marks a position in the newest-first order: under other filters it goes on from there', async () => {
    // b's newest delivery, as the cursor of a page of one; a's deliveries are all older than it.
    const [first] = await pages({ queue: b.slug, limit: '1' });
    const named = first!.deliveries[0]!.id;
    const elsewhere = await list({ queue: a.slug, cursor: first!.next! });
    assert.deepEqual(
      elsewhere.deliveries.map((d) => d.id),
      await expected({ queueId: a.id, after: named }),
    );
    assert.equal(elsewhere.deliveries.length, 7);
    assert.equal(elsewhere.total, 7);
    assert.equal(elsewhere.next, null);
    // From the middle of a's pages, the dead ones after that position.
    const [, second] = await pages({ queue: a.slug, limit: '3' });
    const middle = second!.deliveries.at(-1)!.id;
    const dead = await list({ status: 'dead', cursor: second!.next! });
    assert.deepEqual(
      dead.deliveries.map((d) => d.id),
      await expected({ status: 'dead', after: middle }),
    );
    assert.equal(dead.total, 3);
  });

  it('deliveries created in one millisecond page by their microseconds', async () => {
    const c = await workspace();
    const batch = await api.client.post(
      `/api/v1/queues/${c.slug}/items/batch`,
      {
        items: Array.from({ length: 5 }, () =>
          itemBody({ confidence: 0.97, callbackUrl: receiver.url('/ok') }),
        ),
      },
      { apiKey: c.key },
    );
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    await settled();
    // As under load: five rows within one millisecond, two of them at the same microsecond.
    await db.query(
      `UPDATE deliveries d SET created_at = '2026-01-05T10:00:00.000Z'::timestamptz + s.us * interval '1 microsecond'
         FROM (SELECT id, (ARRAY[100, 350, 350, 600, 999])[row_number() OVER (ORDER BY id)] AS us
                 FROM deliveries WHERE queue_id = $1) s
        WHERE d.id = s.id`,
      [c.id],
    );
    const read = await pages({ queue: c.slug, limit: '1' });
    assert.deepEqual(
      read.map((page) => page.deliveries.length),
      [1, 1, 1, 1, 1],
    );
    assert.deepEqual(ids(read), await expected({ queueId: c.id }));
    assert.ok(read.every((page) => page.deliveries[0]!.createdAt === '2026-01-05T10:00:00.000Z'));
    const twos = await pages({ queue: c.slug, limit: '2' });
    assert.deepEqual(ids(twos), ids(read));
  });

  it('deliveries changing status between pages neither repeat nor hide another', async () => {
    // From now on the receiver that was gone answers: a replayed dead delivery becomes delivered.
    receiver.respond('/gone', () => ({ status: 204 }));
    try {
      const before = await expected();
      const first = await list({ limit: '3' });
      const later = await expected({ status: 'dead', after: first.deliveries.at(-1)!.id });
      assert.ok(later.length > 0, 'a dead delivery on a later page');
      await replayAndDeliver(later[0]!);
      const rest = await pages({ limit: '3', cursor: first.next! });
      const all = ids([first, ...rest]);
      assert.equal(new Set(all).size, all.length, 'no delivery twice');
      assert.deepEqual(all, before, 'none left out, in the same order');
      assert.ok(rest.every((page) => page.total === before.length));

      // Dead ones one at a time: the cursor names the delivery just read, which is replayed (and delivered)
      // before the next page is asked for. Its position still holds, and it no longer counts.
      const dead = await expected({ status: 'dead' });
      assert.ok(dead.length >= 2, JSON.stringify(dead));
      const one = await list({ status: 'dead', limit: '1' });
      assert.deepEqual(
        one.deliveries.map((d) => d.id),
        [dead[0]],
      );
      assert.equal(one.total, dead.length);
      await replayAndDeliver(dead[0]!);
      const next = await list({ status: 'dead', limit: '1', cursor: one.next! });
      assert.deepEqual(
        next.deliveries.map((d) => d.id),
        [dead[1]],
      );
      assert.equal(next.total, dead.length - 1);
    } finally {
      receiver.respond('/gone', () => ({ status: 410 }));
    }
  });

  async function replayAndDeliver(id: string) {
    const res = await api.client.post(`/api/v1/deliveries/${id}/replay`, undefined, { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await eventually(`${id} delivered`, async () => {
      const { rows } = await db.query(`SELECT status FROM deliveries WHERE id = $1`, [id]);
      return rows[0].status === 'delivered';
    });
  }

  it('a malformed cursor, or one naming no delivery, is refused: 400 VALIDATION_FAILED at cursor', async () => {
    const [real] = await expected();
    const itemId = (await list({ limit: '1' })).deliveries[0]!.itemId;
    const good = (await list({ limit: '1' })).next!;
    for (const query of [
      'cursor=',
      'cursor=x',
      'cursor=%21%21%21',
      `cursor=${real}`,
      `cursor=${good}%3D`,
      `cursor=${good.slice(0, -2)}`,
      `cursor=${encodeDeliveryCursor(randomUUID())}`,
      `cursor=${encodeDeliveryCursor(itemId)}`,
      `cursor=${good}&cursor=${good}`,
      `status=dead&cursor=${encodeDeliveryCursor(randomUUID())}`,
    ]) {
      const res = await api.client.get(`/api/v1/deliveries?${query}`, { token: admin });
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED', query);
      assert.deepEqual(
        res.body.details.map((d: any) => d.path),
        ['cursor'],
        query,
      );
    }
    const ok = await list({ cursor: good });
    assert.ok(ok.deliveries.length > 0);
  });
});
