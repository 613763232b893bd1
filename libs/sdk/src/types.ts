/** Wire types of Arbiter's service API, written from its contract. Responses may gain fields. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type ItemStatus =
  'pending' | 'claimed' | 'approved' | 'corrected' | 'rejected' | 'auto_approved' | 'fallback' | 'escalated';

/** Statuses after which an item never changes again and carries its decision. */
export const TERMINAL_STATUSES: readonly ItemStatus[] = [
  'approved',
  'corrected',
  'rejected',
  'auto_approved',
  'fallback',
];

export const isTerminalStatus = (status: ItemStatus): boolean => TERMINAL_STATUSES.includes(status);

export type Reason = 'low_confidence' | 'model_error' | 'policy' | 'other';

export type Verdict = 'approve' | 'correct' | 'reject' | 'fallback' | 'auto_approve';

/** One RFC 6902 JSON Patch operation. */
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

/**
 * The final word on an item. `output` is the final output (`null` for `reject`), `patch` the JSON Patch
 * from the AI's output to it (`[]` for `approve`, `null` for `reject`). `reviewerId` is `null` for an
 * SLA fallback or an auto-approval.
 */
export interface Decision<TOutput = JsonValue> {
  id: string;
  itemId: string;
  verdict: Verdict;
  output: TOutput | null;
  patch: PatchOperation[] | null;
  reviewerId: string | null;
  comment: string | null;
  decidedAt: string;
  durationMs: number | null;
}

export interface ModelRef {
  name: string;
  version: string;
}

/** What a service submits for review. `output` may be left out only when `reason` is `model_error`. */
export interface SubmitItem<TInput = JsonValue, TOutput = JsonValue> {
  /** Your id for this output, unique per service and queue (≤ 256 characters). */
  externalId: string;
  model: ModelRef;
  input: TInput;
  output?: TOutput;
  /** In [0, 1]. */
  confidence?: number;
  reason: Reason;
  /** Integer 0..100, higher is reviewed first. */
  priority?: number;
  metadata?: Record<string, JsonValue>;
  /** Where the decision is POSTed; wins over the queue's callbackUrl. */
  callbackUrl?: string;
}

export type ActorType = 'user' | 'service' | 'system';

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: { type: ActorType; id: string | null; name: string | null };
  action: string;
  subject: { type: string; id: string };
  data: Record<string, JsonValue>;
}

export interface Item<TInput = JsonValue, TOutput = JsonValue> {
  id: string;
  /** The queue's slug. */
  queue: string;
  status: ItemStatus;
  externalId: string;
  service: string;
  model: ModelRef;
  input: TInput;
  output: TOutput | null;
  confidence: number | null;
  reason: Reason;
  priority: number;
  metadata: Record<string, JsonValue>;
  callbackUrl: string | null;
  slaDeadline: string | null;
  createdAt: string;
  updatedAt: string;
  /** Present once the item is terminal. */
  decision: Decision<TOutput> | null;
  /** The item's audit events, oldest first (on `get`). */
  history?: AuditEvent[];
}

export interface ErrorDetail {
  path: string;
  message: string;
}

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IDEMPOTENCY_CONFLICT'
  | 'CLAIM_EXPIRED'
  | 'NOT_CLAIM_HOLDER'
  | 'ALREADY_DECIDED'
  | 'QUEUE_PAUSED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

/** The body of every 4xx/5xx answer. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode | (string & {});
  message: string;
  details?: ErrorDetail[];
}

export type BatchEntryResult =
  | { index: number; id: string; status: ItemStatus }
  | { index: number; error: { code: ErrorCode | (string & {}); message: string; details?: ErrorDetail[] } };

/** One result per submitted entry, in order; each entry is accepted or refused on its own. */
export interface BatchResult {
  results: BatchEntryResult[];
}

/** What Arbiter POSTs to a callback URL when an item reaches a terminal state. */
export interface WebhookPayload<TInput = JsonValue, TOutput = JsonValue> {
  type: 'item.decided';
  timestamp: string;
  data: { item: Item<TInput, TOutput>; decision: Decision<TOutput> };
}
