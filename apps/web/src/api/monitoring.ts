import { io, type Socket } from 'socket.io-client';
import { request } from './http';
import type {
  AlertList,
  AlertState,
  Bucket,
  DriftAlert,
  ModelDetail,
  ModelList,
  ModelRef,
  ModelSummary,
  MonitoringAlertEvent,
  Queue,
  ReviewerList,
  ReviewerStats,
} from './types';

const seg = encodeURIComponent;

export const versionKey = (queue: string, model: ModelRef) =>
  `${queue}\u0000${model.name}\u0000${model.version}`;

/** The version's page in the UI. */
export const versionPath = (queue: string, model: ModelRef) =>
  `/monitoring/models/${seg(queue)}/${seg(model.name)}/${seg(model.version)}`;

export async function listModels(token: string, queue?: string): Promise<ModelSummary[]> {
  const query = queue ? `?${new URLSearchParams({ queue }).toString()}` : '';
  const body = await request<ModelList>('GET', `/api/v1/monitoring/models${query}`, {
    token,
  });
  return body.models;
}

export function getModelDetail(
  token: string,
  queue: string,
  model: ModelRef,
  bucket: Bucket = 'hour',
): Promise<ModelDetail> {
  return request<ModelDetail>(
    'GET',
    `/api/v1/monitoring/models/${seg(queue)}/${seg(model.name)}/${seg(model.version)}?bucket=${bucket}`,
    { token },
  );
}

export async function listAlerts(token: string, state: AlertState): Promise<DriftAlert[]> {
  const body = await request<AlertList>('GET', `/api/v1/monitoring/alerts?state=${state}`, {
    token,
  });
  return body.alerts;
}

export function acknowledgeAlert(token: string, id: string, comment: string): Promise<DriftAlert> {
  return request<DriftAlert>('POST', `/api/v1/monitoring/alerts/${seg(id)}/acknowledge`, {
    token,
    body: { comment },
  });
}

export async function listReviewerStats(token: string, queue?: string): Promise<ReviewerStats[]> {
  const query = queue ? `?${new URLSearchParams({ queue }).toString()}` : '';
  const body = await request<ReviewerList>('GET', `/api/v1/monitoring/reviewers${query}`, {
    token,
  });
  return body.reviewers;
}

export function getQueue(token: string, slug: string): Promise<Queue> {
  return request<Queue>('GET', `/api/v1/queues/${seg(slug)}`, { token });
}

export type MonitoringSocket = Socket<
  { 'monitoring:alert': (event: MonitoringAlertEvent) => void },
  Record<string, never>
>;

/** Admins' and auditors' sockets on `/review` join the monitoring room at the handshake. */
export function connectMonitoringSocket(token: string): MonitoringSocket {
  return io('/review', { auth: { token }, forceNew: true });
}
