/**
 * Review benchmark (`npm run bench:review`): how many decisions per second reviewers get through the socket.io
 * namespace /review (claim:next → claim:decide), how long a queue:stats push takes to reach every subscriber
 * after a submit, and, in the same run, two bare baselines: a socket.io server answering plain acks, and
 * Postgres alone running the two database calls a decision takes. Prints figures and asserts nothing about
 * time; exits non-zero only when the run itself broke (a server died, most calls failed, or the decisions in
 * Postgres do not match the acknowledged ones).
 *
 * Environment: BENCH_DURATION_S (15), BENCH_REVIEWERS (50 sockets, one user each), BENCH_SUBSCRIBERS (200
 * sockets, spread over the reviewer users), BENCH_ITEMS (36000, pre-filled), BENCH_WARMUP_S (3: decisions as fast
 * as they can before anything is measured, so the API's code is compiled), BENCH_PACED_RATE (500
 * decisions/s in all for the paced run), BENCH_PROBES (30), BENCH_PROBE_GAP_MS (400), BENCH_CPU_PROF=1
 * (profile the API during the decision load), BENCH_DATABASE_URL or DATABASE_URL, REDIS_URL. Anything else
 * in the environment (e.g. DB_POOL_SIZE, which also sets the Postgres baseline's connections) reaches the
 * API process.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { ReviewClient } from '../test/support/review-client.js';
import { type Bench, BrokenRun, envNumber, runBench } from './support/bench-run.js';
import { formatProfile, profileAround, type ProfileSummary } from './support/cpu-profile.js';
import { cpuAround, formatCpu } from './support/process-cpu.js';
import { runPgReviewLoop } from './support/pg-review-loop.js';
import { singleBodyParts } from './support/item-body.js';
import {
  Errors,
  fmt,
  formatTable,
  ms,
  pendingCount,
  preFill,
  runDecisions,
  setUpTenant,
  sleep,
  summarise,
  type TableRow,
  type Tenant,
  vacuumAnalyse,
} from './support/review-load.js';
import { round } from './support/stats.js';

const DURATION_S = envNumber('BENCH_DURATION_S', 15);
const REVIEWERS = Math.round(envNumber('BENCH_REVIEWERS', 50));
const SUBSCRIBERS = Math.round(envNumber('BENCH_SUBSCRIBERS', 200));
const ITEMS = Math.round(envNumber('BENCH_ITEMS', 36_000));
const WARMUP_S = envNumber('BENCH_WARMUP_S', 3);
const PACED_RATE = envNumber('BENCH_PACED_RATE', 500);
const PROBES = Math.round(envNumber('BENCH_PROBES', 30));
const PROBE_GAP_MS = envNumber('BENCH_PROBE_GAP_MS', 400);
const BATCH = 500;

const log = (message: string) => console.log(message);
/** Every client socket the run opens, closed before the API is stopped. */
const sockets: { close(): void }[] = [];

async function main(bench: Bench): Promise<void> {
  const { suffix, databaseUrl } = bench;
  bench.migrate();

  // Baseline first, while nothing else runs: a bare socket.io server, ack round trips.
  const bare = await bench.startServer({
    name: 'bare socket.io server',
    script: 'support/review-bare-socketio-server.js',
    readyPath: '/socket.io/?EIO=4&transport=polling',
  });
  log(`\n[baseline] bare socket.io server, ${REVIEWERS} sockets doing ack round trips, ${DURATION_S}s...`);
  const baseline = await runBaseline(bare.url, () => bench.interrupted);
  bare.assertAlive();
  await bare.child.stop();
  if (baseline.acks === 0 || baseline.errors.total > baseline.acks)
    throw new BrokenRun(`baseline: ${baseline.acks} acks, errors ${JSON.stringify(baseline.errors.codes)}`);
  if (bench.interrupted) throw new BrokenRun('interrupted');

  // The API as its own process.
  const { child: api, url: apiUrl, client, adminToken, assertAlive } = await bench.startApi();
  const setup = await setUpTenant(client, adminToken, suffix, REVIEWERS);
  log(`API pid ${api.pid} on ${apiUrl}; queue ${setup.slug}, ${setup.reviewerTokens.length} reviewer users`);

  // Pre-fill the queue.
  const fillStarted = performance.now();
  const accepted = await preFill(apiUrl, setup, suffix, ITEMS, BATCH);
  // The pre-fill's rows would otherwise be vacuumed and analysed by autovacuum during the first timed run.
  await vacuumAnalyse(databaseUrl);
  const pendingBefore = await pendingCount(databaseUrl, setup.queueId);
  log(
    `pre-filled ${accepted} items in ${Math.round(performance.now() - fillStarted)} ms; pending before the run: ` +
      `${pendingBefore}`,
  );
  assertAlive();

  // 1. Decision load: each reviewer socket loops claim:next → claim:decide {approve}.
  const reviewers: ReviewClient[] = [];
  for (let i = 0; i < REVIEWERS; i++) {
    const c = await ReviewClient.connect(apiUrl, setup.reviewerTokens[i % setup.reviewerTokens.length]!);
    sockets.push(c);
    reviewers.push(c);
  }
  const decisionRun = async (title: string, ratePerSec: number | null) => {
    log(
      `\n[scenario] ${REVIEWERS} reviewer sockets, claim:next → claim:decide approve, ${title}, ${DURATION_S}s...`,
    );
    const load = () =>
      runDecisions(reviewers, setup.slug, {
        durationS: DURATION_S,
        ratePerSec,
        stopped: () => bench.interrupted,
      });
    let profile: ProfileSummary | undefined;
    await bench.checkpoint();
    const { result: run, cpu } = await cpuAround({ api: api.pid }, async () => {
      if (!(bench.cpuProfiling && ratePerSec === null)) return load();
      const profiled = await profileAround(api, bench.profileFile('decisions'), load);
      profile = profiled.profile;
      return profiled.result;
    });
    assertAlive();
    log(
      `  ${run.decided} decisions acknowledged in ${round(run.durationS, 2)} s; ` +
        `empty claim:next answers: ${run.empty}`,
    );
    if (run.empty > 0)
      log(
        `  NOTE: the queue ran dry during the run (raise BENCH_ITEMS); decisions/s is capped by the supply`,
      );
    if (run.decided === 0 || run.errors.total > run.decided)
      throw new BrokenRun(
        `decision load: ${run.decided} decisions, errors ${JSON.stringify(run.errors.codes)}`,
      );
    if (bench.interrupted) throw new BrokenRun('interrupted');
    return { run, profile, cpu };
  };
  // Unmeasured: until V8 has compiled the claim and decide paths, the first seconds cost more per decision.
  log(`\n[warm-up] ${REVIEWERS} reviewer sockets, as fast as they can, ${WARMUP_S}s (not measured)...`);
  const warmup = await runDecisions(reviewers, setup.slug, {
    durationS: WARMUP_S,
    ratePerSec: null,
    stopped: () => bench.interrupted,
  });
  log(`  ${warmup.decided} decisions`);
  // Latency at the target rate first, then throughput with every reviewer going as fast as it can.
  const { run: paced, cpu: pacedCpu } = await decisionRun(
    `paced to ${PACED_RATE} decisions/s in all`,
    PACED_RATE,
  );
  const { run: decisions, profile, cpu: flatCpu } = await decisionRun('as fast as they can', null);
  for (const r of reviewers) r.close();

  // Baseline: the same two database calls per decision from as many connections as the API's pool, alone.
  const pgConnections = Math.round(Number(process.env.DB_POOL_SIZE ?? 20));
  log(
    `\n[baseline] Postgres alone: claim_item + decide_claim over ${pgConnections} connections, ${DURATION_S}s...`,
  );
  await bench.checkpoint();
  const { result: pgLoop, cpu: pgCpu } = await cpuAround({}, () =>
    runPgReviewLoop({
      databaseUrl,
      queueId: setup.queueId,
      reviewers: setup.reviewers,
      concurrency: pgConnections,
      durationS: DURATION_S,
      leaseSeconds: 300,
      stopped: () => bench.interrupted,
    }),
  );
  if (pgLoop.decided === 0 || pgLoop.errors > pgLoop.decided)
    throw new BrokenRun(
      `Postgres baseline: ${pgLoop.decided} decisions, ${pgLoop.errors} errors (${pgLoop.firstError})`,
    );
  if (bench.interrupted) throw new BrokenRun('interrupted');

  const pendingAfter = await pendingCount(databaseUrl, setup.queueId);
  const acknowledged = warmup.decided + paced.decided + decisions.decided + pgLoop.decided;

  // 2. Stats fan-out to the subscribers, in a separate phase of spaced single submits.
  log(
    `\n[scenario] queue:stats fan-out to ${SUBSCRIBERS} subscribers, ${PROBES} probes ${PROBE_GAP_MS} ms apart...`,
  );
  const fanout = await runFanout(apiUrl, setup, suffix, sockets, () => bench.interrupted);
  assertAlive();
  if (bench.interrupted) throw new BrokenRun('interrupted');
  if (fanout.samples.length === 0) throw new BrokenRun('fan-out: no queue:stats push arrived');

  // Verification: decisions rows == decisions acknowledged; no item decided twice.
  const verification = await verify(databaseUrl, setup.queueId, acknowledged);

  // Report.
  const decisionsPerSec = decisions.decided / decisions.durationS;
  const nextS = summarise(decisions.nextMs);
  const decideS = summarise(decisions.decideMs);
  const pacedPerSec = paced.decided / paced.durationS;
  const pacedNextS = summarise(paced.nextMs);
  const pacedDecideS = summarise(paced.decideMs);
  const fanS = summarise(fanout.samples);
  const baseS = summarise(baseline.latencyMs);
  const pgClaimS = summarise(pgLoop.claimMs);
  const pgDecideS = summarise(pgLoop.decideMs);
  const table: TableRow[] = [
    {
      metric: `paced: decisions/s (target ${fmt(PACED_RATE)})`,
      value: `${fmt(pacedPerSec, 1)} /s`,
      p50: '',
      p99: '',
    },
    {
      metric: 'paced: claim:next ack',
      value: `${fmt(pacedNextS.count)} acks`,
      p50: ms(pacedNextS.p50),
      p99: ms(pacedNextS.p99),
    },
    {
      metric: 'paced: claim:decide ack',
      value: `${fmt(pacedDecideS.count)} acks`,
      p50: ms(pacedDecideS.p50),
      p99: ms(pacedDecideS.p99),
    },
    {
      metric: 'flat out: decisions/s',
      value: `${fmt(decisionsPerSec, 1)} /s`,
      p50: '',
      p99: '',
    },
    {
      metric: 'flat out: claim:next ack',
      value: `${fmt(nextS.count)} acks`,
      p50: ms(nextS.p50),
      p99: ms(nextS.p99),
    },
    {
      metric: 'flat out: claim:decide ack',
      value: `${fmt(decideS.count)} acks`,
      p50: ms(decideS.p50),
      p99: ms(decideS.p99),
    },
    {
      metric: `queue:stats fan-out (${SUBSCRIBERS} subscribers)`,
      value: `${fmt(fanS.count)} samples`,
      p50: ms(fanS.p50),
      p99: ms(fanS.p99),
    },
    {
      metric: `baseline: bare socket.io ack (${REVIEWERS} sockets)`,
      value: `${fmt(baseline.acks / baseline.durationS)} acks/s`,
      p50: ms(baseS.p50),
      p99: ms(baseS.p99),
    },
    {
      metric: `baseline: Postgres alone, decisions/s (${pgConnections} conns)`,
      value: `${fmt(pgLoop.decided / pgLoop.durationS, 1)} /s`,
      p50: '',
      p99: '',
    },
    {
      metric: 'baseline: Postgres alone, claim_item',
      value: `${fmt(pgClaimS.count)} calls`,
      p50: ms(pgClaimS.p50),
      p99: ms(pgClaimS.p99),
    },
    {
      metric: 'baseline: Postgres alone, decide_claim',
      value: `${fmt(pgDecideS.count)} calls`,
      p50: ms(pgDecideS.p50),
      p99: ms(pgDecideS.p99),
    },
    {
      metric: 'errors (paced / flat out)',
      value: [paced, decisions]
        .map((r) => (r.errors.total === 0 ? '0' : `${r.errors.total} ${JSON.stringify(r.errors.codes)}`))
        .join(' / '),
      p50: '',
      p99: '',
    },
    {
      metric: 'errors (fan-out / socket.io / Postgres baselines)',
      value: `${fanout.missing} missing pushes / ${baseline.errors.total} / ${pgLoop.errors}`,
      p50: '',
      p99: '',
    },
  ];
  log(`\n${formatTable(table)}`);
  log(
    `(fan-out: from the start of the HTTP submit to the arrival of the first queue:stats push whose pending ` +
      `count includes the item, per probe × subscriber; pushes are coalesced server-side to ≤ 4/s per queue)`,
  );
  log(
    `pending before ${pendingBefore}, after ${pendingAfter}; decisions in Postgres ${verification.decisionRows}, ` +
      `acknowledged ${acknowledged}; items with more than one decision: ${verification.duplicateItems}`,
  );
  log(`  => ${verification.ok ? 'OK' : `FAILED: ${verification.problems.join('; ')}`}`);
  const pgPerSec = pgLoop.decided / pgLoop.durationS;
  const ratios = {
    flatOutVsPostgres: decisionsPerSec / pgPerSec,
    claimNextP99VsClaimItemP99: nextS.p99 / pgClaimS.p99,
    pacedClaimNextP99VsClaimItemP99: pacedNextS.p99 / pgClaimS.p99,
  };
  log(
    `\nratios in this run: flat-out decisions/s ${fmt(ratios.flatOutVsPostgres * 100, 1)}% of Postgres alone ` +
      `(target ≥ 70%); claim:next p99 ${fmt(ratios.claimNextP99VsClaimItemP99, 2)}× Postgres-alone claim_item ` +
      `p99 flat out, ${fmt(ratios.pacedClaimNextP99VsClaimItemP99, 2)}× paced (target ≤ 3×)`,
  );
  log(`  paced:          ${formatCpu(pacedCpu, paced.decided, 'decision')}`);
  log(`  flat out:       ${formatCpu(flatCpu, decisions.decided, 'decision')}`);
  log(`  Postgres alone: ${formatCpu(pgCpu, pgLoop.decided, 'decision')}`);
  if (profile) log(`\n${formatProfile('decision load', profile)}`);
  await bench.writeResults({
    settings: {
      durationS: DURATION_S,
      reviewers: REVIEWERS,
      reviewerUsers: setup.reviewerTokens.length,
      subscribers: SUBSCRIBERS,
      items: ITEMS,
      probes: PROBES,
      probeGapMs: PROBE_GAP_MS,
      dbPoolSize: process.env.DB_POOL_SIZE ?? '20 (default)',
    },
    table,
    ratios,
    cpu: { paced: pacedCpu, flatOut: flatCpu, postgresAlone: pgCpu },
    details: {
      paced: {
        targetPerSec: PACED_RATE,
        decided: paced.decided,
        durationS: paced.durationS,
        decisionsPerSec: pacedPerSec,
        errors: paced.errors,
        claimNextMs: pacedNextS,
        claimDecideMs: pacedDecideS,
      },
      decisions: {
        decided: decisions.decided,
        durationS: decisions.durationS,
        decisionsPerSec,
        emptyClaimNext: decisions.empty,
        errors: decisions.errors,
        claimNextMs: nextS,
        claimDecideMs: decideS,
        pendingBefore,
        pendingAfter,
        prefilled: accepted,
      },
      fanout: { delayMs: fanS, probes: fanout.probes, missingPushes: fanout.missing },
      baseline: {
        acks: baseline.acks,
        durationS: baseline.durationS,
        acksPerSec: baseline.acks / baseline.durationS,
        latencyMs: baseS,
        errors: baseline.errors,
      },
      postgresBaseline: {
        connections: pgConnections,
        decided: pgLoop.decided,
        durationS: pgLoop.durationS,
        decisionsPerSec: pgLoop.decided / pgLoop.durationS,
        errors: pgLoop.errors,
        claimItemMs: pgClaimS,
        decideClaimMs: pgDecideS,
      },
    },
    verification,
  });
  if (!verification.ok) throw new BrokenRun(`verification failed: ${verification.problems.join('; ')}`);
}

interface FanoutRun {
  samples: number[];
  missing: number;
  probes: { expectedPending: number; received: number; p50: number; max: number }[];
}

/**
 * Connects and subscribes the subscribers (spread over the reviewer users), then submits one item at a time,
 * spaced so pushes are not coalesced together, and times the first push reflecting each item at every socket.
 */
async function runFanout(
  apiUrl: string,
  setup: Tenant,
  suffix: string,
  sockets: { close(): void }[],
  stopped: () => boolean,
): Promise<FanoutRun> {
  const subscribers: ReviewClient[] = [];
  const arrivals: { t: number; pending: number }[][] = [];
  let pending = -1;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const c = await ReviewClient.connect(apiUrl, setup.reviewerTokens[i % setup.reviewerTokens.length]!);
    sockets.push(c);
    subscribers.push(c);
    const mine: { t: number; pending: number }[] = [];
    arrivals.push(mine);
    c.socket.on('queue:stats', (stats: { pending: number }) =>
      mine.push({ t: performance.now(), pending: stats.pending }),
    );
    const ack = await c.call<{ stats?: { pending: number }; error?: { code: string } }>('queue:subscribe', {
      queue: setup.slug,
    });
    if (!ack.stats) throw new BrokenRun(`queue:subscribe: ${JSON.stringify(ack)}`);
    pending = ack.stats.pending;
  }
  await sleep(500); // let any push still scheduled from the subscribe phase go by
  const [prefix, suffixPart] = singleBodyParts();
  const run: FanoutRun = { samples: [], missing: 0, probes: [] };
  for (let p = 0; p < PROBES && !stopped(); p++) {
    const expected = pending + p + 1;
    const t0 = performance.now();
    const res = await fetch(`${apiUrl}/api/v1/queues/${setup.slug}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': setup.key },
      body: prefix + `probe-${suffix}-${p}` + suffixPart,
    });
    const text = await res.text();
    if (res.status !== 201) throw new BrokenRun(`probe submit: HTTP ${res.status} ${text.slice(0, 300)}`);
    // Wait until every subscriber has seen it (or 5 s), then keep the spacing.
    const waitUntil = performance.now() + 5000;
    const seen = () => arrivals.filter((a) => a.some((x) => x.t >= t0 && x.pending >= expected)).length;
    while (seen() < subscribers.length && performance.now() < waitUntil) await sleep(10);
    const delays: number[] = [];
    for (const a of arrivals) {
      const hit = a.find((x) => x.t >= t0 && x.pending >= expected);
      if (hit) delays.push(hit.t - t0);
      else run.missing++;
    }
    run.samples.push(...delays);
    const s = summarise(delays);
    run.probes.push({ expectedPending: expected, received: delays.length, p50: s.p50, max: s.max });
    for (const a of arrivals) a.length = 0;
    await sleep(PROBE_GAP_MS);
  }
  for (const c of subscribers) c.close();
  return run;
}

interface BaselineRun {
  acks: number;
  durationS: number;
  latencyMs: number[];
  errors: Errors;
}

async function runBaseline(url: string, stopped: () => boolean): Promise<BaselineRun> {
  const clients = await Promise.all(
    Array.from(
      { length: REVIEWERS },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
        }),
    ),
  );
  const run: BaselineRun = { acks: 0, durationS: 0, latencyMs: [], errors: new Errors() };
  const payload = { queue: 'bench-review-baseline' };
  const started = performance.now();
  const deadline = started + DURATION_S * 1000;
  try {
    await Promise.all(
      clients.map(async (s) => {
        while (performance.now() < deadline && !stopped()) {
          const t0 = performance.now();
          try {
            await s.timeout(10_000).emitWithAck('ping', payload);
            run.latencyMs.push(performance.now() - t0);
            run.acks++;
          } catch {
            run.errors.add('TIMEOUT');
          }
        }
      }),
    );
  } finally {
    run.durationS = (performance.now() - started) / 1000;
    for (const s of clients) s.close();
  }
  return run;
}

interface Verification {
  ok: boolean;
  problems: string[];
  decisionRows: number;
  decisionsAcknowledged: number;
  duplicateItems: number;
  approvedItems: number;
  liveClaims: number;
}

async function verify(databaseUrl: string, queueId: string, acked: number): Promise<Verification> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await sleep(500); // the last acknowledgements were sent after their transactions committed; be generous
    const one = async (sql: string) => (await db.query<{ n: number }>(sql, [queueId])).rows[0]!.n;
    const decisionRows = await one(
      `SELECT count(*)::int AS n FROM decisions d JOIN items i ON i.id = d.item_id WHERE i.queue_id = $1`,
    );
    const duplicateItems = await one(
      `SELECT count(*)::int AS n FROM (SELECT d.item_id FROM decisions d JOIN items i ON i.id = d.item_id
         WHERE i.queue_id = $1 GROUP BY d.item_id HAVING count(*) > 1) dup`,
    );
    const approvedItems = await one(
      `SELECT count(*)::int AS n FROM items WHERE queue_id = $1 AND status = 'approved'`,
    );
    const liveClaims = await one(
      `SELECT count(*)::int AS n FROM claims c JOIN items i ON i.id = c.item_id
        WHERE i.queue_id = $1 AND c.status = 'live'`,
    ).catch(() => -1);
    const problems: string[] = [];
    if (decisionRows !== acked)
      problems.push(`${decisionRows} decisions rows for ${acked} acknowledged decisions`);
    if (duplicateItems > 0) problems.push(`${duplicateItems} item(s) have more than one decision`);
    if (approvedItems !== decisionRows)
      problems.push(`${approvedItems} approved items for ${decisionRows} decisions`);
    return {
      ok: problems.length === 0,
      problems,
      decisionRows,
      decisionsAcknowledged: acked,
      duplicateItems,
      approvedItems,
      liveClaims,
    };
  } finally {
    await db.end();
  }
}

process.exitCode = await runBench(
  {
    name: 'review',
    settings:
      `${DURATION_S}s per scenario, ${REVIEWERS} reviewer sockets, ${SUBSCRIBERS} subscribers, ` +
      `${ITEMS} items pre-filled`,
    profilable: true,
    interruptible: true,
    beforeCleanUp: () => {
      for (const s of sockets) s.close();
    },
  },
  main,
);
