import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '@arbiter/auth';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, login, newQueue, newServiceKey, newUser } from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { ADMIN, createTestEnv, type TestEnv } from './support/test-env.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret';
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: Record<string, unknown>, secret = JWT_SECRET, algorithm: jwt.Algorithm = 'HS256') =>
  jwt.sign(claims, secret, { algorithm });

describe('authentication', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let adminToken: string;
  let adminId: string;
  let slug: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    const res = await api.client.post('/api/v1/auth/login', ADMIN);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    adminToken = res.body.accessToken;
    adminId = res.body.user.id;
    slug = (await newQueue(api.client, adminToken)).slug;
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  /** Audit events with this action whose data mentions `needle`. */
  async function auditEvents(action: string, needle: string) {
    const { rows } = await db.query<{
      subject_id: string;
      actor_type: string;
      data: Record<string, unknown>;
    }>(
      `SELECT subject_id, actor_type, data FROM audit_events
        WHERE action = $1 AND (data::text LIKE '%' || $2 || '%' OR subject_id = $2) ORDER BY seq`,
      [action, needle],
    );
    return rows;
  }

  function assertUnauthenticated(res: { status: number; body: any }) {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.code, 'UNAUTHENTICATED');
    assert.equal(res.body.statusCode, 401);
    assert.equal(typeof res.body.message, 'string');
  }

  describe('bootstrap admin', () => {
    it('exists on first start, with the admin role and a hashed password', async () => {
      const { rows } = await db.query<{ email: string; roles: string[]; password_hash: string }>(
        `SELECT email, roles, password_hash FROM users`,
      );
      assert.equal(rows.length, 1, 'exactly one user on a fresh database');
      assert.equal(rows[0]!.email, ADMIN.email);
      assert.deepEqual(rows[0]!.roles, ['admin']);
      assert.ok(rows[0]!.password_hash.startsWith('scrypt$'));
      assert.ok(!rows[0]!.password_hash.includes(ADMIN.password));
      const created = await auditEvents('user.created', rows[0]!.email);
      assert.equal(created.length, 1);
      assert.equal(created[0]!.actor_type, 'system');
    });

    it('is not created again when the database already has users', async () => {
      const second = await startApi(
        env.config({
          BOOTSTRAP_ADMIN_EMAIL: 'second-admin@test.local',
          BOOTSTRAP_ADMIN_PASSWORD: 'other-pw-123',
        }),
      );
      try {
        const { rows } = await db.query(`SELECT 1 FROM users WHERE email = 'second-admin@test.local'`);
        assert.equal(rows.length, 0);
        const res = await second.client.post('/api/v1/auth/login', {
          email: 'second-admin@test.local',
          password: 'other-pw-123',
        });
        assertUnauthenticated(res);
      } finally {
        await second.close();
      }
    });
  });

  describe('login', () => {
    it('answers 200 {accessToken, user:{id, email, roles}}', async () => {
      const res = await api.client.post('/api/v1/auth/login', ADMIN);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(typeof res.body.accessToken, 'string');
      assert.match(res.body.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.deepEqual(Object.keys(res.body.user).sort(), ['email', 'id', 'roles']);
      assert.equal(res.body.user.email, ADMIN.email);
      assert.deepEqual(res.body.user.roles, ['admin']);
      assert.match(res.body.user.id, /^[0-9a-f-]{36}$/);
      const raw = JSON.stringify(res.body);
      assert.ok(!raw.includes('scrypt$') && !raw.includes(ADMIN.password), 'no secret in the answer');
      const me = await api.client.get('/api/v1/queues', { token: res.body.accessToken });
      assert.equal(me.status, 200, 'the token works');
    });

    it('matches the email case-insensitively', async () => {
      const res = await api.client.post('/api/v1/auth/login', {
        email: ADMIN.email.toUpperCase(),
        password: ADMIN.password,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.user.id, adminId);
    });

    it('refuses a wrong password and an unknown email alike, and audits both', async () => {
      const wrong = await api.client.post('/api/v1/auth/login', {
        email: ADMIN.email,
        password: 'not-the-password-xyz',
      });
      const unknownEmail = `nobody-${randomUUID()}@test.local`;
      const unknown = await api.client.post('/api/v1/auth/login', {
        email: unknownEmail,
        password: ADMIN.password,
      });
      assertUnauthenticated(wrong);
      assertUnauthenticated(unknown);
      assert.equal(wrong.body.message, unknown.body.message, 'the answer does not reveal which emails exist');
      assert.equal(wrong.body.accessToken, undefined);

      const forAdmin = await auditEvents('auth.login_failed', ADMIN.email);
      assert.ok(forAdmin.length >= 1, 'a failed login for a known email is audited');
      assert.equal(forAdmin.at(-1)!.actor_type, 'system');
      const forUnknown = await auditEvents('auth.login_failed', unknownEmail);
      assert.equal(forUnknown.length, 1, 'a failed login for an unknown email is audited');
      const { rows } = await db.query(
        `SELECT 1 FROM audit_events WHERE data::text LIKE '%not-the-password-xyz%'`,
      );
      assert.equal(rows.length, 0, 'the attempted password is never stored');
    });

    it('redoes a hash made with weaker parameters at the next sign-in, leaving tokens alone', async () => {
      const user = await newUser(api.client, adminToken, ['reviewer']);
      await db.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [
        user.id,
        await hashPassword(user.password, 12),
      ]);
      const token = await login(api.client, user.email, user.password);
      const { rows } = await db.query(`SELECT password_hash FROM users WHERE id = $1`, [user.id]);
      assert.match(rows[0].password_hash, /^scrypt\$16384\$8\$1\$/, 'now at the configured 2^14');
      assert.equal((await api.client.get('/api/v1/queues', { token: user.token })).status, 200);
      assert.equal((await api.client.get('/api/v1/queues', { token })).status, 200);
      await login(api.client, user.email, user.password);
    });

    it('refuses a body without a password with 400', async () => {
      const res = await api.client.post('/api/v1/auth/login', { email: ADMIN.email });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
    });

    it('refuses a disabled user, and their existing token stops working at once', async () => {
      const user = await newUser(api.client, adminToken, ['reviewer'], [slug]);
      assert.equal((await api.client.get('/api/v1/queues', { token: user.token })).status, 200);

      const patched = await api.client.patch(
        `/api/v1/users/${user.id}`,
        { disabled: true },
        { token: adminToken },
      );
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.disabled, true);

      assertUnauthenticated(await api.client.get('/api/v1/queues', { token: user.token }));
      assertUnauthenticated(await api.client.get(`/api/v1/queues/${slug}`, { token: user.token }));
      const relogin = await api.client.post('/api/v1/auth/login', {
        email: user.email,
        password: user.password,
      });
      assertUnauthenticated(relogin);
      const wrong = await api.client.post('/api/v1/auth/login', {
        email: user.email,
        password: 'wrong-password',
      });
      assert.equal(relogin.body.message, wrong.body.message, 'disabled looks like any failed login');
      assert.ok((await auditEvents('auth.login_failed', user.email)).length >= 2);

      const enabled = await api.client.patch(
        `/api/v1/users/${user.id}`,
        { disabled: false },
        { token: adminToken },
      );
      assert.equal(enabled.status, 200);
      await login(api.client, user.email, user.password);
    });
  });

  describe('sessions end with the password, the account or the token', () => {
    const disconnected = (client: ReviewClient, timeoutMs: number) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
        client.socket.once('disconnect', (reason) => {
          clearTimeout(timer);
          resolve(reason);
        });
      });

    it('a password change ends every earlier token, over HTTP and on open sockets', async () => {
      const user = await newUser(api.client, adminToken, ['reviewer'], [slug]);
      const socket = await ReviewClient.connect(api.url, user.token);
      const ended = disconnected(socket, 5000);
      const changed = await api.client.patch(
        `/api/v1/users/${user.id}`,
        { password: 'a-new-password-2' },
        { token: adminToken },
      );
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(await ended, 'io server disconnect');
      assertUnauthenticated(await api.client.get('/api/v1/queues', { token: user.token }));
      await assert.rejects(ReviewClient.connect(api.url, user.token), /UNAUTHENTICATED/);
      // A token signed with the right key but an older version is refused too; the new login works.
      const old = sign({ sub: user.id, iss: 'arbiter', exp: now() + 600, ver: 0 });
      assertUnauthenticated(await api.client.get('/api/v1/queues', { token: old }));
      const fresh = await login(api.client, user.email, 'a-new-password-2');
      assert.equal((await api.client.get('/api/v1/queues', { token: fresh })).status, 200);
      // Other changes (here: queues) leave tokens alone.
      await api.client.patch(`/api/v1/users/${user.id}`, { queues: [] }, { token: adminToken });
      assert.equal((await api.client.get('/api/v1/queues', { token: fresh })).status, 200);
    });

    it('disabling ends open sockets; re-enabling does not bring the old token back', async () => {
      const user = await newUser(api.client, adminToken, ['reviewer'], [slug]);
      const socket = await ReviewClient.connect(api.url, user.token);
      const ended = disconnected(socket, 5000);
      await api.client.patch(`/api/v1/users/${user.id}`, { disabled: true }, { token: adminToken });
      assert.equal(await ended, 'io server disconnect');
      await api.client.patch(`/api/v1/users/${user.id}`, { disabled: false }, { token: adminToken });
      assertUnauthenticated(await api.client.get('/api/v1/queues', { token: user.token }));
    });

    it('a socket is disconnected when its token expires', async () => {
      const shortLived = await startApi(env.config({ JWT_TTL_SECONDS: '2' }));
      try {
        const token = await login(shortLived.client, ADMIN.email, ADMIN.password);
        const socket = await ReviewClient.connect(shortLived.url, token);
        const started = Date.now();
        assert.equal(await disconnected(socket, 6000), 'io server disconnect');
        assert.ok(Date.now() - started >= 900, 'not before the token ran out');
      } finally {
        await shortLived.close();
      }
    });
  });

  describe('bearer tokens', () => {
    it('accepts a well-formed token (control for the cases below)', async () => {
      const token = sign({ sub: adminId, iss: 'arbiter', iat: now(), exp: now() + 600 });
      const res = await api.client.get('/api/v1/queues', { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });

    it('refuses a request without credentials', async () => {
      assertUnauthenticated(await api.client.get('/api/v1/queues'));
      assertUnauthenticated(await api.client.post('/api/v1/queues', { slug: 'no-creds', name: 'x' }));
      assertUnauthenticated(await api.client.get(`/api/v1/items/${randomUUID()}`));
    });

    const badHeaders: [string, () => string][] = [
      ['a garbage bearer token', () => 'Bearer garbage'],
      ['three garbage segments', () => 'Bearer aaa.bbb.ccc'],
      ['an empty bearer', () => 'Bearer '],
      ['another scheme', () => `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64')}`],
      [
        'a token signed with another secret',
        () =>
          `Bearer ${sign({ sub: adminId, iss: 'arbiter', exp: now() + 600 }, 'another-secret-another-secret-xx')}`,
      ],
      [
        'a token with alg "none"',
        () =>
          `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: adminId, iss: 'arbiter', exp: now() + 600 })}.`,
      ],
      [
        'an alg "none" token carrying a valid signature',
        () => {
          const valid = sign({ sub: adminId, iss: 'arbiter', exp: now() + 600 }).split('.');
          return `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${valid[1]}.${valid[2]}`;
        },
      ],
      [
        'an HS512 token with the right secret',
        () => `Bearer ${sign({ sub: adminId, iss: 'arbiter', exp: now() + 600 }, JWT_SECRET, 'HS512')}`,
      ],
      [
        'an expired token',
        () => `Bearer ${sign({ sub: adminId, iss: 'arbiter', iat: now() - 3600, exp: now() - 60 })}`,
      ],
      ['a token without an expiry', () => `Bearer ${sign({ sub: adminId, iss: 'arbiter', iat: now() })}`],
      [
        'a token from another issuer',
        () => `Bearer ${sign({ sub: adminId, iss: 'someone-else', exp: now() + 600 })}`,
      ],
      ['a token without a subject', () => `Bearer ${sign({ iss: 'arbiter', exp: now() + 600 })}`],
      [
        'a token for a user that does not exist',
        () => `Bearer ${sign({ sub: randomUUID(), iss: 'arbiter', exp: now() + 600 })}`,
      ],
      [
        'a token whose subject is not a user id',
        () => `Bearer ${sign({ sub: 'admin', iss: 'arbiter', exp: now() + 600 })}`,
      ],
      [
        'a token with a tampered payload',
        () => {
          const [header, , signature] = sign({ sub: adminId, iss: 'arbiter', exp: now() + 600 }).split('.');
          return `Bearer ${header}.${base64url({ sub: adminId, iss: 'arbiter', exp: now() + 999_999 })}.${signature}`;
        },
      ],
    ];

    for (const [name, header] of badHeaders) {
      it(`refuses ${name} with 401`, async () => {
        const res = await api.client.get('/api/v1/queues', { headers: { authorization: header() } });
        assertUnauthenticated(res);
      });
    }
  });

  describe('API keys', () => {
    it('refuses an unknown key, and a revoked key on its next submit', async () => {
      assertUnauthenticated(
        await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(), {
          apiKey: 'arb_not-a-real-key-000000',
        }),
      );
      assertUnauthenticated(
        await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(), { apiKey: 'x' }),
      );

      const created = await newServiceKey(api.client, adminToken, [slug]);
      const first = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(), {
        apiKey: created.key,
      });
      assert.equal(first.status, 201, JSON.stringify(first.body));

      const revoked = await api.client.delete(`/api/v1/api-keys/${created.id}`, { token: adminToken });
      assert.equal(revoked.status, 204);
      assert.equal(revoked.body, '');

      const after = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(), {
        apiKey: created.key,
      });
      assertUnauthenticated(after);
      assertUnauthenticated(await api.client.get(`/api/v1/items/${first.body.id}`, { apiKey: created.key }));
      const { rows } = await db.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [created.id]);
      assert.ok(rows[0].revoked_at instanceof Date);
    });

    it('does not let a bad API key fall back to a valid bearer token', async () => {
      const res = await api.client.get('/api/v1/queues', {
        token: adminToken,
        apiKey: 'arb_not-a-real-key-000000',
      });
      assertUnauthenticated(res);
    });
  });

  describe('secrets at rest', () => {
    it('stores passwords only as salted scrypt hashes', async () => {
      const a = await newUser(api.client, adminToken, ['reviewer'], [slug]);
      const b = await newUser(api.client, adminToken, ['auditor']);
      assert.equal(a.password, b.password, 'factories give both users the same password');
      const { rows } = await db.query<{ id: string; password_hash: string }>(
        `SELECT id, password_hash FROM users WHERE id = ANY($1::uuid[])`,
        [[a.id, b.id]],
      );
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.ok(row.password_hash.startsWith('scrypt$'), row.password_hash);
        assert.ok(!row.password_hash.includes(a.password));
        assert.ok(!row.password_hash.includes(Buffer.from(a.password).toString('base64')));
      }
      assert.notEqual(rows[0]!.password_hash, rows[1]!.password_hash, 'each hash has its own salt');
      const { rows: cols } = await db.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name ILIKE '%password%'`,
      );
      assert.deepEqual(
        cols.map((c) => c.column_name),
        ['password_hash'],
      );
    });

    it('stores API keys only as hashes: no column holds the key', async () => {
      const created = await newServiceKey(api.client, adminToken, [slug]);
      assert.ok(created.key.length >= 32);
      const { rows } = await db.query(`SELECT * FROM api_keys WHERE id = $1`, [created.id]);
      assert.equal(rows.length, 1);
      for (const [column, value] of Object.entries(rows[0] as Record<string, unknown>)) {
        const text = value instanceof Date ? value.toISOString() : String(value);
        assert.ok(!text.includes(created.key), `column ${column} holds the key`);
      }
      const { rows: joined } = await db.query(
        `SELECT 1 FROM api_keys k JOIN api_key_queues kq ON kq.api_key_id = k.id
          WHERE row_to_json(k)::text LIKE '%' || $1 || '%' OR row_to_json(kq)::text LIKE '%' || $1 || '%'`,
        [created.key],
      );
      assert.equal(joined.length, 0);
      for (const secret of [created.key, created.webhookSecret]) {
        const { rows: anywhere } = await db.query(
          `SELECT 1 FROM audit_events WHERE data::text LIKE '%' || $1 || '%'`,
          [secret.slice(6)],
        );
        assert.equal(anywhere.length, 0, 'no secret in the audit log');
      }
    });
  });
});
