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
  /** Set when the deadline passed with the item still open (the queue's policy applied). */
  slaBreachedAt?: string | null;
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

/** A recorded decision and the item's status after it (`pending` when another review is due). */
export interface DecideResult {
  decision: Decision;
  itemStatus?: string;
  /** The queue adjudicating the item, when this decision disagreed with the first review. */
  movedTo?: string;
}

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
  'claim:decide': { request: DecideRequest; response: DecideResult };
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

/** The item's SLA deadline passed while claimed; `claimEnded` when the queue's policy took it away. */
export interface ClaimSlaBreachedEvent {
  token: string;
  itemId: string;
  policy: 'keep' | 'escalate' | 'fallback';
  claimEnded: boolean;
}

export interface ItemDecidedEvent {
  itemId: string;
  queue: string;
  verdict: Verdict;
}

export interface ServerToClientEvents {
  'queue:stats': (stats: QueueStats) => void;
  'claim:expired': (event: ClaimExpiredEvent) => void;
  'claim:sla_breached': (event: ClaimSlaBreachedEvent) => void;
  'item:decided': (event: ItemDecidedEvent) => void;
}

/** The outcome of a call: the acknowledgement, or why it failed (server code, or DISCONNECTED / TIMEOUT). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AckError };

export function isAckFailure(value: unknown): value is AckFailure {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'code' in error;
}

// Auditor and admin pages.

export type SlaPolicy = 'keep' | 'escalate' | 'fallback';

/** A queue as admins see it (GET /api/v1/queues). */
export interface QueueDetail extends Queue {
  id: string;
  autoApproveAbove: number | null;
  slaSeconds: number | null;
  onSlaBreach: SlaPolicy;
  fallbackOutput: unknown;
  escalateTo: string | null;
  reviewsRequired: number;
  qaSampleRate: number;
  callbackUrl: string | null;
  /** Four-eyes: unless true, admins may not claim or decide this queue's items. */
  allowAdminReview?: boolean;
  driftDelta: number;
  onDrift: DriftPolicy;
  targetOverrideRate: number;
  alertUrl: string | null;
  /** The secret alert webhooks are signed with: only in the answer that first set `alertUrl`. */
  alertSecret?: string;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What POST /api/v1/queues and PATCH /api/v1/queues/:slug accept; `null` clears an optional setting. */
export interface QueueSettings {
  name?: string;
  instructions?: string;
  outputSchema?: JsonSchema | null;
  autoApproveAbove?: number | null;
  leaseSeconds?: number;
  slaSeconds?: number | null;
  onSlaBreach?: SlaPolicy;
  fallbackOutput?: unknown;
  escalateTo?: string | null;
  reviewsRequired?: number;
  qaSampleRate?: number;
  callbackUrl?: string | null;
  allowAdminReview?: boolean;
  driftDelta?: number;
  onDrift?: DriftPolicy;
  targetOverrideRate?: number;
  alertUrl?: string | null;
}

/** What a queue does while a model version's drift alert is open. */
export type DriftPolicy = 'alert' | 'suspend_auto_approve';

export interface UserAccount {
  id: string;
  email: string;
  roles: Role[];
  queues: string[];
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  email: string;
  password: string;
  roles: Role[];
  queues: string[];
}

export interface UserChanges {
  roles?: Role[];
  queues?: string[];
  password?: string;
  disabled?: boolean;
}

export interface ApiKey {
  id: string;
  service: string;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  queues: string[];
  createdAt: string;
  revokedAt: string | null;
}

/** The answer to POST /api/v1/api-keys: the only time `key` and `webhookSecret` are shown. */
export interface CreatedApiKey extends ApiKey {
  key: string;
  webhookSecret: string;
}

export interface Actor {
  type: 'user' | 'service' | 'system';
  id: string | null;
  name: string | null;
}

/** An audit event, as in an item's `history` and the event log. */
export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: Actor;
  action: string;
  subject: { type: string; id: string };
  queueId?: string | null;
  data: Record<string, unknown>;
  chain?: { pos: number; prevHash: string; hash: string } | null;
}

/** One line of GET /api/v1/audit/decisions?format=jsonl. */
export interface DecisionRecord {
  decisionId: string;
  itemId: string;
  externalId: string;
  queue: string;
  model: { name: string; version: string };
  confidence: number | null;
  reason: Reason;
  aiOutput: unknown;
  finalOutput: unknown;
  patch: unknown[] | null;
  verdict: Verdict;
  reviewer: { id: string; email: string } | null;
  comment: string | null;
  receivedAt: string;
  decidedAt: string;
  timeToDecisionMs: number | null;
  durationMs: number | null;
  /** A decision on a gold item: scored against a known answer, never delivered. */
  gold: boolean;
}

/** GET /api/v1/audit/verify. */
export interface ChainVerdict {
  valid: boolean;
  checked: number;
  head: string;
  firstInvalidSeq?: number;
  sealed: number;
  unsealed: number;
  lastSealedAt: string | null;
  /** The latest signed checkpoint of the chain's head; null before the first. */
  checkpoint: {
    pos: number;
    at: string;
    signatureValid: boolean;
    keyPinned: boolean;
    chain: 'reaches' | 'ends_before' | 'differs' | 'broken_before' | 'unchecked';
    holds: boolean;
  } | null;
  /** Events still unsealed past the bound: a stopped sealer, not a broken chain. */
  unsealedOverBound: { boundMs: number; count: number; oldestAt: string | null };
}

/** GET /api/v1/items/:id for an auditor or admin. */
export interface ItemDetail extends ReviewItem {
  service?: string;
  updatedAt?: string;
  decision: Decision | null;
  history?: AuditEvent[];
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One try at sending a webhook; `statusCode` is null when no answer arrived (refused, timeout, network). */
export interface DeliveryAttempt {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs?: number | null;
}

/** GET /api/v1/deliveries (admins): one webhook of one item, with every attempt. */
export interface Delivery {
  id: string;
  /** The `webhook-id` header of every attempt and replay. */
  webhookId: string;
  /** Null for a drift alert's webhook (`alertId`). */
  itemId: string | null;
  alertId?: string;
  queue: string;
  url: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  createdAt?: string;
  /** When the next attempt is due; null unless pending. */
  nextAttemptAt?: string | null;
  deliveredAt?: string | null;
}
