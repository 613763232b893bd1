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
  /** Polled between INSERTs; true ends the run early (Ctrl-C). */
  stopped?: () => boolean;
}

export interface RawInsertResult {
  durationS: number;
  /** Loops (and pooled connections) actually used. */
  concurrency: number;
  rows: number;
  errors: number;
  firstError?: string;
  rowsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

const INSERT = `
  INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                     input, output, confidence, reason, priority, metadata, status)
  VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13::jsonb,
          'pending')`;

/**
 * Baseline B: what Postgres does with the same item as plain single-row INSERTs (one statement, autocommit,
 * no audit event, no Redis), from `concurrency` loops sharing a pool of as many clients.
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
    if (concurrency === 0) throw new Error(`baseline B: cannot connect to Postgres: ${reason.message}`);
    console.warn(
      `baseline B: only ${concurrency} of ${options.concurrency} connections opened (${reason.message})`,
    );
    pool = newPool(options.databaseUrl, concurrency);
  }
  const item = itemTemplate();
  const input = JSON.stringify(item.input);
  const output = JSON.stringify(item.output);
  const metadata = JSON.stringify(item.metadata);
  const run = randomBytes(4).toString('hex');
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  try {
    const started = performance.now();
    const deadline = started + options.durationS * 1000;
    const loop = async () => {
      while (performance.now() < deadline && !options.stopped?.()) {
        const externalId = `raw-${run}-${++seq}`;
        const t0 = performance.now();
        try {
          await pool.query(INSERT, [
            options.queueId,
            options.service,
            options.apiKeyId,
            externalId,
            randomBytes(32).toString('hex'),
            item.model.name,
            item.model.version,
            input,
            output,
            item.confidence,
            item.reason,
            item.priority,
            metadata,
          ]);
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
      rows: latencies.length,
      errors,
      firstError,
      rowsPerSec: latencies.length / elapsed,
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
