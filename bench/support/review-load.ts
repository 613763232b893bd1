/**
 * The review loop the review benchmarks drive through the API: a tenant (queue, service key, reviewer users),
 * the queue pre-filled in batches, reviewer sockets looping claim:next → claim:decide, and the small figures
 * and tables they report with. Shared by bench/review.bench.ts and bench/monitoring.bench.ts.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { ApiClient } from '../../test/support/api-client.js';
import type { ReviewClient } from '../../test/support/review-client.js';
import { BrokenRun, expectStatus } from './bench-run.js';
import { batchBodyBuilder, OUTPUT_SCHEMA } from './item-body.js';
import { percentile, round } from './stats.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(samples: number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    count: samples.length,
    p50: round(percentile(sorted, 50), 2),
    p90: round(percentile(sorted, 90), 2),
    p99: round(percentile(sorted, 99), 2),
    max: round(sorted.length ? sorted[sorted.length - 1]! : NaN, 2),
    mean: round(samples.length ? sum / samples.length : NaN, 2),
  };
}

/** Error codes of failed acknowledgements (and timeouts), counted. */
export class Errors {
  readonly codes: Record<string, number> = {};
  total = 0;
  add(code: string): void {
    this.total++;
    this.codes[code] = (this.codes[code] ?? 0) + 1;
  }
}

export interface TimedAck<T> {
  ms: number;
  answer?: T;
  error?: string;
}

/** One acknowledged call, timed; `{error}` answers and timeouts come back as `error`. */
export async function timedCall<T extends { error?: { code?: string } }>(
  client: ReviewClient,
  event: string,
  payload: unknown,
): Promise<TimedAck<T>> {
  const t0 = performance.now();
  try {
    const answer = await client.call<T>(event, payload);
    const ms = performance.now() - t0;
    if (answer && typeof answer === 'object' && 'error' in answer && answer.error)
      return { ms, error: answer.error.code ?? 'UNKNOWN' };
    return { ms, answer };
  } catch (error) {
    return {
      ms: performance.now() - t0,
      error: /timed out|timeout/i.test(String(error)) ? 'TIMEOUT' : 'FAILED',
    };
  }
}

export interface Tenant {
  slug: string;
  queueId: string;
  key: string;
  reviewerTokens: string[];
  reviewers: { id: string; email: string }[];
}

export interface TenantOptions {
  /** The queue is `${slugPrefix}-${suffix}`; "bench-review" unless told. */
  slugPrefix?: string;
  /** The queue's display name; "Review benchmark" unless told. */
  queueName?: string;
}

/** A queue with the item body's output schema, a service key for it, and `reviewers` logged-in reviewers. */
export async function setUpTenant(
  client: ApiClient,
  token: string,
  suffix: string,
  reviewers: number,
  { slugPrefix = 'bench-review', queueName = 'Review benchmark' }: TenantOptions = {},
): Promise<Tenant> {
  const slug = `${slugPrefix}-${suffix}`;
  const queue = expectStatus(
    await client.post(
      '/api/v1/queues',
      { slug, name: queueName, outputSchema: OUTPUT_SCHEMA, leaseSeconds: 300 },
      { token },
    ),
    201,
    'create queue',
  );
  const key = expectStatus(
    await client.post('/api/v1/api-keys', { service: `bench-svc-${suffix}`, queues: [slug] }, { token }),
    201,
    'create service key',
  );
  const password = randomBytes(12).toString('hex');
  const reviewerTokens = new Array<string>(reviewers);
  const reviewerUsers = new Array<{ id: string; email: string }>(reviewers);
  let next = 0;
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      while (next < reviewers) {
        const i = next++;
        const email = `bench-reviewer-${i}@bench.local`;
        const user = expectStatus(
          await client.post(
            '/api/v1/users',
            { email, password, roles: ['reviewer'], queues: [slug] },
            { token },
          ),
          201,
          `create reviewer ${i}`,
        );
        reviewerUsers[i] = { id: user.id as string, email };
        reviewerTokens[i] = expectStatus(
          await client.post('/api/v1/auth/login', { email, password }),
          200,
          `login ${i}`,
        ).accessToken as string;
      }
    }),
  );
  return {
    slug,
    queueId: queue.id as string,
    key: key.key as string,
    reviewerTokens,
    reviewers: reviewerUsers,
  };
}

/**
 * Submits `items` items in batches of `batchSize` over 4 concurrent requests, with externalIds
 * `f-${suffix}-<batch>-<index>`; returns how many the API accepted.
 */
export async function preFill(
  apiUrl: string,
  setup: Pick<Tenant, 'slug' | 'key'>,
  suffix: string,
  items: number,
  batchSize = 500,
): Promise<number> {
  const buildBatch = batchBodyBuilder(batchSize);
  const batches = Math.ceil(items / batchSize);
  let accepted = 0;
  let nextBatch = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (nextBatch < batches) {
        const n = nextBatch++;
        const res = await fetch(`${apiUrl}/api/v1/queues/${setup.slug}/items/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': setup.key },
          body: buildBatch(`f-${suffix}-${n}`),
        });
        const text = await res.text();
        if (res.status !== 200)
          throw new BrokenRun(`pre-fill batch: HTTP ${res.status} ${text.slice(0, 300)}`);
        const { results } = JSON.parse(text) as { results: { id?: string }[] };
        accepted += results.filter((r) => r.id).length;
      }
    }),
  );
  return accepted;
}

/** A verdict a reviewer sends with claim:decide (besides the claim token). */
export interface DecideBody {
  verdict: 'approve' | 'correct' | 'reject';
  output?: unknown;
  comment?: string;
}

export interface DecisionRunOptions {
  durationS: number;
  /** Decisions per second in all, or null for as fast as they can. */
  ratePerSec: number | null;
  stopped: () => boolean;
  /** The body of the n-th decision started (0-based, over all sockets); approve unless told. */
  decideBody?: (n: number) => DecideBody;
  /** Called on every acknowledged decision, in the order the acknowledgements arrive. */
  onDecided?: () => void;
}

export interface DecisionRun {
  decided: number;
  empty: number;
  durationS: number;
  nextMs: number[];
  decideMs: number[];
  errors: Errors;
}

const APPROVE: DecideBody = { verdict: 'approve' };

/**
 * Every socket loops claim:next → claim:decide until the deadline; a claim in hand is always decided. With a
 * rate, each reviewer starts a claim every reviewers/rate seconds (staggered), as people working steadily
 * would; one that falls behind starts its next claim at once. Without, they go as fast as they can.
 */
export async function runDecisions(
  reviewers: ReviewClient[],
  slug: string,
  { durationS, ratePerSec, stopped, decideBody = () => APPROVE, onDecided }: DecisionRunOptions,
): Promise<DecisionRun> {
  const run: DecisionRun = {
    decided: 0,
    empty: 0,
    durationS: 0,
    nextMs: [],
    decideMs: [],
    errors: new Errors(),
  };
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const intervalMs = ratePerSec === null ? 0 : (reviewers.length / ratePerSec) * 1000;
  let startedDecisions = 0;
  const loop = async (client: ReviewClient, index: number) => {
    let nextStart = started + (intervalMs * index) / reviewers.length;
    while (performance.now() < deadline && !stopped()) {
      if (intervalMs > 0) {
        const wait = nextStart - performance.now();
        if (wait > 0) await sleep(wait);
        nextStart = Math.max(nextStart + intervalMs, performance.now());
      }
      const claim = await timedCall<{
        item: { id: string } | null;
        claim?: { token: string };
        error?: { code?: string };
      }>(client, 'claim:next', { queue: slug });
      run.nextMs.push(claim.ms);
      if (claim.error) {
        run.errors.add(`claim:next ${claim.error}`);
        await sleep(50);
        continue;
      }
      if (!claim.answer?.item || !claim.answer.claim) {
        run.empty++;
        await sleep(20);
        continue;
      }
      const decide = await timedCall<{ decision?: unknown; error?: { code?: string } }>(
        client,
        'claim:decide',
        {
          token: claim.answer.claim.token,
          ...decideBody(startedDecisions++),
        },
      );
      run.decideMs.push(decide.ms);
      if (decide.error) run.errors.add(`claim:decide ${decide.error}`);
      else {
        run.decided++;
        onDecided?.();
      }
    }
  };
  await Promise.all(reviewers.map((client, index) => loop(client, index)));
  run.durationS = (performance.now() - started) / 1000;
  return run;
}

/** VACUUM (ANALYZE) of the tables a pre-fill grows, so autovacuum does not do it during a timed run. */
export async function vacuumAnalyse(databaseUrl: string, tables = ['items', 'audit_events']): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(`VACUUM (ANALYZE) ${tables.join(', ')}`);
  } finally {
    await db.end();
  }
}

export async function pendingCount(databaseUrl: string, queueId: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM items WHERE queue_id = $1 AND status = 'pending'`,
      [queueId],
    );
    return rows[0]!.n;
  } finally {
    await db.end();
  }
}

export interface TableRow {
  metric: string;
  value: string;
  p50: string;
  p99: string;
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
export const ms = (n: number) => `${fmt(n, 1)} ms`;

/** A markdown table: the first column left-aligned, the others right-aligned. */
export function formatTable(rows: TableRow[], header = ['metric', 'value', 'p50', 'p99']): string {
  const keys = ['metric', 'value', 'p50', 'p99'] as const;
  const body = rows.map((r) => keys.map((k) => r[k]));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
