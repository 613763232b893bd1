import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { exposedDevSecretWarning, loadConfig, PUBLISHED_SECRETS, redactUrl } from './app-config.js';

const repoFile = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');

describe('configuration secrets', () => {
  it('warns when the development secret listens beyond loopback, outside production', () => {
    const warning = (env: NodeJS.ProcessEnv) =>
      exposedDevSecretWarning(loadConfig({ NODE_ENV: 'development', ...env }));
    assert.match(warning({ HOST: '0.0.0.0' }) ?? '', /development JWT_SECRET/);
    assert.match(warning({ HOST: '192.168.1.20' }) ?? '', /192\.168\.1\.20/);
    assert.equal(warning({ HOST: '127.0.0.1' }), null);
    assert.equal(warning({ HOST: '::1' }), null);
    assert.equal(warning({ HOST: 'localhost' }), null);
    assert.equal(warning({ HOST: '0.0.0.0', JWT_SECRET: 'x'.repeat(40) }), null);
  });

  it('masks the password of a URL', () => {
    assert.equal(redactUrl('postgres://app:s3cret@db:5432/arbiter'), 'postgres://app:***@db:5432/arbiter');
    assert.equal(redactUrl('redis://cache:6379'), 'redis://cache:6379');
    assert.equal(redactUrl('not a url'), '(unparseable URL)');
  });

  it('knows every secret the repository writes down', () => {
    // The compose file takes secrets from the environment and has no default for them.
    const compose = repoFile('docker-compose.yml');
    const secrets = ['JWT_SECRET', 'BOOTSTRAP_ADMIN_PASSWORD', 'POSTGRES_PASSWORD'];
    for (const name of [...secrets, 'DATABASE_APP_PASSWORD', 'DATABASE_SEALER_PASSWORD']) {
      assert.match(compose, new RegExp(`\\$\\{${name}:\\?`), `${name} is required by compose`);
    }
    // The demo logins.
    const demo = repoFile('scripts/seed-demo.ts');
    const passwords = [...demo.matchAll(/password: '([^']+)'/g)].map((m) => m[1]!);
    const fallback = [...demo.matchAll(/BOOTSTRAP_ADMIN_PASSWORD \?\? '([^']+)'/g)].map((m) => m[1]!);
    assert.ok(passwords.length >= 2, 'the demo logins were found');
    for (const secret of [...passwords, ...fallback]) assert.ok(PUBLISHED_SECRETS.includes(secret), secret);
  });
});
