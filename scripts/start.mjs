// `npm start`: install if needed, build, create and migrate the database, seed a demo on an empty
// database, then run the API and the worker until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, ensureInstalled } from './ensure.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureInstalled();
build();

const env = { ...process.env };
for (const step of ['dist/scripts/migrate.js', 'dist/scripts/seed-demo.js']) {
  const result = spawnSync(process.execPath, [join(root, step)], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const children = ['api', 'worker'].map((app) =>
  // A larger young generation: ingest allocates many short-lived request bodies, and scavenges cost less.
  spawn(
    process.execPath,
    ['--enable-source-maps', '--max-semi-space-size=64', join(root, `dist/apps/${app}/src/main.js`)],
    {
      cwd: root,
      env,
      stdio: 'inherit',
    },
  ),
);
let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`a process exited with code ${code}; stopping Arbiter`);
      stop('SIGTERM');
      process.exitCode = code ?? 1;
    }
  });
}
