/**
 * Ingest benchmark (`npm run bench:ingest`): how many AI outputs per second Arbiter accepts, next to what
 * bare Node HTTP and bare Postgres INSERTs (single rows and batches) manage on the same machine in the same
 * run. Prints figures and asserts nothing about time; exits non-zero only when the run itself broke (a server died, most requests
 * failed, or stored items do not match the acknowledged ones).
 *
 * Environment: BENCH_DURATION_S (15), BENCH_CONNECTIONS (50), BENCH_BATCH_SIZE (100), BENCH_WARMUP_S (3),
 * BENCH_CPU_PROF=1 (profile the API during each API scenario), BENCH_DATABASE_URL or DATABASE_URL (server to
 * create the scratch database on), REDIS_URL. Anything else in the environment (e.g. DB_POOL_SIZE) reaches
 * the API process.
 */
import { reviewQueueName } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import { Queue } from 'bullmq';
import pg from 'pg';
import type { ApiClient } from '../test/support/api-client.js';
import { type Bench, BrokenRun, envNumber, expectStatus, REDIS_URL, runBench } from './support/bench-run.js';
import { formatProfile, profileAround, type ProfileSummary } from './support/cpu-profile.js';
import { cpuAround, type CpuShare, formatCpu } from './support/process-cpu.js';
import { batchBodyBuilder, OUTPUT_SCHEMA, singleBodyParts } from './support/item-body.js';
import { type LoadResult, runLoad, stopLoad } from './support/load.js';
import { runRawInserts, type RawInsertResult } from './support/pg-insert.js';
import type { Child } from './support/processes.js';
import { formatTable, type Row } from './support/report.js';
import { round } from './support/stats.js';

const DURATION_S = envNumber('BENCH_DURATION_S', 15);
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 50));
const BATCH_SIZE = Math.round(envNumber('BENCH_BATCH_SIZE', 100));
const WARMUP_S = envNumber('BENCH_WARMUP_S', 3);
/** Baseline C's connections: a few statements at once is what gets most rows into Postgres (50 get fewer). */
const BATCH_INSERT_CONNECTIONS = 4;

const log = (message: string) => console.log(message);

/** What the service side was told was stored, to compare with what is in Postgres afterwards. */
class Ledger {
  /** externalIds answered 2xx with an item id. */
  readonly acked = new Set<string>();
  created = 0;
  replayed = 0;
  refusedInBatch = 0;
  sentRequests = 0;
  answeredRequests = 0;
  readonly errorSamples: string[] = [];

  sample(status: number, body: string): void {
    if (this.errorSamples.length < 5) this.errorSamples.push(`${status} ${body.slice(0, 300)}`);
  }
}

interface ScenarioOutcome {
  load: LoadResult;
  items: number;
  itemsPerSec: number;
  ledger: Ledger;
  profile?: ProfileSummary;
  cpu: CpuShare;
}

async function main(bench: Bench): Promise<void> {
  const { suffix, databaseUrl, redisPrefix } = bench;
  bench.migrate();

  // 4. Baseline A first, while nothing else runs.
  const [singlePrefix, singleSuffix] = singleBodyParts();
  log(`single-item body: ${Buffer.byteLength(singlePrefix + `s-${suffix}-0` + singleSuffix)} bytes`);
  const bare = await bench.startServer({
    name: 'bare http server',
    script: 'support/bare-http-server.js',
    readyPath: '',
  });
  let bareSeq = 0;
  log(`\n[baseline A] bare node:http + JSON.parse, ${DURATION_S}s...`);
  const bareLoad = await runLoad({
    title: 'bare-http',
    url: `${bare.url}/`,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    nextBody: () => {
      const tag = `a-${suffix}-${++bareSeq}`;
      return { body: singlePrefix + tag + singleSuffix, tag };
    },
  });
  bare.assertAlive();
  await bare.child.stop();
  assertMostlyOk('baseline A', bareLoad);
  if (bench.interrupted) throw new BrokenRun('interrupted');

  // 1. The API as its own process.
  const { child: api, url: apiUrl, client, adminToken, assertAlive } = await bench.startApi();
  const setup = await setUpTenant(client, adminToken, suffix);
  log(`API pid ${api.pid} on ${apiUrl}; queue ${setup.slug}, service key ${setup.keyPrefix}...`);

  const itemsUrl = `${apiUrl}/api/v1/queues/${setup.slug}/items`;
  const headers = { 'x-api-key': setup.key };

  // 2. Single submit (after a warm-up that is stored, acknowledged and verified like the rest).
  const single = (title: string, durationS: number, tagPrefix: string) => {
    const ledger = new Ledger();
    let seq = 0;
    return runScenario(api, title, ledger, () =>
      runLoad({
        title,
        url: itemsUrl,
        connections: CONNECTIONS,
        durationS,
        headers,
        nextBody: () => {
          ledger.sentRequests++;
          const tag = `${tagPrefix}-${suffix}-${++seq}`;
          return { body: singlePrefix + tag + singleSuffix, tag };
        },
        onAnswer: (status, body, tag) => {
          ledger.answeredRequests++;
          if (status === 201 || status === 200) {
            ledger.acked.add(tag);
            if (status === 201) ledger.created++;
            else ledger.replayed++;
          } else ledger.sample(status, body);
        },
      }),
    );
  };
  log(`\nwarm-up: single submit, ${WARMUP_S}s...`);
  const warmup = await single('warm-up', WARMUP_S, 'w');
  assertAlive();
  await settle(databaseUrl, setup.queueId);
  if (bench.interrupted) throw new BrokenRun('interrupted');
  log(`[scenario] single submit, ${DURATION_S}s...`);
  const singleRun = await single('single submit', DURATION_S, 's');
  assertAlive();
  log(`  settled in ${await settle(databaseUrl, setup.queueId)} ms`);
  assertMostlyOk('single submit', singleRun.load);
  if (bench.interrupted) throw new BrokenRun('interrupted');

  // 3. Batch submit.
  const buildBatch = batchBodyBuilder(BATCH_SIZE);
  const batchLedger = new Ledger();
  let batchSeq = 0;
  log(`[scenario] batch submit (${BATCH_SIZE} items per request), ${DURATION_S}s...`);
  const batchRun = await runScenario(api, 'batch submit', batchLedger, () =>
    runLoad({
      title: 'batch submit',
      url: `${itemsUrl}/batch`,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      headers,
      nextBody: () => {
        batchLedger.sentRequests++;
        const tag = `b-${suffix}-${++batchSeq}`;
        return { body: buildBatch(tag), tag };
      },
      onAnswer: (status, body, tag) => {
        batchLedger.answeredRequests++;
        if (status !== 200) return batchLedger.sample(status, body);
        const { results } = JSON.parse(body) as { results: { index: number; id?: string }[] };
        for (const r of results) {
          if (r.id) {
            batchLedger.acked.add(`${tag}-${r.index}`);
            batchLedger.created++;
          } else {
            batchLedger.refusedInBatch++;
            if (batchLedger.refusedInBatch <= 3) batchLedger.sample(status, JSON.stringify(r));
          }
        }
      },
    }),
  );
  assertAlive();
  log(`  settled in ${await settle(databaseUrl, setup.queueId)} ms`);
  assertMostlyOk('batch submit', batchRun.load);
  if (batchLedger.refusedInBatch > batchLedger.created)
    throw new BrokenRun(`batch submit: most items were refused: ${batchLedger.errorSamples.join('\n')}`);
  if (bench.interrupted) throw new BrokenRun('interrupted');

  // 5. Baseline B: raw INSERTs into the same items table, under a queue of their own.
  log(`[baseline B] pg single-row INSERT, pool of ${CONNECTIONS}, ${DURATION_S}s...`);
  await bench.checkpoint();
  const { result: raw, cpu: rawCpu } = await cpuAround({}, () =>
    runRawInserts({
      databaseUrl,
      queueId: setup.rawQueueId,
      apiKeyId: setup.keyId,
      service: setup.service,
      concurrency: CONNECTIONS,
      durationS: DURATION_S,
      stopped: () => bench.interrupted,
    }),
  );
  if (bench.interrupted) throw new BrokenRun('interrupted');
  if (raw.rows === 0 || raw.errors > raw.rows)
    throw new BrokenRun(`baseline B: ${raw.errors} errors, ${raw.rows} rows (${raw.firstError})`);

  // Baseline C: the same rows, a batch's worth per INSERT: what Postgres alone manages for batches.
  log(`[baseline C] pg ${BATCH_SIZE}-row INSERT, pool of ${BATCH_INSERT_CONNECTIONS}, ${DURATION_S}s...`);
  await bench.checkpoint();
  const { result: rawBatch, cpu: rawBatchCpu } = await cpuAround({}, () =>
    runRawInserts({
      databaseUrl,
      queueId: setup.rawQueueId,
      apiKeyId: setup.keyId,
      service: setup.service,
      concurrency: BATCH_INSERT_CONNECTIONS,
      durationS: DURATION_S,
      rowsPerStatement: BATCH_SIZE,
      stopped: () => bench.interrupted,
    }),
  );
  if (bench.interrupted) throw new BrokenRun('interrupted');
  if (rawBatch.rows === 0 || rawBatch.errors > rawBatch.statements)
    throw new BrokenRun(
      `baseline C: ${rawBatch.errors} errors, ${rawBatch.rows} rows (${rawBatch.firstError})`,
    );

  // 6. Correctness: every acknowledged item is stored, with its audit event; nothing else is.
  assertAlive();
  const verification = await verify(
    databaseUrl,
    redisPrefix,
    setup,
    [warmup, singleRun, batchRun],
    [raw, rawBatch],
  );

  // 7. Report.
  const rows: Row[] = [
    {
      scenario: 'baseline A: bare node:http + JSON.parse',
      unit: 'req/s',
      throughput: round(bareLoad.ok2xx / bareLoad.durationS),
      p50Ms: bareLoad.latencyMs.p50,
      p99Ms: bareLoad.latencyMs.p99,
      latencyOf: 'request',
      non2xx: bareLoad.non2xx,
      errors: bareLoad.errors,
    },
    {
      scenario: 'API single submit',
      unit: 'items/s',
      throughput: round(singleRun.itemsPerSec),
      requestsPerSec: round(singleRun.load.reqPerSec),
      p50Ms: singleRun.load.latencyMs.p50,
      p99Ms: singleRun.load.latencyMs.p99,
      latencyOf: 'request',
      non2xx: singleRun.load.non2xx,
      errors: singleRun.load.errors,
    },
    {
      scenario: `API batch submit (${BATCH_SIZE}/request)`,
      unit: 'items/s',
      throughput: round(batchRun.itemsPerSec),
      requestsPerSec: round(batchRun.load.reqPerSec),
      p50Ms: batchRun.load.latencyMs.p50,
      p99Ms: batchRun.load.latencyMs.p99,
      latencyOf: 'request',
      non2xx: batchRun.load.non2xx,
      errors: batchRun.load.errors,
    },
    {
      scenario: `baseline B: pg single-row INSERT${raw.concurrency < CONNECTIONS ? ` (${raw.concurrency} conns)` : ''}`,
      unit: 'rows/s',
      throughput: round(raw.rowsPerSec),
      p50Ms: round(raw.latencyMs.p50, 2),
      p99Ms: round(raw.latencyMs.p99, 2),
      latencyOf: 'INSERT',
      non2xx: 0,
      errors: raw.errors,
    },
    {
      scenario: `baseline C: pg ${BATCH_SIZE}-row INSERT (${rawBatch.concurrency} conns)`,
      unit: 'rows/s',
      throughput: round(rawBatch.rowsPerSec),
      p50Ms: round(rawBatch.latencyMs.p50, 2),
      p99Ms: round(rawBatch.latencyMs.p99, 2),
      latencyOf: 'INSERT',
      non2xx: 0,
      errors: rawBatch.errors,
    },
  ];
  log(`\n${formatTable(rows)}`);
  log('(p50/p99 per HTTP request for A and the API scenarios, per INSERT statement for B and C)');
  const ratios = {
    singleVsRawSingle: singleRun.itemsPerSec / raw.rowsPerSec,
    batchVsRawBatch: batchRun.itemsPerSec / rawBatch.rowsPerSec,
  };
  log(
    `\nratios in this run: single submits ${round(ratios.singleVsRawSingle * 100, 1)}% of raw single-row ` +
      `INSERTs; batch submits ${round(ratios.batchVsRawBatch * 100, 1)}% of raw ${BATCH_SIZE}-row INSERTs ` +
      `(target ≥ 60%)`,
  );
  log(`  API single submit: ${formatCpu(singleRun.cpu, singleRun.items, 'item')}`);
  log(`  API batch submit:  ${formatCpu(batchRun.cpu, batchRun.items, 'item')}`);
  log(`  raw single INSERT: ${formatCpu(rawCpu, raw.rows, 'row')}`);
  log(`  raw batch INSERT:  ${formatCpu(rawBatchCpu, rawBatch.rows, 'row')}`);
  for (const [label, run] of [
    ['single submit', singleRun],
    ['batch submit', batchRun],
  ] as const) {
    if (run.ledger.errorSamples.length > 0)
      log(`${label}: first refusals:\n  ${run.ledger.errorSamples.join('\n  ')}`);
    if (run.profile) log(`\n${formatProfile(label, run.profile)}`);
  }
  await bench.writeResults({
    settings: {
      durationS: DURATION_S,
      connections: CONNECTIONS,
      batchSize: BATCH_SIZE,
      warmupS: WARMUP_S,
      dbPoolSize: process.env.DB_POOL_SIZE ?? '20 (default)',
      singleBodyBytes: Buffer.byteLength(singlePrefix + singleSuffix) + 12,
    },
    table: rows,
    ratios,
    cpu: { single: singleRun.cpu, batch: batchRun.cpu, rawSingle: rawCpu, rawBatch: rawBatchCpu },
    details: {
      baselineA: bareLoad,
      warmup: { ...warmup.load, ledger: ledgerSummary(warmup.ledger) },
      single: { ...singleRun.load, ledger: ledgerSummary(singleRun.ledger) },
      batch: { ...batchRun.load, ledger: ledgerSummary(batchRun.ledger) },
      baselineB: raw,
      baselineC: rawBatch,
    },
    verification,
    profiles: { single: singleRun.profile, batch: batchRun.profile },
  });
  if (!verification.ok) throw new BrokenRun(`verification failed: ${verification.problems.join('; ')}`);

  /** Runs one API scenario, with the API's CPU profile around it when asked for. */
  async function runScenario(
    api: Child,
    title: string,
    ledger: Ledger,
    load: () => Promise<LoadResult>,
  ): Promise<ScenarioOutcome> {
    let profile: ProfileSummary | undefined;
    await bench.checkpoint();
    const { result, cpu } = await cpuAround({ api: api.pid }, async () => {
      if (!(bench.cpuProfiling && title !== 'warm-up')) return load();
      const profiled = await profileAround(api, bench.profileFile(title.replace(/\W+/g, '-')), load);
      profile = profiled.profile;
      return profiled.result;
    });
    const items = ledger.acked.size;
    return { load: result, items, itemsPerSec: items / result.durationS, ledger, profile, cpu };
  }
}

function ledgerSummary(ledger: Ledger) {
  return {
    acknowledgedItems: ledger.acked.size,
    created: ledger.created,
    replayed: ledger.replayed,
    refusedInBatch: ledger.refusedInBatch,
    sentRequests: ledger.sentRequests,
    answeredRequests: ledger.answeredRequests,
    errorSamples: ledger.errorSamples,
  };
}

function assertMostlyOk(label: string, load: LoadResult): void {
  const attempted = load.requests + load.errors;
  if (load.ok2xx === 0 || load.ok2xx < attempted / 2) {
    throw new BrokenRun(
      `${label}: only ${load.ok2xx} of ${attempted} requests succeeded ` +
        `(status codes ${JSON.stringify(load.statusCodes)}, socket errors ${load.errors})`,
    );
  }
}

interface Tenant {
  slug: string;
  queueId: string;
  rawQueueId: string;
  key: string;
  keyId: string;
  keyPrefix: string;
  service: string;
}

/** Creates the benchmark queue, a scratch queue for baseline B and a key, as the admin whose token this is. */
async function setUpTenant(client: ApiClient, token: string, suffix: string): Promise<Tenant> {
  const slug = `bench-ingest-${suffix}`;
  const queue = expectStatus(
    await client.post(
      '/api/v1/queues',
      { slug, name: 'Ingest benchmark', outputSchema: OUTPUT_SCHEMA, leaseSeconds: 300 },
      { token },
    ),
    201,
    'create queue',
  );
  const rawSlug = `bench-raw-${suffix}`;
  const rawQueue = expectStatus(
    await client.post('/api/v1/queues', { slug: rawSlug, name: 'Raw INSERT baseline' }, { token }),
    201,
    'create scratch queue',
  );
  const service = `bench-svc-${suffix}`;
  const key = expectStatus(
    await client.post('/api/v1/api-keys', { service, queues: [slug, rawSlug] }, { token }),
    201,
    'create service key',
  );
  return {
    slug,
    queueId: queue.id as string,
    rawQueueId: rawQueue.id as string,
    key: key.key as string,
    keyId: key.id as string,
    keyPrefix: (key.key as string).slice(0, 10),
    service,
  };
}

interface Verification {
  ok: boolean;
  problems: string[];
  itemsRows: number;
  acknowledgedItems: number;
  acknowledgedByScenario: Record<string, number>;
  committedButUnanswered: number;
  unansweredRequests: number;
  missingAcknowledged: number;
  receivedAuditEvents: number;
  redisJobs: number | null;
  rawRows: number;
  rawRowsReported: number;
}

async function verify(
  databaseUrl: string,
  redisPrefix: string,
  tenant: Tenant,
  runs: ScenarioOutcome[],
  raws: RawInsertResult[],
): Promise<Verification> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await settle(databaseUrl, tenant.queueId);
    const stored = new Set(
      (
        await db.query<{ external_id: string }>('SELECT external_id FROM items WHERE queue_id = $1', [
          tenant.queueId,
        ])
      ).rows.map((r) => r.external_id),
    );
    const acked = runs.reduce((n, r) => n + r.ledger.acked.size, 0);
    let missing = 0;
    for (const run of runs) for (const id of run.ledger.acked) if (!stored.has(id)) missing++;
    let unanswered = 0;
    let bound = 0;
    for (const run of runs) {
      const open = run.ledger.sentRequests - run.ledger.answeredRequests;
      unanswered += open;
      bound += open * (run.load.title === 'batch submit' ? BATCH_SIZE : 1);
    }
    const committedButUnanswered = stored.size - (acked - missing);
    const [events] = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'item.received' AND queue_id = $1`,
        [tenant.queueId],
      )
    ).rows;
    const [rawCount] = (
      await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE queue_id = $1', [
        tenant.rawQueueId,
      ])
    ).rows;
    const redisJobs = await countJobs(redisPrefix, tenant.queueId);

    const problems: string[] = [];
    if (missing > 0) problems.push(`${missing} acknowledged item(s) are not in Postgres`);
    if (committedButUnanswered > bound)
      problems.push(
        `${committedButUnanswered} stored item(s) were never acknowledged, more than the ${bound} still in flight`,
      );
    if (events!.n !== stored.size)
      problems.push(`${events!.n} item.received audit events for ${stored.size} items`);
    const rawRows = raws.reduce((n, r) => n + r.rows, 0);
    if (rawCount!.n !== rawRows)
      problems.push(`baselines B and C reported ${rawRows} rows, table has ${rawCount!.n}`);

    const byScenario = Object.fromEntries(runs.map((r) => [r.load.title, r.ledger.acked.size]));
    log(
      `\nverification: items rows in the benchmark queue = ${stored.size}; 2xx items reported = ${acked} ` +
        `(${Object.entries(byScenario)
          .map(([k, v]) => `${k} ${v}`)
          .join(' + ')})`,
    );
    log(
      `  acknowledged but missing: ${missing}; stored but never answered (requests cut off when the load ` +
        `stopped, ${unanswered} request(s) open): ${committedButUnanswered}; item.received audit events: ` +
        `${events!.n}; review jobs in Redis: ${redisJobs ?? 'n/a'}; baseline B and C rows: ${rawCount!.n} ` +
        `(reported ${rawRows})`,
    );
    log(`  => ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join('; ')}`}`);
    return {
      ok: problems.length === 0,
      problems,
      itemsRows: stored.size,
      acknowledgedItems: acked,
      acknowledgedByScenario: byScenario,
      committedButUnanswered,
      unansweredRequests: unanswered,
      missingAcknowledged: missing,
      receivedAuditEvents: events!.n,
      redisJobs,
      rawRows: rawCount!.n,
      rawRowsReported: rawRows,
    };
  } finally {
    await db.end();
  }
}

/**
 * Waits until the API has finished the requests that were cut off when a load run stopped (they still
 * commit), so they neither overlap the next scenario nor escape verification: the item count must stop
 * moving and no other session may be busy in the benchmark database. Returns how long it took.
 */
async function settle(databaseUrl: string, queueId: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    let last = -1;
    let quiet = 0;
    while (Date.now() - started < timeoutMs) {
      const { rows } = await db.query<{ n: number; busy: number }>(
        `SELECT (SELECT count(*)::int FROM items WHERE queue_id = $1) AS n,
                (SELECT count(*)::int FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle') AS busy`,
        [queueId],
      );
      quiet = rows[0]!.n === last && rows[0]!.busy === 0 ? quiet + 1 : 0;
      if (quiet >= 2) break;
      last = rows[0]!.n;
      await new Promise((r) => setTimeout(r, 250));
    }
    return Date.now() - started;
  } finally {
    await db.end();
  }
}

/** Review jobs waiting in Redis for the benchmark queue (informational: slow enqueues fall to the reconciler). */
async function countJobs(prefix: string, queueId: string): Promise<number | null> {
  const redis = createRedis(REDIS_URL, 'worker');
  const queue = new Queue(reviewQueueName(queueId), { connection: redis, prefix });
  try {
    const counts = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } catch {
    return null;
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
}

process.exitCode = await runBench(
  {
    name: 'ingest',
    settings:
      `${DURATION_S}s per scenario, ${CONNECTIONS} connections, batch ${BATCH_SIZE}, ` +
      `warm-up ${WARMUP_S}s`,
    profilable: true,
    interruptible: true,
    onInterrupt: stopLoad,
  },
  main,
);
