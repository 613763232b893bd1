/**
 * What every benchmark does around its scenarios: a scratch database and Redis prefix of its own, the API
 * started the way production starts it, a results file with the machine it ran on, and a clean-up that
 * runs however the benchmark ends. The scenarios themselves stay in each benchmark.
 */
import { withDatabaseName } from '@arbiter/database';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ApiClient } from '../../test/support/api-client.js';
import { cleanUp } from './cleanup.js';
import { Child, type ChildOptions, freePort } from './processes.js';

/** A failure of the run itself, reported by its message alone (anything else gets its stack). */
export class BrokenRun extends Error {}

/** A positive number from the environment; a typo must stop the run rather than measure something else. */
export function envNumber(name: string, fallback: number, { integer = false } = {}): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value <= 0)
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  return value;
}

/** The body of an answer that must have `status`; any other breaks the run, with the body to say why. */
export function expectStatus(
  res: { status: number; body: unknown },
  status: number,
  what: string,
): Record<string, any> {
  if (res.status !== status) throw new BrokenRun(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}

const BASE_DB_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** <dist>/bench, where the compiled benchmarks and their helper servers are. */
const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const distRoot = join(BENCH_DIR, '..');
const API_MAIN = join(distRoot, 'apps/api/src/main.js');
const WORKER_MAIN = join(distRoot, 'apps/worker/src/main.js');
const MIGRATE = join(distRoot, 'scripts/migrate.js');
const PROFILED_API = join(BENCH_DIR, 'support/profiled-api.js');

/** The repository root (where package.json is), wherever the build output lives. */
function repoRoot(): string {
  for (let dir = distRoot; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
const RESULTS_DIR = join(repoRoot(), 'bench', 'results');

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export interface Server {
  child: Child;
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** Throws when the server died: figures measured against a dead server mean nothing. */
  assertAlive: () => void;
}

export interface Api extends Server {
  client: ApiClient;
  /** The bootstrap admin's access token, to set the benchmark's tenant up with. */
  adminToken: string;
}

export interface ServerOptions extends Omit<ChildOptions, 'env'> {
  env?: NodeJS.ProcessEnv;
  /** Polled until it answers 2xx. */
  readyPath: string;
}

/** One benchmark run: its names in Postgres, Redis and bench/results, and the processes it started. */
export class Bench {
  readonly suffix = randomBytes(4).toString('hex');
  readonly databaseUrl = withDatabaseName(BASE_DB_URL, `arbiter_bench_${this.suffix}`);
  readonly redisPrefix = `arbbench-${this.suffix}`;
  readonly startedAt = new Date();
  readonly stamp = this.startedAt.toISOString().replace(/[:.]/g, '-');
  /** BENCH_CPU_PROF=1 and the benchmark knows what to profile. */
  readonly cpuProfiling: boolean;
  /** Set on SIGINT/SIGTERM; scenarios poll it to stop early so the clean-up still runs. */
  interrupted = false;
  private readonly children: Child[] = [];
  private databaseCreated = false;

  constructor(
    readonly name: string,
    profilable: boolean,
  ) {
    this.cpuProfiling = profilable && process.env.BENCH_CPU_PROF === '1';
  }

  /** A fresh database with the schema made by the project's own migration script, not a copy of it. */
  migrate(): void {
    // Before the attempt: a migration that fails half-way may still have created the database.
    this.databaseCreated = true;
    const migrate = spawnSync(process.execPath, [MIGRATE], {
      env: { ...process.env, DATABASE_URL: this.databaseUrl, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    if (migrate.status !== 0) throw new BrokenRun(`migration failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }

  /**
   * Before a timed scenario: writes out the dirty pages the steps before it left (the pre-fill, the previous
   * scenario), so the background writer and the next checkpoint do not spend this scenario's time on them,
   * and every scenario starts alike.
   */
  async checkpoint(): Promise<void> {
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      await db.query('CHECKPOINT');
    } finally {
      await db.end();
    }
  }

  /**
   * A Node server as a child process on a free loopback port (given as PORT), once it is ready; the clean-up
   * stops it. `script` is relative to <dist>/bench unless absolute.
   */
  async startServer({ readyPath, env, ...options }: ServerOptions): Promise<Server> {
    const port = await freePort();
    const child = new Child({
      ...options,
      script: resolve(BENCH_DIR, options.script),
      env: { ...env, PORT: String(port) },
    });
    this.children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await child.waitUntilReady(`${url}${readyPath}`);
    const assertAlive = () => {
      if (child.died) throw new BrokenRun(`${child.describeExit()} during the run:\n${child.output()}`);
    };
    return { child, url, assertAlive };
  }

  /**
   * The API as its own process, ready to serve, logged into as its bootstrap admin. With `cpuProfiling` it
   * runs under support/profiled-api so the benchmark can switch V8's profiler on and off around a scenario.
   */
  async startApi(): Promise<Api> {
    const admin = { email: 'bench-admin@bench.local', password: randomBytes(12).toString('hex') };
    const server = await this.startServer({
      name: 'API',
      script: this.cpuProfiling ? PROFILED_API : API_MAIN,
      // The same V8 flag `npm start` and the Docker image run the API with.
      nodeArgs: ['--max-semi-space-size=64'],
      ipc: this.cpuProfiling,
      readyPath: '/health/ready',
      env: {
        ...process.env,
        ...(this.cpuProfiling ? { ARBITER_API_MAIN: API_MAIN } : {}),
        // NODE_ENV only gates start-up checks; 'test' lets password hashing be cheap, so setting up 50
        // reviewers takes seconds (at production's 2^17 each sign-up and sign-in costs 0.6 s of CPU here).
        NODE_ENV: 'test',
        PASSWORD_SCRYPT_LOG_N: '14',
        HOST: '127.0.0.1',
        DATABASE_URL: this.databaseUrl,
        REDIS_URL,
        REDIS_PREFIX: this.redisPrefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'warn',
        BOOTSTRAP_ADMIN_EMAIL: admin.email,
        BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      },
    });
    const client = new ApiClient(server.url);
    const login = expectStatus(
      await client.post('/api/v1/auth/login', admin),
      200,
      'login as bootstrap admin',
    );
    return { ...server, client, adminToken: login.accessToken as string };
  }

  /**
   * The worker as its own process on this run's database and Redis prefix, once it says it runs; `env` adds
   * settings (e.g. MONITORING_FOLD_INTERVAL_MS). The clean-up stops it, or stop it yourself to start another.
   */
  async startWorker(env: NodeJS.ProcessEnv = {}): Promise<Child> {
    const child = new Child({
      name: 'worker',
      script: WORKER_MAIN,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: this.databaseUrl,
        REDIS_URL,
        REDIS_PREFIX: this.redisPrefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'info',
        ...env,
      },
    });
    this.children.push(child);
    const deadline = Date.now() + 30_000;
    while (!child.output().includes('Arbiter worker running')) {
      if (!child.alive) throw new BrokenRun(`${child.describeExit()} during start-up:\n${child.output()}`);
      if (Date.now() > deadline) throw new BrokenRun(`worker not running after 30 s:\n${child.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  }

  /** Where a CPU profile taken during this run goes, next to its results. */
  profileFile(label: string): string {
    return join(RESULTS_DIR, `${this.name}-${this.stamp}-${label}.cpuprofile`);
  }

  /**
   * Writes bench/results/<name>-<stamp>.json: `results` after when and where it ran, since figures from a
   * loaded or different machine are not comparable. Logs the load average first for the same reason.
   */
  async writeResults(results: Record<string, unknown>): Promise<string> {
    console.log(`\nload average now ${loadAverage()} (other work on this machine makes the figures noisy)`);
    await mkdir(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${this.name}-${this.stamp}.json`);
    const document = {
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        node: process.version,
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model.trim(),
        loadAverageAtEnd: loadavg(),
      },
      ...results,
    };
    await writeFile(file, JSON.stringify(document, null, 2));
    console.log(`results written to ${file}`);
    return file;
  }

  /** Stops what the run started and drops what it created; runBench calls it whatever happened. */
  async cleanUp(): Promise<void> {
    await cleanUp(REDIS_URL, this.children, this.databaseCreated ? this.databaseUrl : null, this.redisPrefix);
  }
}

export interface BenchOptions {
  /** Names the results file and opens the start-up line. */
  name: string;
  /** The run's settings, for the start-up line. */
  settings: string;
  /** Honours BENCH_CPU_PROF=1 (see `Bench.cpuProfiling`). */
  profilable?: boolean;
  /**
   * The scenarios poll `interrupted`: SIGINT/SIGTERM then set it instead of ending the process, so that the
   * children, the database and the Redis keys are still cleaned up. Otherwise the signals keep their default.
   */
  interruptible?: boolean;
  /** With `interruptible`: cuts short what would otherwise run on until it next polls `interrupted`. */
  onInterrupt?: () => void;
  /** Runs before the children are stopped (e.g. closing client sockets so the API can drain). */
  beforeCleanUp?: () => void;
}

/**
 * Runs `body` as one benchmark run and returns the process exit code: 1 when it threw (the run broke), 0
 * otherwise. Cleans up in every case.
 */
export async function runBench(
  options: BenchOptions,
  body: (bench: Bench) => Promise<void>,
): Promise<number> {
  const bench = new Bench(options.name, options.profilable ?? false);
  const onSignal = (signal: NodeJS.Signals) => {
    bench.interrupted = true;
    console.log(`\n${signal}: stopping the load and cleaning up...`);
    options.onInterrupt?.();
  };
  if (options.interruptible) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  console.log(
    `${options.name} benchmark: ${options.settings}; node ${process.version}, ${availableParallelism()} CPU(s) ` +
      `(${cpus()[0]?.model.trim()}), load average ${loadAverage()}`,
  );
  console.log(`database ${bench.databaseUrl.replace(/\/\/[^@]*@/, '//')}, redis prefix ${bench.redisPrefix}`);

  try {
    await body(bench);
    return 0;
  } catch (error) {
    console.error(
      `\nBENCHMARK RUN BROKE: ${error instanceof BrokenRun ? error.message : (error as Error).stack}`,
    );
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.beforeCleanUp?.();
    await bench.cleanUp();
  }
}
