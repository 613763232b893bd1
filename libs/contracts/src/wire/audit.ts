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
  | 'item.assigned'
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
  /** Sequence number of the first event whose link does not hold, or the first one missing. */
  firstInvalidSeq?: number;
  /** Events in the chain, and events written but not sealed yet. */
  sealed: number;
  unsealed: number;
  lastSealedAt: string | null;
  /** The latest signed checkpoint and whether it holds; null before the sealer has signed one. */
  checkpoint: (CheckpointReport & { keyPinned: boolean }) | null;
  /** Events unsealed longer than AUDIT_UNSEALED_BOUND_MS: a sealer that stopped, which leaves `valid` alone. */
  unsealedOverBound: { boundMs: number; count: number; oldestAt: string | null };
}

/**
 * The chain's head at one moment: its position, the sequence number of the event its link seals, its hash,
 * and when the sealer signed it. Whoever holds a signed checkpoint can tell a chain cut short of it, or
 * rewritten up to it, from the chain it was.
 */
export interface Checkpoint {
  pos: number;
  seq: number;
  head: string;
  at: string;
}

/** A checkpoint with its Ed25519 signature and the public key of the signer, both base64. */
export interface SignedCheckpoint extends Checkpoint {
  signature: string;
  publicKey: string;
}

/**
 * How the chain stands against a checkpoint: it `reaches` the checkpoint's position with its head hash, `ends_before`
 * it (a cut tail), `differs` there (rewritten), is `broken_before` it (a bad link stopped the walk),
 * `starts_after` it (a slice that begins later), or was not compared (`unchecked`: the signature fails).
 */
export type CheckpointChainState =
  'reaches' | 'ends_before' | 'differs' | 'broken_before' | 'starts_after' | 'unchecked';

/** A checkpoint as a verification reports it. */
export interface CheckpointReport extends SignedCheckpoint {
  signatureValid: boolean;
  chain: CheckpointChainState;
  /** The signature holds and the chain reaches the checkpoint with its hash. */
  holds: boolean;
}

/** The body POSTed to the checkpoint sink. */
export interface CheckpointWebhookBody {
  type: 'audit.checkpoint';
  timestamp: string;
  data: SignedCheckpoint;
}
