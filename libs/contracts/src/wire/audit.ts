import type { JsonValue, PatchOperation } from './json.js';
import type { ModelRef, Reason, Verdict } from './items.js';

export type ActorType = 'user' | 'service' | 'system';

export interface Actor {
  type: ActorType;
  id: string | null;
  name: string | null;
}

export type AuditAction =
  | 'item.received'
  | 'item.auto_approved'
  | 'item.claimed'
  | 'claim.released'
  | 'claim.expired'
  | 'item.decided'
  | 'item.escalated'
  | 'item.sla_breached'
  | 'item.fallback'
  | 'item.requeued'
  | 'delivery.succeeded'
  | 'delivery.dead'
  | 'delivery.replayed'
  | 'queue.created'
  | 'queue.updated'
  | 'queue.paused'
  | 'queue.resumed'
  | 'user.created'
  | 'user.updated'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'auth.login_failed'
  | 'auth.login_throttled'
  | 'model.drift_detected'
  | 'model.alert_acknowledged'
  | 'gold.created';

export type SubjectType = 'item' | 'queue' | 'user' | 'apikey' | 'delivery' | 'auth' | 'alert' | 'gold';

/** An audit event, as in an item's `history`. */
export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: Actor;
  action: AuditAction;
  subject: { type: SubjectType; id: string };
  data: Record<string, JsonValue>;
}

/** Where an event sits in the hash chain. */
export interface ChainLink {
  pos: number;
  prevHash: string;
  hash: string;
}

/** One line of `GET /api/v1/audit/events?format=jsonl`: the event as hashed, and its link (null until sealed). */
export interface AuditEventLine extends AuditEvent {
  queueId: string | null;
  chain: ChainLink | null;
}

/** One line of `GET /api/v1/audit/decisions?format=jsonl`. */
export interface DecisionRecord {
  decisionId: string;
  itemId: string;
  externalId: string;
  queue: string;
  model: ModelRef;
  confidence: number | null;
  reason: Reason;
  aiOutput: JsonValue;
  finalOutput: JsonValue;
  patch: PatchOperation[] | null;
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

/** `GET /api/v1/audit/verify`. */
export interface ChainVerdict {
  valid: boolean;
  /** Links verified in order before the first bad one (all of them when valid). */
  checked: number;
  /** Hash of the last link, as stored; the genesis hash for an empty chain. */
  head: string;
  /** Sequence number of the first event whose link does not hold. */
  firstInvalidSeq?: number;
  /** Events in the chain, and events written but not sealed yet. */
  sealed: number;
  unsealed: number;
  lastSealedAt: string | null;
}
