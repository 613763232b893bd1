import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import assert from 'node:assert/strict';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { ApiModule } from '../apps/api/src/api.module.js';
import { ReviewGateway } from '../apps/api/src/review/review.gateway.js';
import type { RequestOptions } from './support/api-client.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import {
  goldItemBody,
  itemBody,
  loginAdmin,
  newQueue,
  newServiceKey,
  newUser,
  uniqueSlug,
} from './support/factories.js';
import { ReviewClient } from './support/review-client.js';
import { ADMIN, createTestEnv, type TestEnv } from './support/test-env.js';

/**
 * Who may do what, as one table: every HTTP route and every socket event of /review, for every kind of
 * principal. The route list is read from the application itself, so a route or event without a row here
 * fails the first test.
 */
const PRINCIPALS = [
  'anonymous',
  'admin',
  'auditor',
  'reviewer',
  'otherReviewer',
  'service',
  'otherService',
  'revokedKey',
] as const;
type PrincipalName = (typeof PRINCIPALS)[number];
/** ok: 2xx; unauth: 401 (or a refused socket handshake); forbidden: 403; hidden: 404. */
type Outcome = 'ok' | 'unauth' | 'forbidden' | 'hidden';
type Expectations = Record<PrincipalName, Outcome>;

/** Shorthands for the rows below. */
const everyone = (outcome: Outcome): Expectations =>
  Object.fromEntries(PRINCIPALS.map((p) => [p, outcome])) as Expectations;
const onlyFor = (allowed: Partial<Expectations>): Expectations => ({
  ...everyone('forbidden'),
  anonymous: 'unauth',
  revokedKey: 'unauth',
  ...allowed,
});
const ADMIN_ONLY = onlyFor({ admin: 'ok' });
const READERS = onlyFor({ admin: 'ok', auditor: 'ok' });
const SERVICE_OF_QUEUE = onlyFor({ service: 'ok' });
/** Claim actions on the reviewer's own claim; the other reviewer uses that same token. */
const CLAIM_HOLDER = onlyFor({ reviewer: 'ok' });

interface Fixture {
  /** Queue A: `reviewer` and `service` belong to it; `otherReviewer` and `otherService` to queue B. */
  queueA: string;
  queueForPausing: string;
  itemOfService: string;
  userId: string;
  /** `reviewer`'s user id. */
  reviewerId: string;
  /** A fresh pending item of queue A. */
  pendingItem(): Promise<string>;
  /** A webhook delivery of an auto-approved item (no worker runs here, so it stays pending). */
  deliveryId: string;
  /** A pending item of queue A claimed by `reviewer`, fresh for each call. */
  claimOfReviewer(): Promise<string>;
  /** Releases what claimOfReviewer handed out and is still live, so the reviewer stays under the claim limit. */
  releaseClaims(): Promise<void>;
  escalatedItem(): Promise<string>;
  throwawayKey(): Promise<string>;
  /** A model version of queue A with monitoring rollups. */
  model: { name: string; version: string };
  /** A fresh open drift alert on queue A, of a version of its own. */
  openAlert(): Promise<string>;
}

interface HttpRow {
  expect: Expectations;
  request(f: Fixture): Promise<{ path: string; body?: unknown }>;
}

const HTTP: Record<string, HttpRow> = {
  'POST /api/v1/auth/login': {
    expect: everyone('ok'),
    request: async () => ({
      path: '/api/v1/auth/login',
      body: { email: ADMIN.email, password: ADMIN.password },
    }),
  },
  'GET /health/live': { expect: everyone('ok'), request: async () => ({ path: '/health/live' }) },
  'GET /health/ready': { expect: everyone('ok'), request: async () => ({ path: '/health/ready' }) },
  'GET /metrics': { expect: everyone('ok'), request: async () => ({ path: '/metrics' }) },

  'POST /api/v1/queues': {
    expect: ADMIN_ONLY,
    request: async () => ({ path: '/api/v1/queues', body: { slug: uniqueSlug('mx'), name: 'matrix' } }),
  },
  'GET /api/v1/queues': {
    expect: onlyFor({ admin: 'ok', auditor: 'ok', reviewer: 'ok', otherReviewer: 'ok' }),
    request: async () => ({ path: '/api/v1/queues' }),
  },
  'GET /api/v1/queues/:slug': {
    expect: onlyFor({ admin: 'ok', auditor: 'ok', reviewer: 'ok', otherReviewer: 'hidden' }),
    request: async (f) => ({ path: `/api/v1/queues/${f.queueA}` }),
  },
  'PATCH /api/v1/queues/:slug': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/queues/${f.queueA}`, body: { instructions: 'Be careful.' } }),
  },
  'POST /api/v1/queues/:slug/pause': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/queues/${f.queueForPausing}/pause` }),
  },
  'POST /api/v1/queues/:slug/resume': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/queues/${f.queueForPausing}/resume` }),
  },
  'POST /api/v1/queues/:slug/gold': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/queues/${f.queueA}/gold`, body: { items: [goldItemBody()] } }),
  },

  'POST /api/v1/users': {
    expect: ADMIN_ONLY,
    request: async () => ({
      path: '/api/v1/users',
      body: { email: `${uniqueSlug('mx')}@test.local`, password: 'matrix-password-1', roles: ['auditor'] },
    }),
  },
  'GET /api/v1/users': { expect: ADMIN_ONLY, request: async () => ({ path: '/api/v1/users' }) },
  'GET /api/v1/users/:id': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/users/${f.userId}` }),
  },
  'PATCH /api/v1/users/:id': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/users/${f.userId}`, body: { roles: ['auditor'] } }),
  },

  'POST /api/v1/api-keys': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: '/api/v1/api-keys', body: { service: 'matrix', queues: [f.queueA] } }),
  },
  'GET /api/v1/api-keys': { expect: ADMIN_ONLY, request: async () => ({ path: '/api/v1/api-keys' }) },
  'DELETE /api/v1/api-keys/:id': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/api-keys/${await f.throwawayKey()}` }),
  },

  'POST /api/v1/queues/:slug/items': {
    expect: SERVICE_OF_QUEUE,
    request: async (f) => ({ path: `/api/v1/queues/${f.queueA}/items`, body: itemBody() }),
  },
  'POST /api/v1/queues/:slug/items/batch': {
    expect: SERVICE_OF_QUEUE,
    request: async (f) => ({
      path: `/api/v1/queues/${f.queueA}/items/batch`,
      body: { items: [itemBody(), itemBody()] },
    }),
  },
  'GET /api/v1/items/:id': {
    expect: {
      anonymous: 'unauth',
      admin: 'ok',
      auditor: 'ok',
      reviewer: 'ok',
      otherReviewer: 'hidden',
      service: 'ok',
      otherService: 'hidden',
      revokedKey: 'unauth',
    },
    request: async (f) => ({ path: `/api/v1/items/${f.itemOfService}` }),
  },
  'POST /api/v1/items/:id/requeue': {
    expect: ADMIN_ONLY,
    request: async (f) => ({
      path: `/api/v1/items/${await f.escalatedItem()}/requeue`,
      body: { queue: f.queueA },
    }),
  },

  'POST /api/v1/items/:id/assign': {
    expect: ADMIN_ONLY,
    request: async (f) => ({
      path: `/api/v1/items/${await f.pendingItem()}/assign`,
      body: { userId: f.reviewerId },
    }),
  },

  'POST /api/v1/queues/:slug/claim': {
    expect: CLAIM_HOLDER,
    request: async (f) => ({ path: `/api/v1/queues/${f.queueA}/claim` }),
  },
  'POST /api/v1/claims/:token/heartbeat': {
    expect: CLAIM_HOLDER,
    request: async (f) => ({ path: `/api/v1/claims/${await f.claimOfReviewer()}/heartbeat` }),
  },
  'POST /api/v1/claims/:token/release': {
    expect: CLAIM_HOLDER,
    request: async (f) => ({ path: `/api/v1/claims/${await f.claimOfReviewer()}/release` }),
  },
  'POST /api/v1/claims/:token/decision': {
    expect: CLAIM_HOLDER,
    request: async (f) => ({
      path: `/api/v1/claims/${await f.claimOfReviewer()}/decision`,
      body: { verdict: 'approve' },
    }),
  },
  'POST /api/v1/claims/:token/escalate': {
    expect: CLAIM_HOLDER,
    request: async (f) => ({
      path: `/api/v1/claims/${await f.claimOfReviewer()}/escalate`,
      body: { comment: 'needs a second look' },
    }),
  },

  'GET /api/v1/deliveries': { expect: ADMIN_ONLY, request: async () => ({ path: '/api/v1/deliveries' }) },
  'POST /api/v1/deliveries/replay': {
    expect: ADMIN_ONLY,
    request: async () => ({ path: '/api/v1/deliveries/replay?status=dead' }),
  },
  'POST /api/v1/deliveries/:id/replay': {
    expect: ADMIN_ONLY,
    request: async (f) => ({ path: `/api/v1/deliveries/${f.deliveryId}/replay` }),
  },

  'GET /api/v1/monitoring/models': {
    expect: READERS,
    request: async () => ({ path: '/api/v1/monitoring/models' }),
  },
  'GET /api/v1/monitoring/models/:queue/:name/:version': {
    expect: READERS,
    request: async (f) => ({
      path: `/api/v1/monitoring/models/${f.queueA}/${f.model.name}/${f.model.version}`,
    }),
  },
  'GET /api/v1/monitoring/reviewers': {
    expect: READERS,
    request: async () => ({ path: '/api/v1/monitoring/reviewers' }),
  },
  'GET /api/v1/monitoring/alerts': {
    expect: READERS,
    request: async () => ({ path: '/api/v1/monitoring/alerts' }),
  },
  'POST /api/v1/monitoring/alerts/:id/acknowledge': {
    expect: ADMIN_ONLY,
    request: async (f) => ({
      path: `/api/v1/monitoring/alerts/${await f.openAlert()}/acknowledge`,
      body: { comment: 'looked into it' },
    }),
  },

  'GET /api/v1/audit/verify': { expect: READERS, request: async () => ({ path: '/api/v1/audit/verify' }) },
  'GET /api/v1/audit/decisions': {
    expect: READERS,
    request: async () => ({ path: '/api/v1/audit/decisions?format=jsonl' }),
  },
  'GET /api/v1/audit/events': {
    expect: READERS,
    request: async () => ({ path: '/api/v1/audit/events?format=jsonl' }),
  },
};

interface SocketRow {
  expect: Expectations;
  payload(f: Fixture): Promise<unknown>;
}

/** People connect with their access token; a service key or none is refused at the handshake. */
const SOCKET_REFUSED = {
  anonymous: 'unauth',
  service: 'unauth',
  otherService: 'unauth',
  revokedKey: 'unauth',
} as const;

const SOCKET: Record<string, SocketRow> = {
  'queue:subscribe': {
    expect: { ...everyone('ok'), ...SOCKET_REFUSED, otherReviewer: 'forbidden' },
    payload: async (f) => ({ queue: f.queueA }),
  },
  'claim:next': {
    expect: { ...everyone('forbidden'), ...SOCKET_REFUSED, reviewer: 'ok' },
    payload: async (f) => ({ queue: f.queueA }),
  },
  'claim:heartbeat': {
    expect: { ...everyone('forbidden'), ...SOCKET_REFUSED, reviewer: 'ok' },
    payload: async (f) => ({ token: await f.claimOfReviewer() }),
  },
  'claim:release': {
    expect: { ...everyone('forbidden'), ...SOCKET_REFUSED, reviewer: 'ok' },
    payload: async (f) => ({ token: await f.claimOfReviewer() }),
  },
  'claim:decide': {
    expect: { ...everyone('forbidden'), ...SOCKET_REFUSED, reviewer: 'ok' },
    payload: async (f) => ({ token: await f.claimOfReviewer(), verdict: 'approve' }),
  },
  'claim:escalate': {
    expect: { ...everyone('forbidden'), ...SOCKET_REFUSED, reviewer: 'ok' },
    payload: async (f) => ({ token: await f.claimOfReviewer(), comment: 'needs a second look' }),
  },
};

/** Every HTTP route the API module declares, as "METHOD /path/:param". */
function declaredRoutes(): string[] {
  const controllers = ApiModule.forRoot({} as never).controllers ?? [];
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = (controller as { prototype: Record<string, unknown> }).prototype;
    return Object.getOwnPropertyNames(proto).flatMap((name) => {
      const handler = name === 'constructor' ? undefined : proto[name];
      if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined)
        return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const path = [base, String(Reflect.getMetadata(PATH_METADATA, handler))]
        .map((part) => part.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/');
      return [`${method} /${path}`];
    });
  });
}

function declaredEvents(): string[] {
  const proto = ReviewGateway.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).flatMap((name) => {
    const message =
      typeof proto[name] === 'function' ? Reflect.getMetadata(MESSAGE_METADATA, proto[name]) : undefined;
    return message === undefined ? [] : [String(message)];
  });
}

function outcomeOf(status: number): Outcome | string {
  if (status >= 200 && status < 300) return 'ok';
  return (
    ({ 401: 'unauth', 403: 'forbidden', 404: 'hidden' } as Record<number, Outcome>)[status] ??
    `HTTP ${status}`
  );
}

describe('access: every route and socket event × every principal, from one table', () => {
  let env: TestEnv;
  let api: RunningApi;
  let adminToken: string;
  let fixture: Fixture;
  let db: pg.Client;
  const credentials = {} as Record<PrincipalName, Pick<RequestOptions, 'token' | 'apiKey'>>;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    adminToken = await loginAdmin(api.client);
    const queueA = (await newQueue(api.client, adminToken)).slug;
    const queueB = (await newQueue(api.client, adminToken)).slug;
    const queueForPausing = (await newQueue(api.client, adminToken)).slug;
    const service = await newServiceKey(api.client, adminToken, [queueA]);
    const otherService = await newServiceKey(api.client, adminToken, [queueB]);
    const revoked = await newServiceKey(api.client, adminToken, [queueA]);
    assert.equal(
      (await api.client.delete(`/api/v1/api-keys/${revoked.id}`, { token: adminToken })).status,
      204,
    );
    const reviewer = await newUser(api.client, adminToken, ['reviewer'], [queueA]);
    const otherReviewer = await newUser(api.client, adminToken, ['reviewer'], [queueB]);
    const auditor = await newUser(api.client, adminToken, ['auditor']);
    const bystander = await newUser(api.client, adminToken, ['auditor']);
    Object.assign(credentials, {
      anonymous: {},
      admin: { token: adminToken },
      auditor: { token: auditor.token },
      reviewer: { token: reviewer.token },
      otherReviewer: { token: otherReviewer.token },
      service: { apiKey: service.key },
      otherService: { apiKey: otherService.key },
      revokedKey: { apiKey: revoked.key },
    });
    const submit = async () => {
      const res = await api.client.post(`/api/v1/queues/${queueA}/items`, itemBody(), {
        apiKey: service.key,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const claim = async () => {
      await submit();
      const res = await api.client.post(`/api/v1/queues/${queueA}/claim`, undefined, {
        token: reviewer.token,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { token: res.body.claim.token as string, itemId: res.body.item.id as string };
    };
    const hooked = await newQueue(api.client, adminToken, {
      autoApproveAbove: 0.5,
      callbackUrl: 'https://hooks.example.com/arbiter',
    });
    const hookKey = await newServiceKey(api.client, adminToken, [hooked.slug]);
    const autoApproved = await api.client.post(
      `/api/v1/queues/${hooked.slug}/items`,
      itemBody({ confidence: 0.9 }),
      { apiKey: hookKey.key },
    );
    assert.equal(autoApproved.body.status, 'auto_approved', JSON.stringify(autoApproved.body));
    const deliveries = await api.client.get(`/api/v1/deliveries?queue=${hooked.slug}`, { token: adminToken });
    assert.equal(deliveries.body.deliveries.length, 1, JSON.stringify(deliveries.body));
    const handedOut: string[] = [];
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    const queueAId = (await api.client.get(`/api/v1/queues/${queueA}`, { token: adminToken })).body.id;
    const model = { name: 'classifier', version: 'matrix-1' };
    await db.query(
      `INSERT INTO model_rollups (queue_id, model_name, model_version, hour, approved, first_decided_at, last_decided_at)
       VALUES ($1, $2, $3, date_trunc('hour', now()), 1, now(), now())`,
      [queueAId, model.name, model.version],
    );
    let alerts = 0;
    fixture = {
      queueA,
      queueForPausing,
      itemOfService: await submit(),
      userId: bystander.id,
      reviewerId: reviewer.id,
      pendingItem: submit,
      deliveryId: deliveries.body.deliveries[0].id,
      claimOfReviewer: async () => {
        const { token } = await claim();
        handedOut.push(token);
        return token;
      },
      releaseClaims: async () => {
        for (const token of handedOut.splice(0)) {
          await api.client.post(`/api/v1/claims/${token}/release`, undefined, { token: reviewer.token });
        }
      },
      escalatedItem: async () => {
        const { token, itemId } = await claim();
        const res = await api.client.post(
          `/api/v1/claims/${token}/escalate`,
          { comment: 'for the admin' },
          { token: reviewer.token },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return itemId;
      },
      throwawayKey: async () => (await newServiceKey(api.client, adminToken, [queueA])).id,
      model,
      openAlert: async () => {
        const { rows } = await db.query(
          `INSERT INTO model_alerts (queue_id, model_name, model_version, baseline_rate, observed_rate,
                                     decisions_since_change, statistic, threshold)
           VALUES ($1, 'classifier', $2, 0.1, 0.3, 50, 9, 8) RETURNING id`,
          [queueAId, `matrix-alert-${++alerts}`],
        );
        return rows[0].id as string;
      },
    };
  });
  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  it('has a row for every route and event the application declares, and none it does not', () => {
    assert.deepEqual(Object.keys(HTTP).sort(), declaredRoutes().sort());
    assert.deepEqual(Object.keys(SOCKET).sort(), declaredEvents().sort());
  });

  for (const [route, row] of Object.entries(HTTP)) {
    it(`HTTP ${route}`, async () => {
      const [method] = route.split(' ') as [string];
      const seen = {} as Record<PrincipalName, string>;
      for (const principal of PRINCIPALS) {
        const { path, body } = await row.request(fixture);
        const res = await api.client.request(method, path, { body, ...credentials[principal] });
        seen[principal] = outcomeOf(res.status);
      }
      await fixture.releaseClaims();
      assert.deepEqual(seen, row.expect);
    });
  }

  for (const [event, row] of Object.entries(SOCKET)) {
    it(`socket ${event}`, async () => {
      const seen = {} as Record<PrincipalName, string>;
      for (const principal of PRINCIPALS) {
        const { token, apiKey } = credentials[principal];
        let client: ReviewClient;
        try {
          client = await ReviewClient.connect(api.url, token ?? apiKey ?? '');
        } catch {
          seen[principal] = 'unauth';
          continue;
        }
        try {
          const answer = await client.call<{ error?: { code: string } }>(event, await row.payload(fixture));
          const code = answer?.error?.code;
          seen[principal] = !code
            ? 'ok'
            : code === 'FORBIDDEN' || code === 'NOT_CLAIM_HOLDER'
              ? 'forbidden'
              : code === 'NOT_FOUND'
                ? 'hidden'
                : code;
        } finally {
          client.close();
        }
      }
      await fixture.releaseClaims();
      assert.deepEqual(seen, row.expect);
    });
  }
});
