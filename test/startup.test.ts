import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort, type PrivateRedis, startPrivateRedis } from './support/private-redis.js';
import { ADMIN, createTestEnv, type TestEnv } from './support/test-env.js';

const API_MAIN = fileURLToPath(new URL('../apps/api/src/main.js', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../apps/worker/src/main.js', import.meta.url));
const EXIT_WITHIN_MS = 10_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  ms: number;
}

/** Runs an entry point and waits for it to exit; kills it (and fails) if it is still running after the limit. */
function runEntry(entry: string, overrides: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, ...overrides },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${entry} still running after ${EXIT_WITHIN_MS} ms\nstderr:\n${stderr}\nstdout:\n${stdout}`,
        ),
      );
    }, EXIT_WITHIN_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, stdout, ms: Date.now() - started });
    });
  });
}

function assertRefused(exit: Exit, ...mustName: (string | RegExp)[]): void {
  const output = `exit ${exit.code} (${exit.signal}) after ${exit.ms} ms\nstderr:\n${exit.stderr}\nstdout:\n${exit.stdout}`;
  assert.equal(exit.signal, null, output);
  assert.notEqual(exit.code, 0, output);
  assert.ok(exit.ms < EXIT_WITHIN_MS, output);
  for (const part of mustName) {
    if (typeof part === 'string')
      assert.ok(exit.stderr.includes(part), `stderr should name ${part}\n${output}`);
    else assert.match(exit.stderr, part, output);
  }
  assert.doesNotMatch(exit.stderr, /^\s+at /m, `no stack trace expected\n${output}`);
}

describe('start-up refuses an unusable environment with a clear message', () => {
  let env: TestEnv;
  let base: Record<string, string>;
  let lru: PrivateRedis | undefined;

  before(async () => {
    env = await createTestEnv();
    base = {
      NODE_ENV: 'test',
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.redisPrefix,
      JWT_SECRET: 'test-secret-test-secret-test-secret',
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
    };
  });

  after(async () => {
    await lru?.close();
    await env?.cleanup();
  });

  const redisHowTo = /redis-server|docker compose up/;

  it('API: Redis not listening → exits non-zero naming REDIS_URL, the URL and how to start Redis', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    assertRefused(await runEntry(API_MAIN, { ...base, REDIS_URL: url }), 'REDIS_URL', url, redisHowTo);
  });

  it('worker: Redis not listening → exits non-zero naming REDIS_URL, the URL and how to start Redis', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    assertRefused(await runEntry(WORKER_MAIN, { ...base, REDIS_URL: url }), 'REDIS_URL', url, redisHowTo);
  });

  it('API: Postgres not listening → exits non-zero naming DATABASE_URL, the URL and how to start Postgres', async () => {
    const url = new URL(env.databaseUrl);
    url.port = String(await freePort());
    const exit = await runEntry(API_MAIN, { ...base, DATABASE_URL: url.toString() });
    // The API logs in as the application's role on DATABASE_URL's server: that is the URL it names.
    url.username = 'arbiter_app';
    assertRefused(exit, 'DATABASE_URL', url.toString(), /pg_ctl|docker compose up/);
  });

  it('API and worker: a superuser login (DATABASE_APP_ROLE empty, DATABASE_URL as postgres) is refused', async () => {
    for (const entry of [API_MAIN, WORKER_MAIN]) {
      assertRefused(await runEntry(entry, { ...base, DATABASE_APP_ROLE: '' }), /as postgres, a superuser/);
    }
  });

  it('API: PORT=abc → exits non-zero naming PORT', async () => {
    assertRefused(await runEntry(API_MAIN, { ...base, PORT: 'abc' }), /\bPORT\b/, 'abc');
  });

  it('never echoes a secret or a URL password in what it refuses', async () => {
    const short = 'short-jwt-secret'.slice(0, 12);
    const exit = await runEntry(API_MAIN, {
      ...base,
      JWT_SECRET: short,
      DATABASE_URL: 'postgres://u:hunter2-db-pw@',
    });
    assertRefused(exit, 'JWT_SECRET', 'DATABASE_URL');
    assert.ok(!exit.stderr.includes(short), exit.stderr);
    assert.ok(!exit.stderr.includes('hunter2-db-pw'), exit.stderr);
  });

  it('production refuses a published or short secret, naming it without its value', async () => {
    const production = { ...base, NODE_ENV: 'production' };
    const published = await runEntry(API_MAIN, {
      ...production,
      JWT_SECRET: 'arbiter-development-secret-do-not-use-in-production',
      BOOTSTRAP_ADMIN_PASSWORD: 'change-me-now',
    });
    assertRefused(
      published,
      /JWT_SECRET is a value published/,
      /BOOTSTRAP_ADMIN_PASSWORD is a value published/,
    );
    assert.ok(!published.stderr.includes('change-me-now'), published.stderr);
    const unset = {
      ...production,
      JWT_SECRET: '',
      BOOTSTRAP_ADMIN_PASSWORD: 'a-long-enough-password-for-the-first-admin',
    };
    assertRefused(await runEntry(API_MAIN, unset), 'JWT_SECRET must be set in production');
    const tooShort = await runEntry(API_MAIN, { ...production, JWT_SECRET: 'twenty-bytes-secret!' });
    assertRefused(
      tooShort,
      'JWT_SECRET must be at least 32 bytes',
      'BOOTSTRAP_ADMIN_PASSWORD must be at least 32 bytes',
    );
    assert.ok(!tooShort.stderr.includes('twenty-bytes-secret!'), tooShort.stderr);
  });

  it('worker in production: refuses to start without AUDIT_SIGNING_KEY (the API makes do with the public key)', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const exit = await runEntry(WORKER_MAIN, {
      ...base,
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(32).toString('base64'),
      BOOTSTRAP_ADMIN_PASSWORD: randomBytes(32).toString('base64'),
      AUDIT_PUBLIC_KEY: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      PASSWORD_SCRYPT_LOG_N: '17',
    });
    assertRefused(exit, /AUDIT_SIGNING_KEY must be set for the worker in production/);
  });

  it('API: Redis with maxmemory-policy allkeys-lru → refuses, naming noeviction', async () => {
    lru = await startPrivateRedis({ maxmemoryPolicy: 'allkeys-lru' });
    const exit = await runEntry(API_MAIN, { ...base, REDIS_URL: lru.url });
    assertRefused(exit, 'noeviction', 'allkeys-lru');
  });
});
