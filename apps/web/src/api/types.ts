// Wire types of the external contract (/work/shared/CONTRACT.md) that the reviewer UI uses.

export type Role = 'admin' | 'reviewer' | 'auditor';

export interface User {
  id: string;
  email: string;
  roles: Role[];
}

export interface LoginResponse {
  accessToken: string;
  user: User;
}

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Every 4xx/5xx HTTP body. */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: ErrorDetail[];
}

export type JsonSchema = Record<string, unknown>;

export interface Queue {
  slug: string;
  name: string;
  instructions: string;
  outputSchema: JsonSchema | null;
  leaseSeconds: number;
  paused?: boolean;
  reviewsRequired?: number;
  slaSeconds?: number | null;
  escalateTo?: string | null;
}

export interface QueueStats {
  queue: string;
  pending: number;
  claimed: number;
  /** Absent or null when nothing is pending. */
  oldestPendingAgeMs: number | null;
}

export type Reason = 'low_confidence' | 'model_error' | 'policy' | 'other';
export type Verdict = 'approve' | 'correct' | 'reject' | 'fallback' | 'auto_approve';
export type ReviewerVerdict = 'approve' | 'correct' | 'reject';

export interface ReviewItem {
  id: string;
  queue: string;
  status: string;
  externalId: string;
  model: { name: string; version: string };
  input: unknown;
  /** Absent (or null) only for `model_error`. */
  output?: unknown;
  confidence: number | null;
  reason: Reason;
  priority: number;
  metadata?: Record<string, unknown>;
  createdAt: string;
  slaDeadline?: string | null;
}

export interface Claim {
  token: string;
  expiresAt: string;
}

export interface Decision {
  id: string;
  itemId: string;
  verdict: Verdict;
  output: unknown;
  patch: unknown[] | null;
  reviewerId: string | null;
  comment: string | null;
  decidedAt: string;
  durationMs: number | null;
}

export interface AckError {
  code: string;
  message: string;
  /** For VALIDATION_FAILED: one entry per problem. */
  details?: ErrorDetail[];
}

/** A socket acknowledgement that failed. */
export interface AckFailure {
  error: AckError;
}

export type Ack<T> = T | AckFailure;

export type ClaimNextResult = { item: ReviewItem; claim: Claim } | { item: null };

export interface DecideRequest {
  token: string;
  verdict: ReviewerVerdict;
  output?: unknown;
  comment?: string;
}

/** Client → server events of the `/review` namespace: request payload and successful acknowledgement. */
export interface ReviewCalls {
  'queue:subscribe': { request: { queue: string }; response: { stats: QueueStats } };
  'claim:next': { request: { queue: string }; response: ClaimNextResult };
  'claim:heartbeat': { request: { token: string }; response: { claim: Claim } };
  'claim:release': { request: { token: string }; response: { ok: true } };
  'claim:decide': { request: DecideRequest; response: { decision: Decision } };
  'claim:escalate': { request: { token: string; comment: string }; response: { ok: true } };
}

export type ClientToServerEvents = {
  [E in keyof ReviewCalls]: (
    payload: ReviewCalls[E]['request'],
    ack: (response: Ack<ReviewCalls[E]['response']>) => void,
  ) => void;
};

export interface ClaimExpiredEvent {
  token: string;
  itemId: string;
}

export interface ItemDecidedEvent {
  itemId: string;
  queue: string;
  verdict: Verdict;
}

export interface ServerToClientEvents {
  'queue:stats': (stats: QueueStats) => void;
  'claim:expired': (event: ClaimExpiredEvent) => void;
  'item:decided': (event: ItemDecidedEvent) => void;
}

/** The outcome of a call: the acknowledgement, or why it failed (server code, or DISCONNECTED / TIMEOUT). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AckError };

export function isAckFailure(value: unknown): value is AckFailure {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'code' in error;
}
