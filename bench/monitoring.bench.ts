/**
 * Monitoring benchmark (`npm run bench:monitoring`). First the drift detector alone on simulated streams,
 * against DDM and Page–Hinkley. Then through the API: the review benchmark's decision loop (socket reviewers,
 * claim:next → claim:decide, every tenth decision a reject) flat out with the worker's monitoring fold on and
 * off, alternating, in the same run (the fold must not slow deciding down); and the fold's lag, from a
 * decision's acknowledgement to the moment the rollups count it, at a paced rate. Prints figures, asserts
 * nothing about time; exits non-zero only when the run broke (a process died, most calls failed, or the
 * rollups do not hold exactly the decisions Postgres holds).
 *
 * Environment: BENCH_DURATION_S (15 per flat-out run), BENCH_ROUNDS (2: on/off pairs), BENCH_REVIEWERS (50),
 * BENCH_ITEMS (pre-filled; enough for every run by default), BENCH_LAG_RATE (300 decisions/s),
 * BENCH_LAG_S (20), BENCH_DATABASE_URL or DATABASE_URL, REDIS_URL.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ReviewClient } from '../test/support/review-client.js';
import { detectorBenchmark } from './monitoring-detector.js';
import { type Bench, BrokenRun, envNumber, runBench } from './support/bench-run.js';
import type { Child } from './support/processes.js';
import {
  type DecideBody,
  fmt,
  formatTable,
  preFill,
  runDecisions,
  setUpTenant,
  sleep,
  summarise,
  vacuumAnalyse,
} from './support/review-load.js';

const DURATION_S = envNumber('BENCH_DURATION_S', 15);
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 2));
const REVIEWERS = Math.round(envNumber('BENCH_REVIEWERS', 50));
const LAG_RATE = envNumber('BENCH_LAG_RATE', 300);
const LAG_S = envNumber('BENCH_LAG_S', 20);
const ITEMS = Math.round(
  envNumber('BENCH_ITEMS', (ROUNDS * 2 * DURATION_S + 5) * 700 + LAG_S * LAG_RATE * 1.2),
);
const FOLD_ON = { MONITORING_FOLD_INTERVAL_MS: '500' };
const FOLD_OFF = { MONITORING_FOLD_INTERVAL_MS: '0' };

const log = (message: string) => console.log(message);
/** Every tenth decision rejects, so the fold has overrides, not only approvals, to count. */
const decideBody = (n: number): DecideBody => (n % 10 === 9 ? { verdict: 'reject' } : { verdict: 'approve' });

const sockets: ReviewClient[] = [];

async function main(bench: Bench): Promise<void> {
  log(`\n[detector] simulated streams...\n`);
  const detector = await detectorBenchmark();
  log(detector);

  bench.migrate();
  const { child: api, url, client, adminToken, assertAlive } = await bench.startApi();
  const tenant = await setUpTenant(client, adminToken, bench.suffix, REVIEWERS, {
    slugPrefix: 'bench-monitoring',
    queueName: 'Monitoring benchmark',
  });
  log(`\nAPI pid ${api.pid} on ${url}; queue ${tenant.slug}; pre-filling ${ITEMS} items...`);
  const accepted = await preFill(url, tenant, bench.suffix, ITEMS);
  await vacuumAnalyse(bench.databaseUrl);
  log(`pre-filled ${accepted}`);
  for (const token of tenant.reviewerTokens.slice(0, REVIEWERS))
    sockets.push(await ReviewClient.connect(url, token));

  const db = new pg.Client({ connectionString: bench.databaseUrl });
  await db.connect();
  let worker: Child | undefined;
  const restartWorker = async (env: Record<string, string>) => {
    await worker?.stop();
    worker = await bench.startWorker(env);
  };
  const folded = async () =>
    Number(
      (
        await db.query<{ n: string | null }>(
          `SELECT sum(approved + corrected + rejected) AS n FROM model_rollups WHERE queue_id = $1`,
          [tenant.queueId],
        )
      ).rows[0]!.n ?? 0,
    );
  const decided = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM decisions WHERE queue_id = $1 AND reviewer_id IS NOT NULL`,
          [tenant.queueId],
        )
      ).rows[0]!.n,
    );
  const caughtUp = async (what: string) => {
    const deadline = performance.now() + 60_000;
    for (;;) {
      const [f, d] = [await folded(), await decided()];
      if (f === d) return f;
      if (performance.now() > deadline) throw new BrokenRun(`${what}: rollups count ${f}, decisions ${d}`);
      await sleep(200);
    }
  };

  try {
    // A first run warms the API, Postgres' caches and the sockets up; its figure is not kept.
    await restartWorker(FOLD_OFF);
    log(`\n[warm-up] ${REVIEWERS} reviewers flat out, ${Math.min(5, DURATION_S)}s (not counted)...`);
    await runDecisions(sockets, tenant.slug, {
      durationS: Math.min(5, DURATION_S),
      ratePerSec: null,
      stopped: () => bench.interrupted,
      decideBody,
    });

    // 1. Flat out, fold on and off alternately.
    const runs: { fold: 'on' | 'off'; perSec: number; decided: number; empty: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const fold of ['on', 'off'] as const) {
        await restartWorker(fold === 'on' ? FOLD_ON : FOLD_OFF);
        if (fold === 'on') await caughtUp('before the run');
        log(
          `\n[scenario] round ${round + 1}, fold ${fold}: ${REVIEWERS} reviewers flat out, ${DURATION_S}s...`,
        );
        const run = await runDecisions(sockets, tenant.slug, {
          durationS: DURATION_S,
          ratePerSec: null,
          stopped: () => bench.interrupted,
          decideBody,
        });
        assertAlive();
        if (worker?.died) throw new BrokenRun(`${worker.describeExit()}:\n${worker.output()}`);
        if (run.decided === 0 || run.errors.total > run.decided)
          throw new BrokenRun(`decisions: ${run.decided}, errors ${JSON.stringify(run.errors.codes)}`);
        if (run.empty > 0) log('  NOTE: the queue ran dry (raise BENCH_ITEMS)');
        runs.push({ fold, perSec: run.decided / run.durationS, decided: run.decided, empty: run.empty });
        log(`  ${run.decided} decisions, ${fmt(run.decided / run.durationS, 1)} /s`);
        if (bench.interrupted) throw new BrokenRun('interrupted');
      }
    }

    // 2. Lag at a paced rate, fold on.
    await restartWorker(FOLD_ON);
    const before = await caughtUp('before the lag run');
    log(`\n[scenario] fold lag at ${LAG_RATE} decisions/s, ${LAG_S}s...`);
    const acks: number[] = [];
    const polls: { t: number; n: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const n = (await folded()) - before;
        polls.push({ t: performance.now(), n });
        await sleep(50);
      }
    })();
    const paced = await runDecisions(sockets, tenant.slug, {
      durationS: LAG_S,
      ratePerSec: LAG_RATE,
      stopped: () => bench.interrupted,
      decideBody,
      onDecided: () => acks.push(performance.now()),
    });
    const total = await caughtUp('after the lag run');
    polling = false;
    await poller;
    polls.push({ t: performance.now(), n: total - before });
    const lags = acks.map((at, k) => {
      const seen = polls.find((p) => p.n >= k + 1 && p.t >= at) ?? polls.at(-1)!;
      return seen.t - at;
    });
    const lag = summarise(lags);

    const mean = (fold: 'on' | 'off') => {
      const of = runs.filter((r) => r.fold === fold);
      return of.reduce((s, r) => s + r.perSec, 0) / of.length;
    };
    const ratio = mean('on') / mean('off');
    const table = [
      ...runs.map((r, i) => ({
        metric: `run ${i + 1}: fold ${r.fold}, decisions/s`,
        value: `${fmt(r.perSec, 1)} /s`,
        p50: '',
        p99: '',
      })),
      { metric: 'fold on: mean decisions/s', value: `${fmt(mean('on'), 1)} /s`, p50: '', p99: '' },
      { metric: 'fold off: mean decisions/s', value: `${fmt(mean('off'), 1)} /s`, p50: '', p99: '' },
      { metric: 'on / off (goal ≥ 0.95)', value: fmt(ratio, 3), p50: '', p99: '' },
      {
        metric: `paced ${LAG_RATE}/s: decisions/s achieved`,
        value: `${fmt(paced.decided / paced.durationS, 1)} /s`,
        p50: '',
        p99: '',
      },
      {
        metric: 'fold lag, acknowledgement → in the rollups (goal p99 < 2 s)',
        value: `${fmt(lag.count)} decisions, max ${fmt(lag.max)} ms`,
        p50: `${fmt(lag.p50)} ms`,
        p99: `${fmt(lag.p99)} ms`,
      },
    ];
    log(`\n${detector}\n\n${formatTable(table)}`);
    log(`rollups hold ${total} human decisions, Postgres ${await decided()}: OK`);
    await bench.writeResults({
      settings: {
        durationS: DURATION_S,
        rounds: ROUNDS,
        reviewers: REVIEWERS,
        items: ITEMS,
        lagRate: LAG_RATE,
      },
      detector,
      table,
      runs,
      lagMs: lag,
    });
  } finally {
    await db.end();
  }
}

process.exitCode = await runBench(
  {
    name: 'monitoring',
    settings: `${REVIEWERS} reviewers, ${ROUNDS} on/off rounds of ${DURATION_S}s, lag at ${LAG_RATE}/s`,
    interruptible: true,
    beforeCleanUp: () => sockets.forEach((s) => s.close()),
  },
  main,
);
