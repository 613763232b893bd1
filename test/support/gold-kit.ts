import assert from 'node:assert/strict';
import type pg from 'pg';
import type { ApiClient } from './api-client.js';
import { goldItemBody } from './factories.js';

/** Adds gold items to a queue; resolves with their template ids in order (every one must be accepted). */
export async function addGold(
  client: ApiClient,
  admin: string,
  slug: string,
  items: Record<string, unknown>[],
): Promise<string[]> {
  const res = await client.post(
    `/api/v1/queues/${slug}/gold`,
    { items: items.map(goldItemBody) },
    { token: admin },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (res.body.results as { id?: string; error?: unknown }[]).map((r) => {
    assert.ok(r.id, JSON.stringify(r));
    return r.id;
  });
}

/** The gold template an item is an instance of, or null for a real item (read where reviewers cannot). */
export async function templateOf(db: pg.Client, itemId: string): Promise<string | null> {
  const { rows } = await db.query<{ t: string | null }>(
    `SELECT gold_template_id AS t FROM items WHERE id = $1`,
    [itemId],
  );
  assert.equal(rows.length, 1, `item ${itemId} exists`);
  return rows[0]!.t;
}

/**
 * Claims until a gold item comes (giving each real one back), at most `tries` times; resolves with the gold
 * claim and the first real claim seen (taken while it was fresh, before it was given back).
 */
export async function claimUntilGold<C extends { item: { id: string } }>(
  db: pg.Client,
  claim: () => Promise<C>,
  release: (claimed: C) => Promise<void>,
  tries = 200,
  onFirstReal?: (claimed: C) => Promise<void>,
): Promise<C> {
  let seenReal = false;
  for (let n = 0; n < tries; n++) {
    const claimed = await claim();
    assert.ok(claimed.item, `claim ${n} found nothing: ${JSON.stringify(claimed)}`);
    if (await templateOf(db, claimed.item.id)) return claimed;
    if (!seenReal) {
      seenReal = true;
      await onFirstReal?.(claimed);
    }
    await release(claimed);
  }
  assert.fail(`no gold item in ${tries} claims`);
}

/** Claims until a real item comes (giving each gold one back), at most `tries` times. */
export async function claimUntilReal<C extends { item: { id: string } }>(
  db: pg.Client,
  claim: () => Promise<C>,
  release: (claimed: C) => Promise<void>,
  tries = 50,
): Promise<C> {
  for (let n = 0; n < tries; n++) {
    const claimed = await claim();
    assert.ok(claimed.item, `claim ${n} found nothing: ${JSON.stringify(claimed)}`);
    if ((await templateOf(db, claimed.item.id)) === null) return claimed;
    await release(claimed);
  }
  assert.fail(`no real item in ${tries} claims`);
}

/** The JSON type of every value, recursively (object keys sorted, arrays element by element). */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((k) => [k, shapeOf(object[k])]),
    );
  }
  return typeof value;
}
