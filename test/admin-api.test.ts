import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { ApiResponse } from './support/api-client.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, login, loginAdmin, newQueue, newServiceKey, uniqueSlug } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

describe('admin API', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let token: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    token = await loginAdmin(api.client);
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  async function auditActions(subjectId: string): Promise<string[]> {
    const { rows } = await db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq`,
      [subjectId],
    );
    return rows.map((r) => r.action);
  }

  async function auditEvents(subjectId: string, action: string) {
    const { rows } = await db.query<{ actor_type: string; actor_name: string; data: any }>(
      `SELECT actor_type, actor_name, data FROM audit_events WHERE subject_id = $1 AND action = $2 ORDER BY seq`,
      [subjectId, action],
    );
    return rows;
  }

  async function count(table: string): Promise<number> {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
    return rows[0].n;
  }

  function assertValidation(res: ApiResponse, path?: string) {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.equal(res.body.statusCode, 400);
    assert.ok(Array.isArray(res.body.details) && res.body.details.length > 0, 'details name the problem');
    for (const d of res.body.details) {
      assert.equal(typeof d.path, 'string');
      assert.equal(typeof d.message, 'string');
    }
    if (path)
      assert.ok(
        res.body.details.some((d: { path: string }) => d.path === path || d.path.startsWith(`${path}.`)),
        `a detail names ${path}: ${JSON.stringify(res.body.details)}`,
      );
  }

  const createQueue = (body: Record<string, unknown>) =>
    api.client.post('/api/v1/queues', { slug: uniqueSlug(), name: 'A queue', ...body }, { token });

  describe('queues', () => {
    it('creates a queue: 201 with the defaults', async () => {
      const slug = uniqueSlug();
      const res = await api.client.post('/api/v1/queues', { slug, name: 'Support' }, { token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.slug, slug);
      assert.equal(res.body.name, 'Support');
      assert.match(res.body.id, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.leaseSeconds, 300);
      assert.equal(res.body.onSlaBreach, 'keep');
      assert.equal(res.body.reviewsRequired, 1);
      assert.equal(res.body.qaSampleRate, 0);
      assert.equal(res.body.paused, false);
      assert.equal(res.body.version, 1);
      assert.equal(res.body.autoApproveAbove, null);
      assert.equal(res.body.escalateTo, null);
      assert.equal(res.body.outputSchema, null);
      assert.equal(res.body.callbackUrl, null);
      assert.equal(typeof res.body.createdAt, 'string');
      assert.ok(!Number.isNaN(Date.parse(res.body.createdAt)));
      const created = await auditEvents(res.body.id, 'queue.created');
      assert.equal(created.length, 1);
      assert.equal(created[0]!.actor_type, 'user');
      assert.equal(created[0]!.data.after.slug, slug);
    });

    it('creates a queue with every setting', async () => {
      const target = await newQueue(api.client, token);
      const settings = {
        name: 'Full',
        instructions: '# Check the label',
        outputSchema: { type: 'object', required: ['label'], properties: { label: { type: 'string' } } },
        autoApproveAbove: 0.95,
        leaseSeconds: 60,
        slaSeconds: 3600,
        onSlaBreach: 'fallback',
        fallbackOutput: { label: 'unknown' },
        escalateTo: target.slug,
        reviewsRequired: 2,
        qaSampleRate: 0.1,
        callbackUrl: 'https://example.com/hooks/arbiter',
      };
      const res = await createQueue(settings);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      for (const [key, value] of Object.entries(settings)) assert.deepEqual(res.body[key], value, key);
    });

    it('refuses a duplicate slug with 409 CONFLICT', async () => {
      const queue = await newQueue(api.client, token);
      const before = await count('queues');
      const res = await api.client.post('/api/v1/queues', { slug: queue.slug, name: 'Again' }, { token });
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.code, 'CONFLICT');
      assert.equal(res.body.statusCode, 409);
      assert.equal(await count('queues'), before);
      const again = await api.client.get(`/api/v1/queues/${queue.slug}`, { token });
      assert.equal(again.body.name, queue['name'], 'the original is untouched');
    });

    for (const slug of ['A', 'x', '-abc', 'a'.repeat(64), 'Abc', 'ab_c', 'ab c', 'ab/c', 'é-queue', '']) {
      it(`refuses the slug ${JSON.stringify(slug.length > 20 ? `${slug.slice(0, 8)}… (${slug.length})` : slug)}`, async () => {
        const before = await count('queues');
        const res = await api.client.post('/api/v1/queues', { slug, name: 'Bad' }, { token });
        assertValidation(res, 'slug');
        assert.equal(await count('queues'), before);
      });
    }

    it('accepts slugs at the edges of the pattern (2 and 63 characters)', async () => {
      for (const slug of [
        `a${randomUUID().slice(0, 1)}`,
        `q${'-'.repeat(2)}${randomUUID().replaceAll('-', '')}`.padEnd(63, 'z'),
      ]) {
        assert.match(slug, /^[a-z0-9][a-z0-9-]{1,62}$/);
        const res = await api.client.post('/api/v1/queues', { slug, name: 'Edge' }, { token });
        assert.equal(res.status, 201, `${slug}: ${JSON.stringify(res.body)}`);
      }
    });

    const refused: [string, () => Promise<Record<string, unknown>>, string][] = [
      ['an invalid outputSchema', async () => ({ outputSchema: { type: 12 } }), 'outputSchema'],
      ['an outputSchema that is not an object', async () => ({ outputSchema: 'object' }), 'outputSchema'],
      ['escalateTo an unknown queue', async () => ({ escalateTo: uniqueSlug('nope') }), 'escalateTo'],
      [
        'onSlaBreach fallback without fallbackOutput',
        async () => ({ onSlaBreach: 'fallback' }),
        'fallbackOutput',
      ],
      [
        'a fallbackOutput not matching outputSchema',
        async () => ({
          outputSchema: { type: 'object', required: ['label'], properties: { label: { enum: ['a', 'b'] } } },
          onSlaBreach: 'fallback',
          fallbackOutput: { label: 'c' },
        }),
        'fallbackOutput',
      ],
      ['an unknown onSlaBreach', async () => ({ onSlaBreach: 'ignore' }), 'onSlaBreach'],
      ['leaseSeconds 0', async () => ({ leaseSeconds: 0 }), 'leaseSeconds'],
      ['reviewsRequired 3', async () => ({ reviewsRequired: 3 }), 'reviewsRequired'],
      ['qaSampleRate 1.5', async () => ({ qaSampleRate: 1.5 }), 'qaSampleRate'],
      ['autoApproveAbove -0.1', async () => ({ autoApproveAbove: -0.1 }), 'autoApproveAbove'],
      ['an unknown field', async () => ({ colour: 'blue' }), 'colour'],
      [
        'a callbackUrl on 127.0.0.1',
        async () => ({ callbackUrl: 'http://127.0.0.1:8080/hook' }),
        'callbackUrl',
      ],
      ['a callbackUrl on 10.0.0.1', async () => ({ callbackUrl: 'http://10.0.0.1/hook' }), 'callbackUrl'],
      [
        'a callbackUrl on the metadata service',
        async () => ({ callbackUrl: 'http://169.254.169.254/latest/meta-data' }),
        'callbackUrl',
      ],
      [
        'a callbackUrl on localhost',
        async () => ({ callbackUrl: 'http://localhost:3000/hook' }),
        'callbackUrl',
      ],
      ['a callbackUrl on [::1]', async () => ({ callbackUrl: 'http://[::1]/hook' }), 'callbackUrl'],
      ['a callbackUrl that is not http', async () => ({ callbackUrl: 'ftp://example.com/x' }), 'callbackUrl'],
    ];

    for (const [name, settings, path] of refused) {
      it(`refuses ${name} with 400 VALIDATION_FAILED and stores nothing`, async () => {
        const body = await settings();
        const queues = await count('queues');
        const events = await count('audit_events');
        const res = await createQueue(body);
        assertValidation(res, path);
        assert.equal(await count('queues'), queues);
        assert.equal(await count('audit_events'), events);
      });
    }

    it('PATCH changes fields and null clears optional ones', async () => {
      const target = await newQueue(api.client, token);
      const queue = await newQueue(api.client, token, {
        autoApproveAbove: 0.9,
        escalateTo: target.slug,
        slaSeconds: 600,
        callbackUrl: 'https://example.com/hook',
      });
      assert.equal(queue['escalateTo'], target.slug);

      const changed = await api.client.patch(
        `/api/v1/queues/${queue.slug}`,
        { name: 'Renamed', leaseSeconds: 120, instructions: 'Be kind', qaSampleRate: 0.25 },
        { token },
      );
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(changed.body.name, 'Renamed');
      assert.equal(changed.body.leaseSeconds, 120);
      assert.equal(changed.body.instructions, 'Be kind');
      assert.equal(changed.body.qaSampleRate, 0.25);
      assert.equal(changed.body.autoApproveAbove, 0.9, 'fields left out are kept');
      assert.equal(changed.body.escalateTo, target.slug);

      const cleared = await api.client.patch(
        `/api/v1/queues/${queue.slug}`,
        { autoApproveAbove: null, escalateTo: null, slaSeconds: null, callbackUrl: null },
        { token },
      );
      assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
      assert.equal(cleared.body.autoApproveAbove, null);
      assert.equal(cleared.body.escalateTo, null);
      assert.equal(cleared.body.slaSeconds, null);
      assert.equal(cleared.body.callbackUrl, null);
      assert.equal(cleared.body.name, 'Renamed');

      const read = await api.client.get(`/api/v1/queues/${queue.slug}`, { token });
      assert.deepEqual(read.body, cleared.body, 'the change is stored');
      const { rows } = await db.query(
        `SELECT auto_approve_above, escalate_to_id FROM queues WHERE slug = $1`,
        [queue.slug],
      );
      assert.deepEqual(rows[0], { auto_approve_above: null, escalate_to_id: null });

      const updates = await auditEvents(queue.id, 'queue.updated');
      assert.equal(updates.length, 2);
      assert.equal(updates[0]!.data.after.name, 'Renamed');
      assert.equal(updates[0]!.data.before.name, queue['name']);
      assert.equal(updates[1]!.data.after.escalateTo, null);
      assert.equal(updates[1]!.data.before.escalateTo, target.slug);
    });

    it('PATCH sets and replaces an outputSchema and a fallback', async () => {
      const queue = await newQueue(api.client, token);
      const schema = { type: 'object', required: ['label'], properties: { label: { enum: ['x', 'y'] } } };
      const res = await api.client.patch(
        `/api/v1/queues/${queue.slug}`,
        { outputSchema: schema, onSlaBreach: 'fallback', fallbackOutput: { label: 'x' }, slaSeconds: 60 },
        { token },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.outputSchema, schema);
      assert.deepEqual(res.body.fallbackOutput, { label: 'x' });
      assert.equal(res.body.onSlaBreach, 'fallback');
    });

    const refusedPatches: [string, Record<string, unknown>, string][] = [
      ['an unknown field', { colour: 'blue' }, 'colour'],
      ['the slug', { slug: 'renamed-slug' }, 'slug'],
      ['an invalid outputSchema', { outputSchema: { type: 12 } }, 'outputSchema'],
      ['escalateTo an unknown queue', { escalateTo: 'no-such-queue-here' }, 'escalateTo'],
      ['onSlaBreach fallback without fallbackOutput', { onSlaBreach: 'fallback' }, 'fallbackOutput'],
      [
        'an outputSchema the stored fallbackOutput does not match',
        { outputSchema: { type: 'string' } },
        'fallbackOutput',
      ],
      ['clearing the fallbackOutput the policy needs', { fallbackOutput: null }, 'fallbackOutput'],
      ['a callbackUrl on 10.0.0.1', { callbackUrl: 'http://10.0.0.1/hook' }, 'callbackUrl'],
      ['a callbackUrl on 169.254.169.254', { callbackUrl: 'http://169.254.169.254/' }, 'callbackUrl'],
      ['an empty name', { name: '' }, 'name'],
    ];

    for (const [name, change, path] of refusedPatches) {
      it(`PATCH refuses ${name} with 400 and changes nothing`, async () => {
        // A queue whose fallback makes the coherence rules bite.
        const queue = await newQueue(api.client, token, {
          onSlaBreach: 'fallback',
          fallbackOutput: { label: 'a' },
        });
        if (name.includes('onSlaBreach fallback')) {
          const keep = await api.client.patch(
            `/api/v1/queues/${queue.slug}`,
            { onSlaBreach: 'keep', fallbackOutput: null },
            { token },
          );
          assert.equal(keep.status, 200, JSON.stringify(keep.body));
        }
        const before = await api.client.get(`/api/v1/queues/${queue.slug}`, { token });
        const events = await count('audit_events');
        const res = await api.client.patch(`/api/v1/queues/${queue.slug}`, change, { token });
        assertValidation(res, path);
        const after = await api.client.get(`/api/v1/queues/${queue.slug}`, { token });
        assert.deepEqual(after.body, before.body);
        assert.equal(await count('audit_events'), events);
      });
    }

    for (const field of [
      'name',
      'instructions',
      'leaseSeconds',
      'onSlaBreach',
      'reviewsRequired',
      'qaSampleRate',
    ]) {
      it(`refuses null for the required setting ${field} (400, not a database error)`, async () => {
        const queue = await newQueue(api.client, token);
        const before = await api.client.get(`/api/v1/queues/${queue.slug}`, { token });
        assertValidation(
          await api.client.patch(`/api/v1/queues/${queue.slug}`, { [field]: null }, { token }),
          field,
        );
        const after = await api.client.get(`/api/v1/queues/${queue.slug}`, { token });
        assert.deepEqual(after.body, before.body);
        if (field !== 'name') {
          const queues = await count('queues');
          assertValidation(await createQueue({ [field]: null }), field);
          assert.equal(await count('queues'), queues);
        }
      });
    }

    it('PATCH refuses escalateTo the queue itself', async () => {
      const queue = await newQueue(api.client, token);
      assertValidation(
        await api.client.patch(`/api/v1/queues/${queue.slug}`, { escalateTo: queue.slug }, { token }),
        'escalateTo',
      );
    });

    it('PATCH, pause and resume of an unknown queue answer 404', async () => {
      const slug = uniqueSlug('nope');
      for (const res of [
        await api.client.patch(`/api/v1/queues/${slug}`, { name: 'x' }, { token }),
        await api.client.post(`/api/v1/queues/${slug}/pause`, undefined, { token }),
        await api.client.post(`/api/v1/queues/${slug}/resume`, undefined, { token }),
        await api.client.get(`/api/v1/queues/${slug}`, { token }),
      ]) {
        assert.equal(res.status, 404, JSON.stringify(res.body));
        assert.equal(res.body.code, 'NOT_FOUND');
      }
    });

    it('lists queues and gets one by slug', async () => {
      const a = await newQueue(api.client, token);
      const b = await newQueue(api.client, token);
      const list = await api.client.get('/api/v1/queues', { token });
      assert.equal(list.status, 200);
      assert.ok(Array.isArray(list.body.queues));
      const slugs = list.body.queues.map((q: { slug: string }) => q.slug);
      assert.ok(slugs.includes(a.slug) && slugs.includes(b.slug));
      assert.equal(slugs.length, await count('queues'));
      const one = await api.client.get(`/api/v1/queues/${b.slug}`, { token });
      assert.equal(one.status, 200);
      assert.equal(one.body.id, b.id);
      assert.equal(one.body.slug, b.slug);
      assert.deepEqual(
        list.body.queues.find((q: { slug: string }) => q.slug === b.slug),
        one.body,
      );
    });

    it('pause and resume answer 200 with the queue, are audited, and gate submissions', async () => {
      const queue = await newQueue(api.client, token);
      const key = (await newServiceKey(api.client, token, [queue.slug])).key;

      const paused = await api.client.post(`/api/v1/queues/${queue.slug}/pause`, undefined, { token });
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      assert.equal(paused.body.slug, queue.slug);
      assert.equal(paused.body.paused, true);
      assert.equal((await api.client.get(`/api/v1/queues/${queue.slug}`, { token })).body.paused, true);

      const refused = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
        apiKey: key,
      });
      assert.equal(refused.status, 423, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'QUEUE_PAUSED');

      const again = await api.client.post(`/api/v1/queues/${queue.slug}/pause`, undefined, { token });
      assert.equal(again.status, 200);
      assert.equal(again.body.paused, true);

      const resumed = await api.client.post(`/api/v1/queues/${queue.slug}/resume`, undefined, { token });
      assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
      assert.equal(resumed.body.paused, false);
      const accepted = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
        apiKey: key,
      });
      assert.equal(accepted.status, 201, JSON.stringify(accepted.body));

      const patched = await api.client.patch(`/api/v1/queues/${queue.slug}`, { name: 'Changed' }, { token });
      assert.equal(patched.status, 200);
      assert.deepEqual(await auditActions(queue.id), [
        'queue.created',
        'queue.paused',
        'queue.resumed',
        'queue.updated',
      ]);
      const [pausedEvent] = await auditEvents(queue.id, 'queue.paused');
      assert.equal(pausedEvent!.actor_type, 'user');
      assert.equal(pausedEvent!.actor_name, 'admin@test.local');
    });
  });

  describe('users', () => {
    const email = () => `${uniqueSlug('person')}@test.local`;

    function assertNoSecrets(body: unknown, password: string) {
      const raw = JSON.stringify(body);
      assert.ok(!raw.includes(password), 'no password in the answer');
      assert.ok(!raw.includes('scrypt$'), 'no hash in the answer');
      assert.ok(!/"password(_?hash)?"/i.test(raw), `no password field: ${raw}`);
    }

    it('creates a user: 201 {id, email, roles, queues}, audited, without secrets', async () => {
      const queue = await newQueue(api.client, token);
      const address = email();
      const res = await api.client.post(
        '/api/v1/users',
        { email: address, password: 'pw-created-1', roles: ['reviewer'], queues: [queue.slug] },
        { token },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(res.body.id, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.email, address);
      assert.deepEqual(res.body.roles, ['reviewer']);
      assert.deepEqual(res.body.queues, [queue.slug]);
      assertNoSecrets(res.body, 'pw-created-1');
      await login(api.client, address, 'pw-created-1');

      const [created] = await auditEvents(res.body.id, 'user.created');
      assert.ok(created, 'user.created is recorded');
      assert.equal(created.data.after.email, address);
      assertNoSecrets(created.data, 'pw-created-1');

      const list = await api.client.get('/api/v1/users', { token });
      assert.equal(list.status, 200);
      assert.ok(list.body.users.some((u: { id: string }) => u.id === res.body.id));
      assertNoSecrets(list.body, 'pw-created-1');
      const one = await api.client.get(`/api/v1/users/${res.body.id}`, { token });
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.queues, [queue.slug]);
      assertNoSecrets(one.body, 'pw-created-1');
    });

    it('refuses a duplicate email, whatever its case, with 409', async () => {
      const address = email();
      const first = await api.client.post(
        '/api/v1/users',
        { email: address, password: 'pw-first-11', roles: ['auditor'], queues: [] },
        { token },
      );
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const before = await count('users');
      for (const variant of [address, address.toUpperCase(), address.replace('person', 'PERSON')]) {
        const res = await api.client.post(
          '/api/v1/users',
          { email: variant, password: 'pw-second-1', roles: ['admin'], queues: [] },
          { token },
        );
        assert.equal(res.status, 409, `${variant}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'CONFLICT');
      }
      assert.equal(await count('users'), before);
      await login(api.client, address, 'pw-first-11');
    });

    const badUsers: [string, () => Record<string, unknown>, string][] = [
      ['an unknown role', () => ({ roles: ['superuser'] }), 'roles'],
      ['no role', () => ({ roles: [] }), 'roles'],
      ['an unknown queue slug', () => ({ queues: ['no-such-queue-x'] }), 'queues'],
      ['an invalid queue slug', () => ({ queues: ['Not A Slug'] }), 'queues'],
      ['a bad email', () => ({ email: 'not-an-email' }), 'email'],
      ['a short password', () => ({ password: 'short' }), 'password'],
      ['an unknown field', () => ({ isAdmin: true }), 'isAdmin'],
    ];

    for (const [name, override, path] of badUsers) {
      it(`refuses ${name} with 400 and stores nothing`, async () => {
        const queue = await newQueue(api.client, token);
        const address = email();
        const body = {
          email: address,
          password: 'pw-valid-12',
          roles: ['reviewer'],
          queues: [queue.slug],
          ...override(),
        };
        const users = await count('users');
        const members = await count('queue_members');
        const events = await count('audit_events');
        assertValidation(await api.client.post('/api/v1/users', body, { token }), path);
        assert.equal(await count('users'), users);
        assert.equal(await count('queue_members'), members);
        assert.equal(await count('audit_events'), events);
        const { rows } = await db.query(`SELECT 1 FROM users WHERE lower(email) = lower($1)`, [body.email]);
        assert.equal(rows.length, 0);
      });
    }

    it('PATCH changes roles, queues and password; the new password logs in, the old does not', async () => {
      const q1 = await newQueue(api.client, token);
      const q2 = await newQueue(api.client, token);
      const q3 = await newQueue(api.client, token);
      const address = email();
      const created = await api.client.post(
        '/api/v1/users',
        { email: address, password: 'old-password-1', roles: ['reviewer'], queues: [q1.slug, q2.slug] },
        { token },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id;

      const roles = await api.client.patch(
        `/api/v1/users/${id}`,
        { roles: ['reviewer', 'auditor'] },
        { token },
      );
      assert.equal(roles.status, 200, JSON.stringify(roles.body));
      assert.deepEqual([...roles.body.roles].sort(), ['auditor', 'reviewer']);
      assert.deepEqual([...roles.body.queues].sort(), [q1.slug, q2.slug].sort(), 'queues kept');

      const queues = await api.client.patch(`/api/v1/users/${id}`, { queues: [q3.slug] }, { token });
      assert.equal(queues.status, 200, JSON.stringify(queues.body));
      assert.deepEqual(queues.body.queues, [q3.slug], 'queues replaces the list');
      assert.deepEqual([...queues.body.roles].sort(), ['auditor', 'reviewer'], 'roles kept');

      const password = await api.client.patch(
        `/api/v1/users/${id}`,
        { password: 'new-password-2' },
        { token },
      );
      assert.equal(password.status, 200, JSON.stringify(password.body));
      assertNoSecrets(password.body, 'new-password-2');
      assertNoSecrets(roles.body, 'old-password-1');
      await login(api.client, address, 'new-password-2');
      const old = await api.client.post('/api/v1/auth/login', { email: address, password: 'old-password-1' });
      assert.equal(old.status, 401);
      assert.equal(old.body.code, 'UNAUTHENTICATED');

      const { rows } = await db.query(`SELECT password_hash FROM users WHERE id = $1`, [id]);
      assert.ok(rows[0].password_hash.startsWith('scrypt$'));
      assert.ok(!rows[0].password_hash.includes('new-password-2'));

      const updates = await auditEvents(id, 'user.updated');
      assert.equal(updates.length, 3);
      assert.deepEqual(updates[1]!.data.after.queues, [q3.slug]);
      assert.equal(updates[2]!.data.passwordChanged, true);
      for (const event of updates) assertNoSecrets(event.data, 'new-password-2');
      assert.deepEqual(await auditActions(id), [
        'user.created',
        'user.updated',
        'user.updated',
        'user.updated',
        'auth.login_failed', // the old password, refused above
      ]);
    });

    it('PATCH with an unknown queue or role changes nothing', async () => {
      const q1 = await newQueue(api.client, token);
      const created = await api.client.post(
        '/api/v1/users',
        { email: email(), password: 'pw-valid-12', roles: ['reviewer'], queues: [q1.slug] },
        { token },
      );
      const id = created.body.id;
      const events = await count('audit_events');
      assertValidation(
        await api.client.patch(`/api/v1/users/${id}`, { queues: [q1.slug, 'no-such-queue-y'] }, { token }),
        'queues',
      );
      assertValidation(
        await api.client.patch(`/api/v1/users/${id}`, { roles: ['root'] }, { token }),
        'roles',
      );
      assertValidation(
        await api.client.patch(`/api/v1/users/${id}`, { email: 'x@test.local' }, { token }),
        'email',
      );
      const after = await api.client.get(`/api/v1/users/${id}`, { token });
      assert.deepEqual(after.body.queues, [q1.slug]);
      assert.deepEqual(after.body.roles, ['reviewer']);
      assert.equal(await count('audit_events'), events);
    });

    it('PATCH refuses null for password, roles, queues or disabled (400, not a server error)', async () => {
      const queue = await newQueue(api.client, token);
      const address = email();
      const created = await api.client.post(
        '/api/v1/users',
        { email: address, password: 'pw-kept-123', roles: ['reviewer'], queues: [queue.slug] },
        { token },
      );
      assert.equal(created.status, 201);
      const events = await count('audit_events');
      for (const field of ['password', 'roles', 'queues', 'disabled']) {
        assertValidation(
          await api.client.patch(`/api/v1/users/${created.body.id}`, { [field]: null }, { token }),
          field,
        );
      }
      assert.equal(await count('audit_events'), events);
      const after = await api.client.get(`/api/v1/users/${created.body.id}`, { token });
      assert.deepEqual(after.body.queues, [queue.slug]);
      assert.deepEqual(after.body.roles, ['reviewer']);
      await login(api.client, address, 'pw-kept-123');
    });

    it('PATCH of an unknown user answers 404', async () => {
      const res = await api.client.patch(`/api/v1/users/${randomUUID()}`, { roles: ['admin'] }, { token });
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.equal(res.body.code, 'NOT_FOUND');
    });
  });

  describe('API keys', () => {
    it('creates a key: 201 {id, key, webhookSecret}; the key works; audited', async () => {
      const queue = await newQueue(api.client, token);
      const service = uniqueSlug('billing');
      const res = await api.client.post('/api/v1/api-keys', { service, queues: [queue.slug] }, { token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(res.body.id, /^[0-9a-f-]{36}$/);
      assert.equal(typeof res.body.key, 'string');
      assert.ok(res.body.key.length >= 32, 'a long, random key');
      assert.match(res.body.webhookSecret, /^whsec_/);
      const hmacKey = Buffer.from(res.body.webhookSecret.slice('whsec_'.length), 'base64');
      assert.ok(hmacKey.length >= 24, `webhook secret decodes to ${hmacKey.length} bytes`);
      assert.equal(
        hmacKey.toString('base64'),
        res.body.webhookSecret.slice('whsec_'.length),
        'the part after whsec_ is plain base64',
      );

      const submit = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
        apiKey: res.body.key,
      });
      assert.equal(submit.status, 201, JSON.stringify(submit.body));
      assert.equal(submit.body.status, 'pending');

      const [created] = await auditEvents(res.body.id, 'apikey.created');
      assert.ok(created, 'apikey.created is recorded');
      assert.equal(created.actor_type, 'user');
      const raw = JSON.stringify(created.data);
      assert.ok(
        !raw.includes(res.body.key) && !raw.includes(res.body.webhookSecret),
        'no secret in the audit',
      );
    });

    it('two keys get different keys and secrets', async () => {
      const queue = await newQueue(api.client, token);
      const a = await newServiceKey(api.client, token, [queue.slug]);
      const b = await newServiceKey(api.client, token, [queue.slug]);
      assert.notEqual(a.key, b.key);
      assert.notEqual(a.webhookSecret, b.webhookSecret);
    });

    it('GET /api/v1/api-keys never shows a key or a webhook secret', async () => {
      const queue = await newQueue(api.client, token);
      const created = await newServiceKey(api.client, token, [queue.slug]);
      const res = await api.client.get('/api/v1/api-keys', { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(Array.isArray(res.body.apiKeys));
      const listed = res.body.apiKeys.find((k: { id: string }) => k.id === created.id);
      assert.ok(listed, 'the key is listed');
      assert.deepEqual(listed.queues, [queue.slug]);
      assert.equal(listed.key, undefined);
      assert.equal(listed.webhookSecret, undefined);
      const raw = JSON.stringify(res.body);
      assert.ok(!raw.includes(created.key), 'the key is not shown');
      assert.ok(!raw.includes(created.webhookSecret.slice(6)), 'the webhook secret is not shown');
      assert.ok(!/whsec_|key_?hash|secret/i.test(raw), raw.slice(0, 500));
    });

    it('refuses an unknown queue or an unknown field with 400 and stores nothing', async () => {
      const queue = await newQueue(api.client, token);
      const keys = await count('api_keys');
      const links = await count('api_key_queues');
      assertValidation(
        await api.client.post(
          '/api/v1/api-keys',
          { service: 'svc', queues: [queue.slug, 'no-such-queue-z'] },
          { token },
        ),
        'queues',
      );
      assertValidation(
        await api.client.post('/api/v1/api-keys', { service: 'svc', queues: [] }, { token }),
        'queues',
      );
      assertValidation(
        await api.client.post(
          '/api/v1/api-keys',
          { service: 'svc', queues: [queue.slug], admin: true },
          { token },
        ),
        'admin',
      );
      assert.equal(await count('api_keys'), keys);
      assert.equal(await count('api_key_queues'), links);
    });

    it('DELETE revokes: 204, audited once, the key stops working, the list shows revokedAt', async () => {
      const queue = await newQueue(api.client, token);
      const created = await newServiceKey(api.client, token, [queue.slug]);
      const res = await api.client.delete(`/api/v1/api-keys/${created.id}`, { token });
      assert.equal(res.status, 204);
      assert.equal(res.body, '');
      const refused = await api.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
        apiKey: created.key,
      });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'UNAUTHENTICATED');

      const again = await api.client.delete(`/api/v1/api-keys/${created.id}`, { token });
      assert.equal(again.status, 204);
      assert.deepEqual(await auditActions(created.id), ['apikey.created', 'apikey.revoked']);
      const [revoked] = await auditEvents(created.id, 'apikey.revoked');
      assert.equal(revoked!.actor_type, 'user');

      const list = await api.client.get('/api/v1/api-keys', { token });
      const listed = list.body.apiKeys.find((k: { id: string }) => k.id === created.id);
      assert.equal(typeof listed.revokedAt, 'string');
    });

    it('DELETE of an unknown key answers 404', async () => {
      const res = await api.client.delete(`/api/v1/api-keys/${randomUUID()}`, { token });
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.equal(res.body.code, 'NOT_FOUND');
    });
  });
});
