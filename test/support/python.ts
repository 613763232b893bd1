import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The Python client's folder: `python3 -m unittest` runs there and `import arbiter_client` works there. */
export const SDK_PYTHON_DIR = resolve('libs/sdk-python');
const PYTHON = process.env.PYTHON ?? 'python3';

export interface PythonRun {
  status: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  stdout: string;
}

/**
 * Runs Python in the client's folder without blocking this process's event loop (the API under test runs
 * in it). Loopback requests never go through a proxy the environment may name.
 */
export function runPython(
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<PythonRun> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, args, {
      cwd: SDK_PYTHON_DIR,
      env: {
        ...process.env,
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        NO_PROXY: '127.0.0.1,localhost',
        no_proxy: '127.0.0.1,localhost',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(
        new Error(`cannot run ${PYTHON} (Python 3.11+ is needed: apt-get install python3)`, { cause: error }),
      );
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, output, stdout });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Fails unless `python3` is Python 3.11 or newer, the client's minimum. */
export async function assertPython311(): Promise<string> {
  const run = await runPython(['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
  const version = run.stdout.trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (run.status !== 0 || major < 3 || (major === 3 && minor < 11))
    throw new Error(`${PYTHON} is ${version || 'missing'}; the Python client needs 3.11+:\n${run.output}`);
  return version;
}
