import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER_MAIN = fileURLToPath(new URL('../../apps/worker/src/main.js', import.meta.url));
const API_MAIN = fileURLToPath(new URL('../../apps/api/src/main.js', import.meta.url));

export interface AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few kilobytes the process printed. */
  output(): string;
  /** SIGKILL (no clean-up at all), resolved once the process is gone. */
  kill(): Promise<void>;
}

export type WorkerProcess = AppProcess;

/** Starts `dist/apps/worker/src/main.js` with `env` added, resolved once it says it is running. */
export const startWorkerProcess = (env: Record<string, string>, timeoutMs = 20_000) =>
  startApp('worker', WORKER_MAIN, 'Arbiter worker running', env, timeoutMs);

/** Starts `dist/apps/api/src/main.js` with `env` added (PORT, HOST, …), resolved once it listens. */
export const startApiProcess = (env: Record<string, string>, timeoutMs = 20_000) =>
  startApp('API', API_MAIN, 'Arbiter API listening', env, timeoutMs);

async function startApp(
  name: string,
  main: string,
  readyText: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<AppProcess> {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
      if (output.includes(readyText)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  const app: AppProcess = {
    child,
    exited,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      running,
      exited.then((e) => {
        throw new Error(`${name} exited during start-up (${JSON.stringify(e)}):\n${output}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} not running within ${timeoutMs} ms:\n${output}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await app.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return app;
}
