// Makes a fresh or stale checkout runnable: installs dependencies when package-lock.json changed since the
// last install, then builds. Uses only Node built-ins, so it runs before anything is installed.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'node_modules', '.arbiter-install-stamp');

function run(command) {
  execSync(command, { cwd: root, stdio: 'inherit' });
}

export function ensureInstalled() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const want = createHash('sha256').update(lock).digest('hex');
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
  if (have === want) return;
  // A plain `npm ci` just ran (CI does this): npm's own record is newer than the lock file.
  const npmRecord = join(root, 'node_modules', '.package-lock.json');
  if (
    !have &&
    existsSync(npmRecord) &&
    statSync(npmRecord).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs
  ) {
    writeFileSync(stamp, want);
    return;
  }
  console.log('Installing dependencies (package-lock.json changed or node_modules missing)...');
  run('npm ci --no-audit --no-fund --loglevel=error');
  writeFileSync(stamp, want);
}

export function build() {
  run('node scripts/build.mjs');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureInstalled();
  build();
}
