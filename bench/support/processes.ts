import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on the loopback interface (released before returning; a tiny race we accept). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildOptions {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  /** Opens an IPC channel (for the profiling wrapper). */
  ipc?: boolean;
}

/**
 * A Node child process whose output is kept (the last lines) so a crash can be explained, and whose exit is
 * tracked so the benchmark can tell a server that died from one that was stopped.
 */
export class Child {
  readonly process: ChildProcess;
  private readonly tail: string[] = [];
  private stopping = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(readonly options: ChildOptions) {
    this.process = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
      env: options.env,
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.tail.push(line);
        if (this.tail.length > 40) this.tail.shift();
      }
    };
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  /** True when the process ended without being asked to. */
  get died(): boolean {
    return !this.alive && !this.stopping;
  }

  output(): string {
    return this.tail.join('\n');
  }

  describeExit(): string {
    return `${this.options.name} (pid ${this.pid}) exited with ${this.exitSignal ?? `code ${this.exitCode}`}`;
  }

  /** Polls `url` until it answers 2xx; fails early if the process exits. */
  async waitUntilReady(url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.describeExit()} before it was ready:\n${this.output()}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `${this.options.name} not ready at ${url} after ${timeoutMs} ms (${last}):\n${this.output()}`,
    );
  }

  /** SIGTERM (graceful drain), then SIGKILL if it has not exited in time. Only ever signals its own pid. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (!this.alive) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.alive) this.process.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
