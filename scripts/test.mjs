// `npm test`: install if needed, build, migrate a template database once, then run every test file with
// Node's test runner. Each test file clones its own database from the template and uses its own Redis
// key prefix; everything this run created is removed at the end.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, ensureInstalled } from './ensure.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureInstalled();
// ARBITER_SKIP_BUILD=1 reuses the build already in place, e.g. to rerun a few tests right after building.
if (process.env.ARBITER_SKIP_BUILD !== '1') build();

const dist = process.env.ARBITER_DIST ?? 'dist';
const runId = `${process.pid}${Date.now().toString(36)}`.toLowerCase();
const baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const templateUrl = withDb(baseUrl, `arbiter_test_tpl_${runId}`);
const env = {
  ...process.env,
  NODE_ENV: 'test',
  ARBITER_TEST_RUN: runId,
  ARBITER_TEST_TEMPLATE_URL: templateUrl,
  REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

function withDb(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return /\.(test|spec)\.js$/.test(entry.name) ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = ['apps', 'libs', 'test']
  .flatMap((dir) => findTests(join(root, dist, dir)))
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();

const migrate = spawnSync(process.execPath, [join(dist, 'scripts/migrate.js')], {
  cwd: root,
  env: { ...env, DATABASE_URL: templateUrl },
  stdio: 'inherit',
});
let status = migrate.status ?? 1;
if (status === 0) {
  const result = spawnSync(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      '--test-reporter=spec',
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
      ...files,
    ],
    { cwd: root, env, stdio: 'inherit' },
  );
  status = result.status ?? 1;
}
spawnSync(process.execPath, [join(dist, 'test/support/cleanup-run.js')], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(status);
