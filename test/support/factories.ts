import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ApiClient } from './api-client.js';
import { ADMIN } from './test-env.js';

export const uniqueSlug = (prefix = 'q') => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function login(client: ApiClient, email: string, password: string): Promise<string> {
  const res = await client.post('/api/v1/auth/login', { email, password });
  assert.equal(res.status, 200, `login as ${email}: ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

export const loginAdmin = (client: ApiClient) => login(client, ADMIN.email, ADMIN.password);

export async function newQueue(client: ApiClient, token: string, settings: Record<string, unknown> = {}) {
  const slug = (settings['slug'] as string | undefined) ?? uniqueSlug();
  const res = await client.post('/api/v1/queues', { slug, name: `Queue ${slug}`, ...settings }, { token });
  assert.equal(res.status, 201, `create queue: ${JSON.stringify(res.body)}`);
  return res.body as { id: string; slug: string; [k: string]: unknown };
}

export async function newServiceKey(
  client: ApiClient,
  token: string,
  queues: string[],
  service = uniqueSlug('svc'),
) {
  const res = await client.post('/api/v1/api-keys', { service, queues }, { token });
  assert.equal(res.status, 201, `create api key: ${JSON.stringify(res.body)}`);
  return res.body as { id: string; key: string; webhookSecret: string; service: string };
}

export async function newUser(client: ApiClient, token: string, roles: string[], queues: string[] = []) {
  const email = `${uniqueSlug('user')}@test.local`;
  const password = 'user-password-1';
  const res = await client.post('/api/v1/users', { email, password, roles, queues }, { token });
  assert.equal(res.status, 201, `create user: ${JSON.stringify(res.body)}`);
  return {
    ...(res.body as { id: string; email: string }),
    password,
    token: await login(client, email, password),
  };
}

export function itemBody(overrides: Record<string, unknown> = {}) {
  return {
    externalId: `ext-${randomBytes(6).toString('hex')}`,
    model: { name: 'classifier', version: '2026-11' },
    input: { text: 'The parcel arrived broken.' },
    output: { label: 'complaint' },
    confidence: 0.42,
    reason: 'low_confidence',
    ...overrides,
  };
}

/** A gold item (template) of the same shape as `itemBody()`'s, approved unless `expected` says otherwise. */
export function goldItemBody(overrides: Record<string, unknown> = {}) {
  return {
    model: { name: 'classifier', version: '2026-11' },
    input: { text: `Gold ${randomBytes(4).toString('hex')}: where is my order?` },
    output: { label: 'complaint' },
    confidence: 0.55,
    expected: { verdict: 'approve' },
    ...overrides,
  };
}
