/**
 * Export benchmark (`npm run bench:export`): how fast the API streams the decision history of a million
 * decisions as JSON Lines and as CSV, and how much memory the API process takes on meanwhile, next to a
 * baseline measured in the same run: raw `COPY (SELECT <the same rows>) TO STDOUT` through pg, read by this
 * process. Prints figures and asserts nothing about time; exits non-zero only when the run itself broke
 * (a wrong row count, a failed request, a server that died).
 *
 * Each scenario runs BENCH_ROUNDS times (3), interleaved, and the best run counts: other work on the
 * machine only ever slows a run down.
 *
 * Environment: BENCH_ROWS (1000000), BENCH_ROUNDS (3), BENCH_DATABASE_URL or DATABASE_URL (server to
 * create the scratch database on), REDIS_URL. Anything else in the environment reaches the API process.
 */
import { decisionRowsSql, STREAMING_PLAN } from '@arbiter/audit';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { ApiClient } from '../test/support/api-client.js';
import { type Bench, BrokenRun, envNumber, expectStatus, runBench } from './support/bench-run.js';
import { seedExportRows } from './support/export-seed.js';
import { type CountedStream, countLines, getAndCountLines } from './support/line-count.js';
import type { Child } from './support/processes.js';
import { type RssSample, RssSampler } from './support/rss.js';

const ROWS = envNumber('BENCH_ROWS', 1_000_000, { integer: true });
const ROUNDS = envNumber('BENCH_ROUNDS', 3, { integer: true });
const QUEUES = 4;
const REVIEWERS = 20;

const log = (message: string) => console.log(message);
const mb = (bytes: number) => bytes / (1024 * 1024);
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

interface Measured {
  scenario: string;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
  firstByteMs: number;
  /** Peak RSS growth of the process doing the work (the API), when measured. */
  rssGrowthBytes?: number;
  rssPeakBytes?: number;
}

/** The same rows the export streams, as plain columns: what Postgres and pg manage with no JSON or HTTP. */
const RAW_COLUMNS = `d.id, i.id, i.external_id, q.slug, i.model_name, i.model_version, i.confidence, i.reason,
  i.output, d.output, d.patch, d.verdict, u.id, u.email, d.comment, i.created_at, d.decided_at, d.duration_ms`;

/** Raw COPY of the export's rows, with the export's plan, read by this process. */
async function rawCopy(databaseUrl: string): Promise<Measured> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query(STREAMING_PLAN);
    const started = performance.now();
    const sql = `COPY (${decisionRowsSql({ order: 'asc' }, RAW_COLUMNS)}) TO STDOUT`;
    const counted = await countLines(client.query(copyTo(sql)), started);
    return {
      scenario: 'baseline: raw COPY of the same rows via pg',
      rows: counted.lines,
      bytes: counted.bytes,
      seconds: counted.seconds,
      rowsPerSec: counted.lines / counted.seconds,
      firstByteMs: counted.firstByteMs,
    };
  } finally {
    await client.end();
  }
}

async function apiExport(
  api: Child,
  url: string,
  token: string,
  format: 'jsonl' | 'csv',
): Promise<Measured & { firstLine: string }> {
  const sampler = new RssSampler(api.pid!);
  let counted: CountedStream;
  let rss: RssSample;
  try {
    counted = await getAndCountLines(`${url}/api/v1/audit/decisions?format=${format}`, {
      authorization: `Bearer ${token}`,
    });
  } finally {
    rss = sampler.stop();
  }
  if (counted.status !== 200)
    throw new BrokenRun(`${format} export: HTTP ${counted.status} ${counted.firstLine}`);
  const rows = format === 'csv' ? counted.lines - 1 : counted.lines;
  return {
    scenario: `API export, ${format === 'csv' ? 'CSV' : 'JSON Lines'} over HTTP`,
    rows,
    bytes: counted.bytes,
    seconds: counted.seconds,
    rowsPerSec: rows / counted.seconds,
    firstByteMs: counted.firstByteMs,
    rssGrowthBytes: rss.growthBytes,
    rssPeakBytes: rss.peakBytes,
    firstLine: counted.firstLine,
  };
}

function formatTable(rows: Measured[], baseline: number): string {
  const header = [
    'scenario',
    'rows',
    'first byte',
    'time',
    'throughput',
    'MB/s',
    'vs baseline',
    'API RSS growth (peak)',
  ];
  const body = rows.map((r) => [
    r.scenario,
    fmt(r.rows),
    `${fmt(r.firstByteMs)} ms`,
    `${fmt(r.seconds, 1)} s`,
    `${fmt(r.rowsPerSec)} rows/s`,
    fmt(mb(r.bytes) / r.seconds, 1),
    `${fmt((100 * r.rowsPerSec) / baseline)}%`,
    r.rssGrowthBytes === undefined
      ? '-'
      : `${fmt(mb(r.rssGrowthBytes), 1)} MB (${fmt(mb(r.rssPeakBytes!), 0)} MB)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(bench: Bench): Promise<void> {
  const { suffix, databaseUrl } = bench;
  bench.migrate();

  // 2. The API as its own process; queues, reviewers and a service key through it.
  const { child: api, url: apiUrl, client, adminToken, assertAlive } = await bench.startApi();
  const tenant = await setUp(client, adminToken, suffix);
  log(`API pid ${api.pid} on ${apiUrl}`);

  // 3. A million decisions with their items, straight into the tables.
  log(`\nseeding ${fmt(ROWS)} items and decisions...`);
  let reported = 0;
  const seedSeconds = await seedExportRows({
    databaseUrl,
    rows: ROWS,
    queueIds: tenant.queueIds,
    reviewerIds: tenant.reviewerIds,
    apiKeyId: tenant.keyId,
    service: tenant.service,
    onProgress: (done) => {
      if (done - reported >= ROWS / 4 || done === ROWS) {
        reported = done;
        log(`  ${fmt(done)} rows`);
      }
    },
  });
  const sizes = await tableSizes(databaseUrl);
  log(
    `  seeded in ${fmt(seedSeconds, 1)} s (items ${sizes.items}, decisions ${sizes.decisions}) and vacuumed`,
  );
  assertAlive();

  // 4. A small export of each format first (code paths warm), then the baseline, the two API exports
  // and the planner's own plan for context.
  for (const format of ['jsonl', 'csv']) {
    const warm = await getAndCountLines(`${apiUrl}/api/v1/audit/decisions?format=${format}&limit=10000`, {
      authorization: `Bearer ${tenant.token}`,
    });
    if (warm.status !== 200) throw new BrokenRun(`warm-up ${format}: HTTP ${warm.status} ${warm.firstLine}`);
  }
  const runs: Record<'baseline' | 'jsonl' | 'csv', Measured[]> = { baseline: [], jsonl: [], csv: [] };
  const firstLines = { jsonl: '', csv: '' };
  for (let round = 1; round <= ROUNDS; round++) {
    log(`\nround ${round} of ${ROUNDS}`);
    const baseline = await rawCopy(databaseUrl);
    runs.baseline.push(baseline);
    log(`  [baseline] raw COPY through pg: ${fmt(baseline.rows)} rows in ${fmt(baseline.seconds, 1)} s`);
    for (const format of ['jsonl', 'csv'] as const) {
      const measured = await apiExport(api, apiUrl, tenant.token, format);
      assertAlive();
      runs[format].push(measured);
      firstLines[format] = measured.firstLine;
      log(
        `  [API] ${format} export over HTTP: ${fmt(measured.rows)} rows in ${fmt(measured.seconds, 1)} s, ` +
          `RSS +${fmt(mb(measured.rssGrowthBytes!), 1)} MB`,
      );
    }
  }
  /** The fastest run, with the largest RSS growth seen in any run. */
  const best = (measured: Measured[]): Measured => {
    const fastest = measured.reduce((a, b) => (b.rowsPerSec > a.rowsPerSec ? b : a));
    if (fastest.rssGrowthBytes === undefined) return fastest;
    const worst = measured.reduce((a, b) => ((b.rssGrowthBytes ?? 0) > (a.rssGrowthBytes ?? 0) ? b : a));
    return { ...fastest, rssGrowthBytes: worst.rssGrowthBytes, rssPeakBytes: worst.rssPeakBytes };
  };
  const baseline = best(runs.baseline);
  const jsonl = best(runs.jsonl);
  const csv = best(runs.csv);

  // 5. Correctness: every export holds every row; a JSONL line has the documented shape.
  const problems: string[] = [];
  for (const m of [...runs.baseline, ...runs.jsonl, ...runs.csv])
    if (m.rows !== ROWS) problems.push(`${m.scenario}: ${m.rows} rows, expected ${ROWS}`);
  try {
    const first = JSON.parse(firstLines.jsonl) as Record<string, unknown>;
    for (const field of ['decisionId', 'queue', 'model', 'aiOutput', 'finalOutput', 'verdict', 'decidedAt'])
      if (!(field in first)) problems.push(`JSONL line lacks ${field}`);
  } catch (error) {
    problems.push(`first JSONL line does not parse: ${(error as Error).message}`);
  }
  if (!firstLines.csv.startsWith('decisionId,itemId,')) problems.push(`CSV header: ${firstLines.csv}`);

  // 6. Report.
  log(`\n${formatTable([baseline, jsonl, csv], baseline.rowsPerSec)}`);
  log(
    `(best of ${ROUNDS} interleaved runs each; baseline and exports run the export's streaming plan; ` +
      `API RSS sampled every 50 ms from /proc/${api.pid}/status, growth over its value when the request ` +
      `started, the largest of the runs)`,
  );
  log(
    `targets: JSON Lines at >= 60% of the baseline (${fmt((100 * jsonl.rowsPerSec) / baseline.rowsPerSec)}%), ` +
      `API RSS growth <= 100 MB (JSONL ${fmt(mb(jsonl.rssGrowthBytes!), 1)} MB, CSV ${fmt(mb(csv.rssGrowthBytes!), 1)} MB)`,
  );
  await bench.writeResults({
    settings: { rows: ROWS, rounds: ROUNDS, queues: QUEUES, reviewers: REVIEWERS },
    seed: { seconds: seedSeconds, sizes },
    best: { baseline, jsonl, csv },
    runs,
    problems,
  });
  if (problems.length > 0) throw new BrokenRun(`verification failed: ${problems.join('; ')}`);
}

interface Tenant {
  token: string;
  queueIds: string[];
  reviewerIds: string[];
  keyId: string;
  service: string;
}

/** Creates the queues, reviewers and a service key the seed refers to, as the admin whose token this is. */
async function setUp(client: ApiClient, token: string, suffix: string): Promise<Tenant> {
  const slugs = Array.from({ length: QUEUES }, (_, i) => `bench-export-${suffix}-${i + 1}`);
  const queueIds: string[] = [];
  for (const slug of slugs) {
    const queue = expectStatus(
      await client.post('/api/v1/queues', { slug, name: `Export benchmark ${slug}` }, { token }),
      201,
      'create queue',
    );
    queueIds.push(queue.id as string);
  }
  const reviewerIds: string[] = [];
  for (let i = 0; i < REVIEWERS; i++) {
    const user = expectStatus(
      await client.post(
        '/api/v1/users',
        {
          email: `reviewer-${i + 1}@bench.local`,
          password: randomBytes(12).toString('hex'),
          roles: ['reviewer'],
          queues: slugs,
        },
        { token },
      ),
      201,
      'create reviewer',
    );
    reviewerIds.push(user.id as string);
  }
  const service = `bench-svc-${suffix}`;
  const key = expectStatus(
    await client.post('/api/v1/api-keys', { service, queues: slugs }, { token }),
    201,
    'key',
  );
  return { token, queueIds, reviewerIds, keyId: key.id as string, service };
}

async function tableSizes(databaseUrl: string): Promise<{ items: string; decisions: string }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ items: string; decisions: string }>(
      `SELECT pg_size_pretty(pg_total_relation_size('items')) AS items,
              pg_size_pretty(pg_total_relation_size('decisions')) AS decisions`,
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

process.exitCode = await runBench({ name: 'export', settings: `${fmt(ROWS)} decisions` }, main);
