import assert from 'node:assert/strict';
import type { ApiClient } from './api-client.js';
import { itemBody } from './factories.js';
import { eventually, sleep } from './review-kit.js';

export interface ClaimedItem {
  id: string;
  output: any;
  confidence: number | null;
  input: any;
  model: { name: string; version: string };
}

/** What a reviewer does with a claimed item: a verdict and, for `correct`, the output it should have had. */
export interface Verdict {
  verdict: 'approve' | 'correct' | 'reject';
  output?: unknown;
}

/** Submits items built from `bodies` in batches of at most 500; asserts every one got `status`. */
export async function submitBodies(
  client: ApiClient,
  apiKey: string,
  slug: string,
  bodies: Record<string, unknown>[],
  status = 'pending',
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < bodies.length; start += 500) {
    const items = bodies.slice(start, start + 500).map((b) => itemBody(b));
    const res = await client.post(`/api/v1/queues/${slug}/items/batch`, { items }, { apiKey });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    for (const r of res.body.results as { id?: string; status?: string }[]) {
      assert.equal(r.status, status, JSON.stringify(r));
      ids.push(r.id!);
    }
  }
  return ids;
}

/** Claims the next item of the queue over HTTP, waiting a little while the queue is momentarily empty. */
export async function claimNext(
  client: ApiClient,
  token: string,
  slug: string,
  timeoutMs = 10_000,
): Promise<{ item: ClaimedItem; token: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.post(`/api/v1/queues/${slug}/claim`, undefined, { token });
    if (res.status === 200) return { item: res.body.item, token: res.body.claim.token };
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.ok(Date.now() < deadline, `nothing to claim in ${slug} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export async function decide(client: ApiClient, token: string, claimToken: string, verdict: Verdict) {
  const res = await client.post(`/api/v1/claims/${claimToken}/decision`, verdict, { token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.decision as { id: string; verdict: string; patch: unknown };
}

/**
 * `reviewers` claim and decide `count` items of the queue between them, one claim at a time each; `choose`
 * picks each verdict from the claimed item (so the outcome does not depend on who got which item).
 */
export async function decideItems(
  client: ApiClient,
  reviewers: string[],
  slug: string,
  count: number,
  choose: (item: ClaimedItem) => Verdict,
): Promise<void> {
  let left = count;
  await Promise.all(
    reviewers.map(async (token) => {
      while (left > 0) {
        left -= 1;
        const claimed = await claimNext(client, token, slug);
        await decide(client, token, claimed.token, choose(claimed.item));
      }
    }),
  );
}

/** One reviewer decides items in order, the n-th decision taking `verdicts[n]` whatever the item. */
export async function decideInOrder(
  client: ApiClient,
  token: string,
  slug: string,
  verdicts: ((item: ClaimedItem) => Verdict)[],
): Promise<void> {
  for (const choose of verdicts) {
    const claimed = await claimNext(client, token, slug);
    await decide(client, token, claimed.token, choose(claimed.item));
  }
}

export async function listModels(client: ApiClient, token: string, query = ''): Promise<any[]> {
  const res = await client.get(`/api/v1/monitoring/models${query ? `?${query}` : ''}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.models as any[];
}

export async function modelOf(client: ApiClient, token: string, slug: string, version: string): Promise<any> {
  const models = await listModels(client, token, `queue=${slug}`);
  return models.find((m) => m.model.version === version);
}

/** Waits until the fold has taken `decisions` human decisions of the version (as the API reports them). */
export async function waitForFold(
  client: ApiClient,
  token: string,
  slug: string,
  version: string,
  decisions: number,
  timeoutMs = 15_000,
): Promise<any> {
  let model: any;
  await eventually(
    `${slug} ${version}: ${decisions} decisions folded`,
    async () => {
      model = await modelOf(client, token, slug, version);
      return model?.decisions === decisions;
    },
    timeoutMs,
    40,
  );
  return model;
}

/** The value of a Prometheus series with exactly these labels (in any order), or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{(.*)\}\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...match[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (
      Object.keys(found).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => found[k] === v)
    )
      return Number(match[3]);
  }
  return undefined;
}

/** The Wilson 95% score interval, written out here independently of Arbiter's statistics library. */
export function wilson(successes: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [centre - half, centre + half];
}

export function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );
}
