import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  exposedDevSecretWarning,
  loadConfig,
  pinnedAuditKey,
  PUBLISHED_SECRETS,
  redactUrl,
} from './app-config.js';
import { publicKeyText } from './ed25519-key.js';

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
    for (const name of [
      ...secrets,
      'DATABASE_APP_PASSWORD',
      'DATABASE_SEALER_PASSWORD',
      'AUDIT_SIGNING_KEY',
    ]) {
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

describe('audit checkpoint settings', () => {
  const pair = generateKeyPairSync('ed25519');
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const privateDer = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const publicDer = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const refusal = (env: NodeJS.ProcessEnv): string => {
    try {
      loadConfig(env);
    } catch (error) {
      return (error as Error).message;
    }
    return assert.fail('accepted');
  };

  it('takes the signing key as PKCS#8 PEM or base64 DER, and pins its public half', () => {
    for (const AUDIT_SIGNING_KEY of [privatePem, privateDer]) {
      const key = pinnedAuditKey(loadConfig({ AUDIT_SIGNING_KEY }));
      assert.equal(key && publicKeyText(key), publicDer);
    }
    for (const AUDIT_PUBLIC_KEY of [publicPem, publicDer]) {
      const key = pinnedAuditKey(loadConfig({ AUDIT_PUBLIC_KEY }));
      assert.equal(key && publicKeyText(key), publicDer);
    }
    assert.equal(pinnedAuditKey(loadConfig({})), null);
    assert.doesNotThrow(() => loadConfig({ AUDIT_SIGNING_KEY: privateDer, AUDIT_PUBLIC_KEY: publicPem }));
  });

  it('refuses what is not an Ed25519 key of the right kind, never showing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const secretish = 'definitely-not-a-key-but-still-secret';
    for (const [value, says] of [
      [secretish, /AUDIT_SIGNING_KEY is not an Ed25519 private key/],
      [rsa, /AUDIT_SIGNING_KEY is not an Ed25519 private key \(it is rsa\)/],
      [publicDer, /AUDIT_SIGNING_KEY is not an Ed25519 private key/],
    ] as const) {
      const message = refusal({ AUDIT_SIGNING_KEY: value });
      assert.match(message, says);
      assert.ok(!message.includes(value.trim().slice(30, 60)), message);
    }
    // A private key where the public one belongs would be read as its public half: refused, not shown.
    const misplaced = refusal({ AUDIT_PUBLIC_KEY: privatePem });
    assert.match(misplaced, /AUDIT_PUBLIC_KEY is not an Ed25519 public key/);
    assert.ok(!misplaced.includes(privatePem.split('\n')[1]!), misplaced);
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    assert.match(
      refusal({ AUDIT_SIGNING_KEY: privateDer, AUDIT_PUBLIC_KEY: other }),
      /AUDIT_PUBLIC_KEY is not the public key of AUDIT_SIGNING_KEY/,
    );
  });

  it('a sink URL needs its whsec_ secret, which is never shown', () => {
    assert.match(
      refusal({ AUDIT_CHECKPOINT_URL: 'https://sink.example/checkpoints' }),
      /AUDIT_CHECKPOINT_SECRET must be set with AUDIT_CHECKPOINT_URL/,
    );
    const bad = refusal({
      AUDIT_CHECKPOINT_URL: 'https://sink.example',
      AUDIT_CHECKPOINT_SECRET: 'hunter2-sink',
    });
    assert.match(bad, /AUDIT_CHECKPOINT_SECRET=\(hidden\)/);
    assert.ok(!bad.includes('hunter2-sink'));
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const config = loadConfig({
      AUDIT_CHECKPOINT_URL: 'https://sink.example',
      AUDIT_CHECKPOINT_SECRET: secret,
    });
    assert.equal(config.AUDIT_CHECKPOINT_SECRET, secret);
  });

  it('production requires a checkpoint key and holds the sink secret to the rules of other secrets', () => {
    const base = { NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('base64') };
    assert.match(refusal(base), /AUDIT_PUBLIC_KEY \(or, for the worker, AUDIT_SIGNING_KEY\) must be set/);
    // The API needs only the public key; the worker's start-up demands the private one (test/startup).
    assert.doesNotThrow(() => loadConfig({ ...base, AUDIT_PUBLIC_KEY: publicPem }));
    assert.doesNotThrow(() => loadConfig({ ...base, AUDIT_SIGNING_KEY: privatePem }));
    const short = refusal({
      ...base,
      AUDIT_SIGNING_KEY: privatePem,
      AUDIT_CHECKPOINT_URL: 'https://sink.example',
      AUDIT_CHECKPOINT_SECRET: 'whsec_c2hvcnQtc2hvcnQtc2hvcnQ=',
    });
    assert.match(short, /AUDIT_CHECKPOINT_SECRET must be at least 32 bytes in production/);
  });
});
