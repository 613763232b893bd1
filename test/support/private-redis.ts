import { Redis } from 'ioredis';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A redis-server of the test's own, on a free loopback port: fault tests kill, restart and FLUSHALL it
 * without touching the machine's shared Redis. No persistence, so a restart starts empty.
 */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Whether the server process is currently running. */
  readonly running: boolean;
  /** SIGKILL, resolved once the process has exited (the port is then closed). */
  stop(): Promise<void>;
  /** Starts a fresh, empty server on the same port (stopping the current one first if needed). */
  restart(): Promise<void>;
  /** Connections other than the one asking (CLIENT LIST). */
  clientCount(): Promise<number>;
  /**
   * Waits until nobody else is connected (whatever used this server has let go of it); resolves to the
   * number of connections still open when `timeoutMs` ran out (0 when all left).
   */
  waitForNoClients(timeoutMs: number): Promise<number>;
  /** Stops the server and removes its working directory; safe to call more than once. */
  close(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Defaults to `noeviction`, as Arbiter requires. */
  maxmemoryPolicy?: string;
  /** How long to wait for the first PONG. */
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whatever happens to the test process, no private redis-server outlives it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A TCP port nobody listens on right now (the OS picks it; it is released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** True when something on `port` answers a RESP PING with PONG within `timeoutMs`. */
export function pingRedis(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  installExitHook();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-redis-'));
  const policy = options.maxmemoryPolicy ?? 'noeviction';
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let closed = false;

  async function spawnServer(): Promise<void> {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      policy,
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    // The exit hook kills it if the test process ends first; it must not keep that process alive.
    proc.unref();
    (proc.stdout as unknown as { unref(): void }).unref();
    (proc.stderr as unknown as { unref(): void }).unref();
    let hasExited = false;
    let spawnError: Error | undefined;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        hasExited = true;
        live.delete(proc);
        resolve();
      });
      proc.once('error', (error) => {
        spawnError = error;
        hasExited = true;
        live.delete(proc);
        resolve();
      });
    });
    child = proc;
    live.add(proc);

    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (hasExited) break;
      if (await pingRedis(port, 250)) return;
      await sleep(25);
    }
    await stop();
    throw new Error(
      `private redis-server on port ${port} did not answer PING within ${readyTimeoutMs} ms` +
        (spawnError ? ` (${spawnError.message})` : '') +
        (output ? `:\n${output}` : ''),
    );
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.ref(); // keep this process alive until the exit is seen
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  }

  async function clientCount(): Promise<number> {
    const redis = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const list = (await redis.client('LIST')) as string;
      return list.split('\n').filter((line) => line.trim() !== '').length - 1;
    } finally {
      redis.disconnect();
    }
  }

  try {
    await spawnServer();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop,
    clientCount,
    async waitForNoClients(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const count = await clientCount();
        if (count === 0 || Date.now() > deadline) return count;
        await sleep(100);
      }
    },
    async restart() {
      if (closed) throw new Error('private redis is closed');
      await stop();
      await spawnServer();
    },
    async close() {
      closed = true;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
