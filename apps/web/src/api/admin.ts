import { request } from './http';
import type {
  ApiKey,
  ApiKeyList,
  CreatedApiKey,
  Delivery,
  DeliveryList,
  DeliveryStatus,
  NewApiKey,
  NewQueue,
  NewUser,
  Queue,
  QueueList,
  QueueSettings,
  ReplayResult,
  UserAccount,
  UserChanges,
  UserList,
} from './types';

const queuePath = (slug: string) => `/api/v1/queues/${encodeURIComponent(slug)}`;

export async function listQueueDetails(token: string): Promise<Queue[]> {
  const body = await request<QueueList>('GET', '/api/v1/queues', { token });
  return body.queues;
}

export function createQueue(token: string, queue: NewQueue): Promise<Queue> {
  return request<Queue>('POST', '/api/v1/queues', { token, body: queue });
}

export function updateQueue(token: string, slug: string, changes: QueueSettings): Promise<Queue> {
  return request<Queue>('PATCH', queuePath(slug), { token, body: changes });
}

export function setQueuePaused(token: string, slug: string, paused: boolean): Promise<Queue> {
  return request<Queue>('POST', `${queuePath(slug)}/${paused ? 'pause' : 'resume'}`, { token });
}

export async function listUsers(token: string): Promise<UserAccount[]> {
  const body = await request<UserList>('GET', '/api/v1/users', { token });
  return body.users;
}

export function createUser(token: string, user: NewUser): Promise<UserAccount> {
  return request<UserAccount>('POST', '/api/v1/users', { token, body: user });
}

export function updateUser(token: string, id: string, changes: UserChanges): Promise<UserAccount> {
  return request<UserAccount>('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, { token, body: changes });
}

export async function listApiKeys(token: string): Promise<ApiKey[]> {
  const body = await request<ApiKeyList>('GET', '/api/v1/api-keys', { token });
  return body.apiKeys;
}

export function createApiKey(token: string, key: NewApiKey): Promise<CreatedApiKey> {
  return request<CreatedApiKey>('POST', '/api/v1/api-keys', { token, body: key });
}

export async function revokeApiKey(token: string, id: string): Promise<void> {
  await request<void>('DELETE', `/api/v1/api-keys/${encodeURIComponent(id)}`, { token });
}

export interface DeliveryFilter {
  /** Omitted: every status. */
  status?: DeliveryStatus;
  queue?: string;
  limit?: number;
  /** The `next` of the page before, read with the same filter. */
  cursor?: string;
}

/** A page of webhook deliveries, newest first, with how many match and the cursor of the next page. */
export function listDeliveries(token: string, filter: DeliveryFilter): Promise<DeliveryList> {
  const query = new URLSearchParams();
  if (filter.status) query.set('status', filter.status);
  if (filter.queue) query.set('queue', filter.queue);
  if (filter.limit !== undefined) query.set('limit', String(filter.limit));
  if (filter.cursor !== undefined) query.set('cursor', filter.cursor);
  const search = query.toString();
  return request<DeliveryList>('GET', `/api/v1/deliveries${search ? `?${search}` : ''}`, { token });
}

/** Sends one delivery again under the same webhook-id; resolves with it (pending again). */
export function replayDelivery(token: string, id: string): Promise<Delivery> {
  return request<Delivery>('POST', `/api/v1/deliveries/${encodeURIComponent(id)}/replay`, { token });
}

/** Sends every dead-lettered delivery (of one queue, if given) again; resolves with how many. */
export async function replayDeadDeliveries(token: string, queue?: string): Promise<number> {
  const query = new URLSearchParams({ status: 'dead' });
  if (queue) query.set('queue', queue);
  const body = await request<ReplayResult>('POST', `/api/v1/deliveries/replay?${query.toString()}`, {
    token,
  });
  return body.replayed;
}
