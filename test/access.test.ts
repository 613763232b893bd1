import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type ApiResponse, type RequestOptions } from './support/api-client.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser, uniqueSlug } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

type Credentials = Pick<RequestOptions, 'token' | 'apiKey'>;

describe('roles and object-level access', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let adminToken: string;
  let queueA: string;
  let queueB: string;
  let keyA: { id: string; key: string; service: string };
  let keyB: { id: string; key: string };
  /** Another service allowed on queue A: it must still not read service A's items. */
  let keyA2: { id: string; key: string };
  let reviewerA: { id: string; token: string };
  let reviewerB: { id: string; token: string };
  let auditor: { id: string; token: string };
  let itemA: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    adminToken = await loginAdmin(api.client);
    queueA = (await newQueue(api.client, adminToken, { slug: uniqueSlug('qa') })).slug;
    queueB = (await newQueue(api.client, adminToken, { slug: uniqueSlug('qb') })).slug;
    keyA = await newServiceKey(api.client, adminToken, [queueA]);
    keyB = await newServiceKey(api.client, adminToken, [queueB]);
    keyA2 = await newServiceKey(api.client, adminToken, [queueA]);
    reviewerA = await newUser(api.client, adminToken, ['reviewer'], [queueA]);
    reviewerB = await newUser(api.client, adminToken, ['reviewer'], [queueB]);
    auditor = await newUser(api.client, adminToken, ['auditor']);
    const res = await api.client.post(`/api/v1/queues/${queueA}/items`, itemBody(), { apiKey: keyA.key });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    itemA = res.body.id;
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  /** Everything an admin route could change, to prove a refused call changed nothing. */
  async function snapshot() {
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM queues) AS queues,
              (SELECT count(*)::int FROM users) AS users,
              (SELECT count(*)::int FROM api_keys) AS keys,
              (SELECT count(*)::int FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked,
              (SELECT count(*)::int FROM queue_members) AS members,
              (SELECT count(*)::int FROM audit_events) AS events,
              (SELECT json_agg(json_build_object('slug', slug, 'name', name, 'paused', paused, 'version', version)
                       ORDER BY slug) FROM queues) AS queue_state,
              (SELECT json_agg(json_build_object('id', id, 'roles', roles, 'disabled', disabled,
                       'hash', password_hash) ORDER BY id) FROM users) AS user_state`,
    );
    return rows[0];
  }

  function assertError(res: ApiResponse, status: number, code: string) {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
    assert.equal(res.body.statusCode, status);
    assert.equal(typeof res.body.message, 'string');
  }

  /** Every admin-only route, with a body the admin would be allowed to send. */
  function adminRoutes(): [string, string, () => unknown][] {
    return [
      ['POST', '/api/v1/queues', () => ({ slug: uniqueSlug('evil'), name: 'evil' })],
      ['PATCH', `/api/v1/queues/${queueA}`, () => ({ name: 'renamed by an intruder' })],
      ['POST', `/api/v1/queues/${queueA}/pause`, () => undefined],
      ['POST', `/api/v1/queues/${queueA}/resume`, () => undefined],
      [
        'POST',
        '/api/v1/users',
        () => ({
          email: `${uniqueSlug('evil')}@test.local`,
          password: 'evil-password-1',
          roles: ['admin'],
          queues: [],
        }),
      ],
      ['GET', '/api/v1/users', () => undefined],
      ['GET', `/api/v1/users/${reviewerB.id}`, () => undefined],
      ['PATCH', `/api/v1/users/${reviewerB.id}`, () => ({ roles: ['admin'], queues: [queueA, queueB] })],
      ['PATCH', `/api/v1/users/${reviewerA.id}`, () => ({ roles: ['admin'] })],
      ['PATCH', `/api/v1/users/${reviewerA.id}`, () => ({ password: 'taken-over-123' })],
      ['POST', '/api/v1/api-keys', () => ({ service: 'evil', queues: [queueA] })],
      ['GET', '/api/v1/api-keys', () => undefined],
      ['DELETE', `/api/v1/api-keys/${keyA.id}`, () => undefined],
    ];
  }

  const principals: [string, () => Credentials][] = [
    ['a reviewer', () => ({ token: reviewerA.token })],
    ['an auditor', () => ({ token: auditor.token })],
    ['a service key', () => ({ apiKey: keyA.key })],
  ];

  for (const [who, credentials] of principals) {
    describe(`${who} on admin routes`, () => {
      it('gets 403 FORBIDDEN on every one, and nothing changes', async () => {
        for (const [method, path, body] of adminRoutes()) {
          const before = await snapshot();
          const res = await api.client.request(method, path, { body: body(), ...credentials() });
          assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
          assertError(res, 403, 'FORBIDDEN');
          assert.deepEqual(await snapshot(), before, `${method} ${path} changed nothing`);
        }
      });
    });
  }

  it('the refused callers still work afterwards: key A was not revoked, queue A not paused', async () => {
    const res = await api.client.post(`/api/v1/queues/${queueA}/items`, itemBody(), { apiKey: keyA.key });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  it('a service key may not list or read queues (403)', async () => {
    assertError(await api.client.get('/api/v1/queues', { apiKey: keyA.key }), 403, 'FORBIDDEN');
    assertError(await api.client.get(`/api/v1/queues/${queueA}`, { apiKey: keyA.key }), 403, 'FORBIDDEN');
  });

  it('a user token on the submit routes gets 403, whatever the role', async () => {
    for (const token of [adminToken, reviewerA.token, auditor.token]) {
      const before = await snapshot();
      assertError(
        await api.client.post(`/api/v1/queues/${queueA}/items`, itemBody(), { token }),
        403,
        'FORBIDDEN',
      );
      assertError(
        await api.client.post(`/api/v1/queues/${queueA}/items/batch`, { items: [itemBody()] }, { token }),
        403,
        'FORBIDDEN',
      );
      assert.deepEqual(await snapshot(), before);
    }
  });

  it('a key for queue A submitting to queue B gets 403 and nothing is stored', async () => {
    const count = async () => (await db.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n as number;
    const before = await count();
    assertError(
      await api.client.post(`/api/v1/queues/${queueB}/items`, itemBody(), { apiKey: keyA.key }),
      403,
      'FORBIDDEN',
    );
    const batch = await api.client.post(
      `/api/v1/queues/${queueB}/items/batch`,
      { items: [itemBody()] },
      { apiKey: keyA.key },
    );
    assertError(batch, 403, 'FORBIDDEN');
    assert.equal(await count(), before);
    const ok = await api.client.post(`/api/v1/queues/${queueB}/items`, itemBody(), { apiKey: keyB.key });
    assert.equal(ok.status, 201, 'the key for queue B may');
  });

  it('submitting to an unknown queue gets 404', async () => {
    assertError(
      await api.client.post(`/api/v1/queues/${uniqueSlug('nope')}/items`, itemBody(), { apiKey: keyA.key }),
      404,
      'NOT_FOUND',
    );
  });

  describe('reading an item (BOLA)', () => {
    const getItem = (id: string, credentials: Credentials) =>
      api.client.get(`/api/v1/items/${id}`, credentials);

    it('the submitting service can read it', async () => {
      const res = await getItem(itemA, { apiKey: keyA.key });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.id, itemA);
      assert.equal(res.body.status, 'pending');
      assert.ok(Array.isArray(res.body.history));
    });

    it('another service gets 404, the same answer as for an id that does not exist', async () => {
      const missing = await getItem(randomUUID(), { apiKey: keyA.key });
      assertError(missing, 404, 'NOT_FOUND');
      for (const key of [keyB.key, keyA2.key]) {
        const res = await getItem(itemA, { apiKey: key });
        assertError(res, 404, 'NOT_FOUND');
        assert.equal(res.body.message, missing.body.message);
        assert.equal(res.body.id, undefined);
      }
    });

    it("the same service's other keys read it only when they may use its queue", async () => {
      const rotated = await newServiceKey(api.client, adminToken, [queueA, queueB], keyA.service);
      const elsewhere = await newServiceKey(api.client, adminToken, [queueB], keyA.service);
      const read = await getItem(itemA, { apiKey: rotated.key });
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(read.body.id, itemA);
      assertError(await getItem(itemA, { apiKey: elsewhere.key }), 404, 'NOT_FOUND');
    });

    it('admins and auditors can read it', async () => {
      for (const token of [adminToken, auditor.token]) {
        const res = await getItem(itemA, { token });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.id, itemA);
      }
    });

    it("a reviewer of the item's queue can; a reviewer of another queue gets 404", async () => {
      const member = await getItem(itemA, { token: reviewerA.token });
      assert.equal(member.status, 200, JSON.stringify(member.body));
      assert.equal(member.body.id, itemA);
      const outsider = await getItem(itemA, { token: reviewerB.token });
      assertError(outsider, 404, 'NOT_FOUND');
      assert.equal(outsider.body.id, undefined);
    });

    it('a malformed item id answers 404 to everyone', async () => {
      for (const id of [
        'not-a-uuid',
        '123',
        "1' OR '1'='1",
        'x'.repeat(90),
        `${itemA}x`,
        itemA.slice(0, 35),
      ]) {
        for (const credentials of [{ token: adminToken }, { apiKey: keyA.key }, { token: reviewerA.token }]) {
          const res = await getItem(encodeURIComponent(id), credentials);
          assertError(res, 404, 'NOT_FOUND');
        }
      }
    });

    it('ids the router refuses (over-long, badly encoded) still get a contract error body', async () => {
      assertError(await getItem('x'.repeat(300), { token: adminToken }), 404, 'NOT_FOUND');
      const badlyEncoded = await getItem('%E0%A4%A', { token: adminToken });
      assert.ok([400, 404].includes(badlyEncoded.status), JSON.stringify(badlyEncoded.body));
      assertError(
        badlyEncoded,
        badlyEncoded.status,
        badlyEncoded.status === 400 ? 'VALIDATION_FAILED' : 'NOT_FOUND',
      );
    });

    it('malformed ids on admin routes answer 404 too', async () => {
      assertError(
        await api.client.patch('/api/v1/users/not-a-uuid', { disabled: true }, { token: adminToken }),
        404,
        'NOT_FOUND',
      );
      assertError(
        await api.client.delete('/api/v1/api-keys/not-a-uuid', { token: adminToken }),
        404,
        'NOT_FOUND',
      );
      assertError(await api.client.get('/api/v1/users/123', { token: adminToken }), 404, 'NOT_FOUND');
    });
  });

  describe('queue visibility', () => {
    it('a reviewer lists only the queues they are a member of', async () => {
      const res = await api.client.get('/api/v1/queues', { token: reviewerA.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.queues.map((q: { slug: string }) => q.slug),
        [queueA],
      );
    });

    it('a reviewer gets 404 for another queue, and 200 for their own', async () => {
      assertError(
        await api.client.get(`/api/v1/queues/${queueB}`, { token: reviewerA.token }),
        404,
        'NOT_FOUND',
      );
      const unknown = await api.client.get(`/api/v1/queues/${uniqueSlug('nope')}`, {
        token: reviewerA.token,
      });
      const other = await api.client.get(`/api/v1/queues/${queueB}`, { token: reviewerA.token });
      assert.equal(other.body.message, unknown.body.message, 'membership does not leak');
      const own = await api.client.get(`/api/v1/queues/${queueA}`, { token: reviewerA.token });
      assert.equal(own.status, 200);
      assert.equal(own.body.slug, queueA);
    });

    it('admins and auditors list every queue', async () => {
      for (const token of [adminToken, auditor.token]) {
        const res = await api.client.get('/api/v1/queues', { token });
        assert.equal(res.status, 200);
        const slugs = res.body.queues.map((q: { slug: string }) => q.slug);
        assert.ok(slugs.includes(queueA) && slugs.includes(queueB), JSON.stringify(slugs));
        const one = await api.client.get(`/api/v1/queues/${queueB}`, { token });
        assert.equal(one.status, 200);
      }
    });
  });

  describe('changes apply at once to existing tokens', () => {
    it("changing a reviewer's queues changes what their token sees", async () => {
      const reviewer = await newUser(api.client, adminToken, ['reviewer'], [queueA]);
      assert.equal((await api.client.get(`/api/v1/items/${itemA}`, { token: reviewer.token })).status, 200);

      const moved = await api.client.patch(
        `/api/v1/users/${reviewer.id}`,
        { queues: [queueB] },
        { token: adminToken },
      );
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.deepEqual(moved.body.queues, [queueB]);

      assertError(
        await api.client.get(`/api/v1/items/${itemA}`, { token: reviewer.token }),
        404,
        'NOT_FOUND',
      );
      assertError(
        await api.client.get(`/api/v1/queues/${queueA}`, { token: reviewer.token }),
        404,
        'NOT_FOUND',
      );
      assert.equal((await api.client.get(`/api/v1/queues/${queueB}`, { token: reviewer.token })).status, 200);
      const list = await api.client.get('/api/v1/queues', { token: reviewer.token });
      assert.deepEqual(
        list.body.queues.map((q: { slug: string }) => q.slug),
        [queueB],
      );

      const none = await api.client.patch(
        `/api/v1/users/${reviewer.id}`,
        { queues: [] },
        { token: adminToken },
      );
      assert.deepEqual(none.body.queues, []);
      const empty = await api.client.get('/api/v1/queues', { token: reviewer.token });
      assert.deepEqual(empty.body.queues, []);

      const back = await api.client.patch(
        `/api/v1/users/${reviewer.id}`,
        { queues: [queueA] },
        { token: adminToken },
      );
      assert.equal(back.status, 200);
      assert.equal((await api.client.get(`/api/v1/items/${itemA}`, { token: reviewer.token })).status, 200);
    });

    it("changing a user's roles changes what their token may do", async () => {
      const user = await newUser(api.client, adminToken, ['reviewer'], []);
      assertError(await api.client.get(`/api/v1/items/${itemA}`, { token: user.token }), 404, 'NOT_FOUND');
      assertError(
        await api.client.post('/api/v1/queues', { slug: uniqueSlug(), name: 'x' }, { token: user.token }),
        403,
        'FORBIDDEN',
      );

      await api.client.patch(`/api/v1/users/${user.id}`, { roles: ['auditor'] }, { token: adminToken });
      assert.equal((await api.client.get(`/api/v1/items/${itemA}`, { token: user.token })).status, 200);

      await api.client.patch(`/api/v1/users/${user.id}`, { roles: ['admin'] }, { token: adminToken });
      const created = await api.client.post(
        '/api/v1/queues',
        { slug: uniqueSlug(), name: 'x' },
        { token: user.token },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));

      await api.client.patch(`/api/v1/users/${user.id}`, { roles: ['reviewer'] }, { token: adminToken });
      assertError(
        await api.client.post('/api/v1/queues', { slug: uniqueSlug(), name: 'x' }, { token: user.token }),
        403,
        'FORBIDDEN',
      );
    });
  });
});
