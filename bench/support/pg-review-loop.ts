import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export interface PgReviewLoopOptions {
  databaseUrl: string;
  queueId: string;
  reviewers: { id: string; email: string }[];
  /** Concurrent loops, each on its own connection (one per reviewer, round robin over `reviewers`). */
  concurrency: number;
  durationS: number;
  leaseSeconds: number;
  stopped?: () => boolean;
}

export interface PgReviewLoopResult {
  durationS: number;
  decided: number;
  errors: number;
  firstError?: string;
  claimMs: number[];
  decideMs: number[];
}

/**
 * The database half of a review decision with nothing around it: the same claim_item and decide_claim calls
 * the API makes for claim:next and an approval, straight from `pg`, no API, no Redis, no socket. Items are
 * handed out in the order the review queue would give them, read once up front (as the BullMQ job would).
 */
export async function runPgReviewLoop(options: PgReviewLoopOptions): Promise<PgReviewLoopResult> {
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < options.concurrency; i++) {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
    }
    const { rows } = await clients[0]!.query<{ id: string }>(
      `SELECT id FROM items WHERE queue_id = $1 AND status = 'pending' ORDER BY priority DESC, created_at`,
      [options.queueId],
    );
    const itemIds = rows.map((r) => r.id);
    let next = 0;
    const result: PgReviewLoopResult = { durationS: 0, decided: 0, errors: 0, claimMs: [], decideMs: [] };
    const started = performance.now();
    const deadline = started + options.durationS * 1000;
    await Promise.all(
      clients.map(async (client, i) => {
        const reviewer = options.reviewers[i % options.reviewers.length]!;
        while (performance.now() < deadline && !options.stopped?.() && next < itemIds.length) {
          const itemId = itemIds[next++]!;
          const token = randomBytes(24).toString('base64url');
          try {
            const t0 = performance.now();
            const claimed = await client.query<{ ok: boolean }>(
              `SELECT coalesce(claim_item($1, $2, $3, $4, $5, $6, $7) ? 'claim', false) AS ok`,
              [options.queueId, itemId, reviewer.id, reviewer.email, token, options.leaseSeconds, 10],
            );
            const t1 = performance.now();
            result.claimMs.push(t1 - t0);
            if (!claimed.rows[0]?.ok) continue;
            await client.query(`SELECT decide_claim($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
              token,
              reviewer.id,
              reviewer.email,
              [options.queueId],
              randomBytes(32).toString('hex'),
              'approve',
              null,
              '[]',
              null,
            ]);
            result.decideMs.push(performance.now() - t1);
            result.decided++;
          } catch (error) {
            result.errors++;
            result.firstError ??= (error as Error).message;
            if (result.errors > 100 && result.errors > result.decided) return;
          }
        }
      }),
    );
    result.durationS = (performance.now() - started) / 1000;
    return result;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
