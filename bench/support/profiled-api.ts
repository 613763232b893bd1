/**
 * Runs the API's own entry point (ARBITER_API_MAIN) in this process with the V8 sampling profiler under
 * the benchmark's control: over IPC, `{ cmd: 'start' }` starts a profile and `{ cmd: 'stop', file }` writes
 * it as a .cpuprofile (open it in Chrome DevTools or speedscope) and answers `{ ok: true, file }`.
 * Only used with BENCH_CPU_PROF=1; the server code is untouched.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';

interface Command {
  cmd: 'start' | 'stop';
  file?: string;
}

const main = process.env.ARBITER_API_MAIN;
if (!main) throw new Error('ARBITER_API_MAIN is not set');

const session = new Session();
session.connect();
await session.post('Profiler.enable');

process.on('message', (message: Command) => {
  void (async () => {
    try {
      if (message.cmd === 'start') {
        await session.post('Profiler.start');
        process.send?.({ ok: true });
      } else {
        const { profile } = await session.post('Profiler.stop');
        await writeFile(message.file!, JSON.stringify(profile));
        process.send?.({ ok: true, file: message.file });
      }
    } catch (error) {
      process.send?.({ ok: false, error: (error as Error).message });
    }
  })();
});
// The IPC channel must not keep the process alive once the API has shut down.
process.channel?.unref();

await import(pathToFileURL(main).href);
