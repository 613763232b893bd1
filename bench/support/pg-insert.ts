import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { itemTemplate } from './item-body.js';
import { percentile } from './stats.js';

export interface RawInsertOptions {
  databaseUrl: string;
  queueId: string;
  apiKeyId: string;
  service: string;
  concurrency: number;
  durationS: number;
  /** Items per INSERT statement (one transaction each); 1 is a plain single-row INSERT. */
  rowsPerStatement?: number;
  /** Polled between INSERTs; true ends the run early (Ctrl-C). */
  stopped?: () => boolean;
}

export interface RawInsertResult {
  durationS: number;
  /** Loops (and pooled connections) actually used. */
  concurrency: number;
  rows: number;
  statements: number;
  errors: number;
  firstError?: string;
  rowsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** Values the rows of one statement share; each row adds its own external id, hash and JSON documents. */
const SHARED_COLUMNS = 9;

/** An INSERT of `rows` items, each with its own parameters for what differs between items in the API too. */
function insertStatement(rows: number): string {
  const values: string[] = [];
  for (let r = 0; r < rows; r++) {
    const p = SHARED_COLUMNS + r * 5;
    values.push(
      `(gen_random_uuid(), $1, $2, $3, $${p + 1}, $${p + 2}, $4, $5, $${p + 3}::jsonb, $${p + 4}::jsonb, $6, $7, ` +
        `$8, $${p + 5}::jsonb, $9)`,
    );
  }
  return `INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name,
                     model_version, input, output, confidence, reason, priority, metadata, status)
          VALUES ${values.join(',\n')}`;
}

/**
 * The bare Postgres baselines: what Postgres does with the same item as plain INSERTs (autocommit, no audit
 * event, no idempotency check, no Redis), one row or `rowsPerStatement` rows a statement, from `concurrency`
 * loops sharing a pool of as many clients.
 */
export async function runRawInserts(options: RawInsertOptions): Promise<RawInsertResult> {
  // Open every connection first, so connection set-up is not measured. Postgres may be short of connection
  // slots when other work shares it: then run with as many as it gave us, and say so.
  let pool = newPool(options.databaseUrl, options.concurrency);
  const opened = await Promise.allSettled(Array.from({ length: options.concurrency }, () => pool.connect()));
  for (const o of opened) if (o.status === 'fulfilled') o.value.release();
  const concurrency = opened.filter((o) => o.status === 'fulfilled').length;
  if (concurrency < options.concurrency) {
    await pool.end();
    const reason = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason as Error;
    if (concurrency === 0)
      throw new Error(`raw INSERT baseline: cannot connect to Postgres: ${reason.message}`);
    console.warn(
      `raw INSERT baseline: only ${concurrency} of ${options.concurrency} connections opened (${reason.message})`,
    );
    pool = newPool(options.databaseUrl, concurrency);
  }
  const item = itemTemplate();
  const input = JSON.stringify(item.input);
  const output = JSON.stringify(item.output);
  const metadata = JSON.stringify(item.metadata);
  const run = randomBytes(4).toString('hex');
  const perStatement = Math.max(1, Math.round(options.rowsPerStatement ?? 1));
  const sql = insertStatement(perStatement);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  try {
    const started = performance.now();
    const deadline = started + options.durationS * 1000;
    const loop = async () => {
      while (performance.now() < deadline && !options.stopped?.()) {
        const params: unknown[] = [
          options.queueId,
          options.service,
          options.apiKeyId,
          item.model.name,
          item.model.version,
          item.confidence,
          item.reason,
          item.priority,
          'pending',
        ];
        for (let r = 0; r < perStatement; r++)
          params.push(`raw-${run}-${++seq}`, randomBytes(32).toString('hex'), input, output, metadata);
        const t0 = performance.now();
        try {
          await pool.query(sql, params);
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
          if (errors > 1000 && errors > latencies.length) return;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    const elapsed = (performance.now() - started) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    const sum = latencies.reduce((a, b) => a + b, 0);
    return {
      durationS: elapsed,
      concurrency,
      rows: latencies.length * perStatement,
      statements: latencies.length,
      errors,
      firstError,
      rowsPerSec: (latencies.length * perStatement) / elapsed,
      latencyMs: {
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1]! : NaN,
        mean: latencies.length ? sum / latencies.length : NaN,
      },
    };
  } finally {
    await pool.end();
  }
}

function newPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  return pool;
}
