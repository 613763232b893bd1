import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './private-redis.js';

/**
 * A throwaway PostgreSQL 15 cluster of the test's own (initdb into a temp dir, loopback only, trust auth):
 * fault tests stop it hard and start it again without touching the machine's shared cluster.
 */
export interface PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  /** `pg_ctl stop -m <mode>`; `immediate` kills every backend at once, like a crash. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** `pg_ctl start -w`: resolves once the server accepts connections (after crash recovery if needed). */
  start(): Promise<void>;
  /** The server log, for failure messages. */
  log(): string;
  /** Stops the cluster and removes its directory; safe to call more than once. */
  close(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Defaults to the Debian/Ubuntu location of PostgreSQL 15. */
  binDir?: string;
}

const live = new Set<{ pgCtl: string; dataDir: string; dir: string; as: SpawnOptions }>();
let exitHookInstalled = false;

/** Whatever happens to the test process, no private cluster outlives it (and its directory goes too). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanup = () => {
    for (const cluster of live) {
      spawnSync(cluster.pgCtl, ['-D', cluster.dataDir, '-m', 'immediate', 'stop'], {
        ...cluster.as,
        stdio: 'ignore',
        timeout: 10_000,
      });
      rmSync(cluster.dir, { recursive: true, force: true });
    }
    live.clear();
  };
  process.on('exit', cleanup);
  // The server is a daemon: a test process killed by a signal would otherwise leave it running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** initdb and postgres refuse to run as root: run them as the `postgres` user then. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (!entry)
    throw new Error('running as root and there is no "postgres" user to run the private cluster as');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function run(command: string, args: string[], options: SpawnOptions, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code}):\n${output}`));
    });
  });
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const binDir = options.binDir ?? '/usr/lib/postgresql/15/bin';
  const initdb = join(binDir, 'initdb');
  const pgCtl = join(binDir, 'pg_ctl');
  if (!existsSync(initdb) || !existsSync(pgCtl)) throw new Error(`no initdb/pg_ctl in ${binDir}`);
  installExitHook();

  const user = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  // Children must not inherit PG* variables that would point them at the shared cluster.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  const as: SpawnOptions = { cwd: dir, env: { ...env, LC_ALL: 'C' }, ...(user ?? {}) };
  const cluster = { pgCtl, dataDir, dir, as };
  live.add(cluster);
  let closed = false;

  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=100',
    '-c shared_buffers=32MB',
  ].join(' ');

  async function start(): Promise<void> {
    if (closed) throw new Error('private postgres is closed');
    await run(
      pgCtl,
      ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start'],
      as,
      90_000,
    );
  }

  async function stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await run(pgCtl, ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop'], as, 90_000);
  }

  try {
    await run(
      initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      as,
      120_000,
    );
    await start();
  } catch (error) {
    live.delete(cluster);
    if (existsSync(join(dataDir, 'postmaster.pid'))) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop,
    start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : ''),
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (existsSync(join(dataDir, 'postmaster.pid'))) await stop('immediate');
      } finally {
        live.delete(cluster);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
