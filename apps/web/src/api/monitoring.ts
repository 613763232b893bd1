import { io, type Socket } from 'socket.io-client';
import { request } from './http';
import type { QueueDetail } from './types';

export interface ModelRef {
  name: string;
  version: string;
}

/** A Wilson 95% interval, `[lo, hi]`. */
export type Interval = [number, number];

export interface DriftSummary {
  state: 'ok' | 'alert';
  statistic: number;
  threshold?: number | null;
  baselineRate: number | null;
  baselineDecisions: number;
  observed?: number;
  openAlertId?: string;
}

/** One model version of one queue (GET /api/v1/monitoring/models). */
export interface ModelSummary {
  queue: string;
  model: ModelRef;
  decisions: number;
  approved: number;
  corrected: number;
  rejected: number;
  overrideRate: number | null;
  overrideInterval: Interval;
  autoApproved: number;
  qaSampled: number;
  qaOverrideRate: number | null;
  ece: number | null;
  brier: number | null;
  drift: DriftSummary;
  firstSeenAt: string | null;
  lastDecidedAt: string | null;
}

export type Bucket = 'hour' | 'day';

export interface SeriesPoint {
  start: string;
  decisions: number;
  overrideRate: number;
  overrideInterval: Interval;
}

export interface FieldEdits {
  /** A JSON Pointer, array indexes as `*`. */
  path: string;
  edits: number;
  present: number;
  editRate: number;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  meanConfidence: number;
  acceptRate: number;
}

export interface CurvePoint {
  threshold: number;
  coverage: number;
  overrideRate: number;
  upperBound: number;
}

export interface ThresholdAdvice {
  targetOverrideRate: number;
  /** Null when the history cannot support any threshold. */
  suggested: number | null;
  coverage: number | null;
  upperBound: number | null;
  curve: CurvePoint[];
}

export interface ModelDetail {
  model: ModelSummary;
  series: SeriesPoint[];
  fields: FieldEdits[];
  calibration: { bins: ReliabilityBin[]; ece: number | null; brier: number | null };
  threshold: ThresholdAdvice;
}

export type AlertState = 'open' | 'acknowledged';

export interface DriftAlert {
  id: string;
  queue: string;
  model: ModelRef;
  kind: 'override_drift';
  state: AlertState;
  openedAt: string;
  baselineRate: number;
  observedRate: number;
  decisionsSinceChange: number;
  acknowledgedBy?: string;
  acknowledgedByEmail?: string;
  acknowledgedAt?: string;
  comment?: string;
}

export interface ReviewerStats {
  reviewer: { id: string; email: string };
  decisions: number;
  verdicts: { approve: number; correct: number; reject: number; escalate: number };
  medianDurationMs: number | null;
  p90DurationMs: number | null;
  gold: { scored: number; correct: number; accuracy: number | null; lowerBound: number | null };
  agreement: { pairs: number; percent: number | null; kappa: number | null; ac1: number | null };
}

const seg = encodeURIComponent;

export const versionKey = (queue: string, model: ModelRef) =>
  `${queue}\u0000${model.name}\u0000${model.version}`;

/** The version's page in the UI. */
export const versionPath = (queue: string, model: ModelRef) =>
  `/monitoring/models/${seg(queue)}/${seg(model.name)}/${seg(model.version)}`;

export async function listModels(token: string, queue?: string): Promise<ModelSummary[]> {
  const query = queue ? `?${new URLSearchParams({ queue }).toString()}` : '';
  const body = await request<{ models: ModelSummary[] }>('GET', `/api/v1/monitoring/models${query}`, {
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
  const body = await request<{ alerts: DriftAlert[] }>('GET', `/api/v1/monitoring/alerts?state=${state}`, {
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
  const body = await request<{ reviewers: ReviewerStats[] }>('GET', `/api/v1/monitoring/reviewers${query}`, {
    token,
  });
  return body.reviewers;
}

export function getQueue(token: string, slug: string): Promise<QueueDetail> {
  return request<QueueDetail>('GET', `/api/v1/queues/${seg(slug)}`, { token });
}

interface MonitoringEvents {
  'monitoring:alert': (event: { alert: DriftAlert }) => void;
}

export type MonitoringSocket = Socket<MonitoringEvents, Record<string, never>>;

/** Admins' and auditors' sockets on `/review` join the monitoring room at the handshake. */
export function connectMonitoringSocket(token: string): MonitoringSocket {
  return io('/review', { auth: { token }, forceNew: true });
}
