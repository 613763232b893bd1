import type { Ack } from './errors.js';
import type { Decision, Item, ItemStatus, ReviewVerdict, Verdict } from './items.js';
import type { JsonValue } from './json.js';
import type { DriftAlert } from './monitoring.js';
import type { SlaPolicy } from './queues.js';

/** A reviewer's lease on an item. */
export interface Claim {
  token: string;
  expiresAt: string;
}

export interface QueueStats {
  queue: string;
  pending: number;
  claimed: number;
  /** 0 when nothing is pending. */
  oldestPendingAgeMs: number;
}

export type ClaimNextResult = { item: Item; claim: Claim } | { item: null };

/** `POST /api/v1/claims/:token/decision`. */
export interface DecisionRequest {
  verdict: ReviewVerdict;
  /** Required for `correct`. */
  output?: JsonValue;
  comment?: string;
}

export interface DecideRequest extends DecisionRequest {
  token: string;
}

/** A recorded decision and the item's status after it (`pending` when another review is due). */
export interface DecideResult {
  decision: Decision;
  itemStatus: ItemStatus;
  /** The queue adjudicating the item, when this decision disagreed with the first review. */
  movedTo?: string;
}

/** `POST /api/v1/claims/:token/escalate`. */
export interface EscalationRequest {
  comment: string;
}

/** Client → server events of the `/review` namespace: the payload and the acknowledgement on success. */
export interface ReviewCalls {
  'queue:subscribe': { request: { queue: string }; response: { stats: QueueStats } };
  'claim:next': { request: { queue: string }; response: ClaimNextResult };
  'claim:heartbeat': { request: { token: string }; response: { claim: Claim } };
  'claim:release': { request: { token: string }; response: { ok: true } };
  'claim:decide': { request: DecideRequest; response: DecideResult };
  'claim:escalate': { request: EscalationRequest & { token: string }; response: { ok: true } };
}

/** What a `/review` event is acknowledged with: its answer, or why it was refused. */
export type ReviewAck<E extends keyof ReviewCalls> = Ack<ReviewCalls[E]['response']>;

export interface ClaimExpiredEvent {
  token: string;
  itemId: string;
}

/** The item's SLA deadline passed while claimed; `claimEnded` when the queue's policy took it away. */
export interface ClaimSlaBreachedEvent {
  token: string;
  itemId: string;
  policy: SlaPolicy;
  claimEnded: boolean;
}

export interface ItemDecidedEvent {
  itemId: string;
  queue: string;
  verdict: Verdict;
}

/**
 * Items of a queue were assigned to the reviewer, or taken back from them: `GET /api/v1/queues` counts what is
 * assigned to them now (`assignedToMe`).
 */
export interface AssignmentChangedEvent {
  queue: string;
}

/** A drift alert opened or was acknowledged; admins' and auditors' sockets get it. */
export interface MonitoringAlertEvent {
  alert: DriftAlert;
}

/** Server → client events of the `/review` namespace. */
export interface ServerToClientEvents {
  'queue:stats': (stats: QueueStats) => void;
  'claim:expired': (event: ClaimExpiredEvent) => void;
  'claim:sla_breached': (event: ClaimSlaBreachedEvent) => void;
  'item:decided': (event: ItemDecidedEvent) => void;
  'assignment:changed': (event: AssignmentChangedEvent) => void;
  'monitoring:alert': (event: MonitoringAlertEvent) => void;
}
