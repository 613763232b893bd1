import assert from 'node:assert/strict';
import type { ApiClient } from './api-client.js';
import { itemBody } from './factories.js';

export interface ReviewTarget {
  client: ApiClient;
  key: string;
  slug: string;
  reviewerToken: string;
  model: { name: string; version: string };
}

/**
 * Submits `count` items of the model and has the reviewer decide each over HTTP, one at a time: `override(i)`
 * says which ones are corrected (even i) or rejected (odd i) rather than approved. `item(i)` shapes the item.
 */
export async function decideMany(
  target: ReviewTarget,
  count: number,
  override: (i: number) => boolean,
  item: (i: number) => Record<string, unknown> = () => ({}),
  correction: (i: number, output: unknown) => unknown = () => ({ label: 'corrected' }),
): Promise<void> {
  const { client, key, slug, reviewerToken, model } = target;
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const batch = await client.post(
      `/api/v1/queues/${slug}/items/batch`,
      { items: Array.from({ length: n }, (_, j) => itemBody({ model, ...item(start + j) })) },
      { apiKey: key },
    );
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.ok(
      batch.body.results.every((r: { status?: string }) => r.status === 'pending'),
      JSON.stringify(batch.body.results.find((r: { status?: string }) => r.status !== 'pending')),
    );
  }
  for (let i = 0; i < count; i++) {
    const claim = await client.post(`/api/v1/queues/${slug}/claim`, undefined, { token: reviewerToken });
    assert.equal(claim.status, 200, JSON.stringify(claim.body));
    const body = !override(i)
      ? { verdict: 'approve' }
      : i % 2 === 0
        ? { verdict: 'correct', output: correction(i, claim.body.item.output) }
        : { verdict: 'reject' };
    const decided = await client.post(`/api/v1/claims/${claim.body.claim.token}/decision`, body, {
      token: reviewerToken,
    });
    assert.equal(decided.status, 201, JSON.stringify(decided.body));
  }
}

/** Human decisions of the target's model version in the rollups so far. */
export async function foldedDecisions(target: ReviewTarget, adminToken: string): Promise<number> {
  const res = await target.client.get(`/api/v1/monitoring/models?queue=${target.slug}`, {
    token: adminToken,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const row = (res.body.models as { model: { version: string }; decisions: number }[]).find(
    (m) => m.model.version === target.model.version,
  );
  return row?.decisions ?? 0;
}

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const found = Object.fromEntries(
      [...line.slice(name.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(close + 1).trim());
  }
  return undefined;
}
