import type {
  AssignmentChangedEvent,
  AuditEvent,
  Claim,
  ClaimExpiredEvent,
  ClaimSlaBreachedEvent,
  ClaimNextResult,
  DecideRequest,
  DecideResult,
  QueueStats,
  Result,
} from './types';

/** What the review workspace needs from the server; the socket client implements it, and so does the demo. */
export interface ReviewTransport {
  claimNext(queue: string): Promise<Result<ClaimNextResult>>;
  heartbeat(token: string): Promise<Result<{ claim: Claim }>>;
  decide(request: DecideRequest): Promise<Result<DecideResult>>;
  release(token: string): Promise<Result<{ ok: true }>>;
  escalate(token: string, comment: string): Promise<Result<{ ok: true }>>;
  /** The item's audit history as this reviewer may see it (GET /api/v1/items/:id). */
  itemHistory(itemId: string): Promise<Result<AuditEvent[]>>;
  /** Returns the unsubscribe function. */
  onClaimExpired(listener: (event: ClaimExpiredEvent) => void): () => void;
  onSlaBreached(listener: (event: ClaimSlaBreachedEvent) => void): () => void;
}

export interface StatsSource {
  subscribe(queue: string): Promise<Result<{ stats: QueueStats }>>;
  onStats(listener: (stats: QueueStats) => void): () => void;
  /** Items were assigned to the user, or taken back from them: the queue list's counts are out of date. */
  onAssignmentChanged(listener: (event: AssignmentChangedEvent) => void): () => void;
}
