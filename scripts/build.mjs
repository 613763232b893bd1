// Compiles the server side (apps, libs, migrations, tests, benchmarks) with tsc, then rewrites the
// @arbiter/* path aliases to relative imports so plain Node runs the output.
import { execSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });

// ARBITER_DIST builds elsewhere than dist/, so several builds can run side by side.
const out = process.env.ARBITER_DIST;
const outArgs = out ? ` --outDir ${out} --tsBuildInfoFile ${out}/.tsbuildinfo` : '';
run(`npx tsc -p tsconfig.json${outArgs}`);
run(`npx tsc-alias -p tsconfig.json${out ? ` --outDir ${out}` : ''}`);
// The live SQL functions and triggers, read by the migration runner beside its compiled code (a file removed
// from migrations/functions must not live on in the build).
const functions = resolve(root, out ?? 'dist', 'migrations/functions');
rmSync(functions, { recursive: true, force: true });
cpSync(join(root, 'migrations/functions'), functions, { recursive: true });

// The reviewer UI, served by the API from apps/web/dist.
if (existsSync(join(root, 'apps/web/vite.config.ts'))) {
  run('npx vite build --config apps/web/vite.config.ts --logLevel warn');
}
