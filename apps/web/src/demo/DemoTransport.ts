import type { ReviewTransport } from '../api/review-transport';
import type {
  AckError,
  AuditEvent,
  Claim,
  ClaimExpiredEvent,
  ClaimSlaBreachedEvent,
  DecideRequest,
  DecideResult,
  Item,
  ItemStatus,
  QueueStats,
  Result,
  ReviewVerdict,
} from '../api/types';

const DELAY_MS = 150;
const DECIDED: Record<ReviewVerdict, ItemStatus> = {
  approve: 'approved',
  correct: 'corrected',
  reject: 'rejected',
};
const later = <T>(value: T) =>
  new Promise<Result<T>>((r) => setTimeout(() => r({ ok: true, value }), DELAY_MS));

/** An in-memory queue behind the ReviewTransport interface, for the `?demo=1` page. */
export class DemoTransport implements ReviewTransport {
  private readonly waiting: Item[];
  private readonly held = new Map<string, Item>();
  private readonly listeners = new Set<(stats: QueueStats) => void>();

  constructor(
    private readonly queue: string,
    items: Item[],
    private readonly leaseSeconds: number,
    private readonly histories: Record<string, AuditEvent[]> = {},
  ) {
    this.waiting = [...items];
  }

  stats(): QueueStats {
    const oldest = this.waiting.reduce((min, item) => Math.min(min, Date.parse(item.createdAt)), Infinity);
    return {
      queue: this.queue,
      pending: this.waiting.length,
      claimed: this.held.size,
      oldestPendingAgeMs: this.waiting.length ? Date.now() - oldest : 0,
    };
  }

  onStats(listener: (stats: QueueStats) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  claimNext() {
    const item = this.waiting.shift();
    if (!item) return later({ item: null });
    const claim: Claim = { token: `demo-${item.id}`, expiresAt: this.expiry() };
    this.held.set(claim.token, item);
    this.changed();
    return later({ item, claim });
  }

  heartbeat(token: string) {
    if (!this.held.has(token)) return this.refuse('CLAIM_EXPIRED', 'The claim is no longer live.');
    return later({ claim: { token, expiresAt: this.expiry() } });
  }

  decide(request: DecideRequest) {
    const item = this.held.get(request.token);
    if (!item) return this.refuse('CLAIM_EXPIRED', 'The claim is no longer live.');
    this.finish(request.token);
    return later<DecideResult>({
      itemStatus: DECIDED[request.verdict],
      decision: {
        id: `decision-${item.id}`,
        itemId: item.id,
        verdict: request.verdict,
        output: request.verdict === 'reject' ? null : (request.output ?? item.output ?? null),
        patch: request.verdict === 'reject' ? null : [],
        reviewerId: 'demo-user',
        comment: request.comment ?? null,
        decidedAt: new Date().toISOString(),
        durationMs: 1000,
      },
    });
  }

  release(token: string) {
    const item = this.held.get(token);
    if (item) this.waiting.push(item);
    this.finish(token);
    return later({ ok: true as const });
  }

  escalate(token: string, _comment: string) {
    this.finish(token);
    return later({ ok: true as const });
  }

  itemHistory(itemId: string) {
    return later(this.histories[itemId] ?? []);
  }

  onClaimExpired(_listener: (event: ClaimExpiredEvent) => void): () => void {
    return () => undefined;
  }

  onSlaBreached(_listener: (event: ClaimSlaBreachedEvent) => void): () => void {
    return () => undefined;
  }

  private finish(token: string) {
    this.held.delete(token);
    this.changed();
  }

  private expiry() {
    return new Date(Date.now() + this.leaseSeconds * 1000).toISOString();
  }

  private changed() {
    const stats = this.stats();
    for (const listener of this.listeners) listener(stats);
  }

  private refuse(code: AckError['code'], message: string) {
    return Promise.resolve<{ ok: false; error: AckError }>({
      ok: false,
      error: { code, message },
    });
  }
}
