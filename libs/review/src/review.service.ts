import { actorOf, canSeeQueue, hasRole, type UserPrincipal } from '@arbiter/auth';
import { Database } from '@arbiter/database';
import {
  canonicalJson,
  type Claim as ClaimGrant,
  type ClaimNextResult,
  DecisionBodyDto,
  DomainError,
  type QueueStats,
} from '@arbiter/contracts';
import { LeaseTimer, ReviewDispatcher, ReviewJobReader, type TakenJob } from '@arbiter/dispatch';
import { DomainEvents } from '@arbiter/events';
import { type DecisionView, ItemRepository, type ItemView } from '@arbiter/ingest';
import { type Queue, QueueRepository, QueueService } from '@arbiter/queues';
import { KeyedThrottle, Metrics } from '@arbiter/runtime';
import { Injectable, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AssignmentRepository } from './assignment.repository.js';
import {
  type Claim,
  type ClaimedItem,
  ClaimRepository,
  type DecisionInput,
  type ItemInLine,
  requeueEscalated,
  type Reviewer,
} from './claim.repository.js';
import { patchBetween } from './json-patch.js';
import { QueueStatsRepository } from './queue-stats.repository.js';
import { type Breach, SlaRepository } from './sla.repository.js';

export const MAX_LIVE_CLAIMS = 10;
/** Stale jobs (items claimed another way, or decided) skipped before falling back to Postgres. */
const MAX_STALE_JOBS = 25;

/** The review loop: claim, heartbeat, release, decide, escalate. The same rules for socket and HTTP. */
@Injectable()
export class ReviewService {
  /** Claims and decisions come by the hundred a second; subscribers' numbers refresh a few times a second. */
  private readonly changed = new KeyedThrottle(100, (queueId) =>
    this.events.publish({ type: 'queue.changed', queueId }),
  );

  constructor(
    private readonly claims: ClaimRepository,
    private readonly items: ItemRepository,
    private readonly queues: QueueService,
    private readonly queueRepository: QueueRepository,
    private readonly reader: ReviewJobReader,
    private readonly dispatcher: ReviewDispatcher,
    private readonly stats: QueueStatsRepository,
    private readonly events: DomainEvents,
    private readonly leases: LeaseTimer,
    private readonly db: Database,
    private readonly sla: SlaRepository,
    private readonly assignments: AssignmentRepository,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  /** A queue the reviewer works on: unknown → NOT_FOUND, not theirs → FORBIDDEN. */
  async workQueue(principal: UserPrincipal, slug: string): Promise<Queue> {
    const queue = await this.queues.findCached(slug);
    if (!queue) throw DomainError.notFound('Queue');
    if (!hasRole(principal, 'reviewer') || !principal.queueIds.has(queue.id)) {
      throw DomainError.forbidden(`You do not review queue "${slug}"`);
    }
    if (hasRole(principal, 'admin') && !queue.allowAdminReview) {
      throw DomainError.forbidden(
        `Four-eyes: admins may not review queue "${slug}" unless the queue sets allowAdminReview`,
      );
    }
    return queue;
  }

  /** The numbers a subscriber sees; admins and auditors may watch any queue. */
  async subscribe(principal: UserPrincipal, slug: string): Promise<{ queue: Queue; stats: QueueStats }> {
    const queue = await this.queues.findCached(slug);
    if (!queue) throw DomainError.notFound('Queue');
    if (!canSeeQueue(principal, queue.id)) throw DomainError.forbidden(`You may not watch queue "${slug}"`);
    return { queue, stats: (await this.stats.statsOf(queue.id))! };
  }

  statsOf(queueId: string): Promise<QueueStats | null> {
    return this.stats.statsOf(queueId);
  }

  async claimNext(principal: UserPrincipal, slug: string): Promise<ClaimNextResult> {
    const queue = await this.workQueue(principal, slug);
    const reviewer = reviewerOf(principal);
    const token = randomBytes(24).toString('base64url');
    const claimed =
      (await this.claimGold(queue, reviewer, token)) ?? (await this.claimReal(queue, reviewer, token));
    if (!claimed) return { item: null };
    this.leases.schedule(claimed.claim.expiresAt);
    this.changed.touch(queue.id);
    return { item: claimed.item, claim: grant(claimed.claim) };
  }

  /**
   * At the queue's goldRate, a gold item in place of the real one. A queue needing two reviews hands each item
   * out twice, so it draws at half the rate: the share of gold among the items reviewers get stays goldRate.
   */
  private async claimGold(
    queue: Queue,
    reviewer: Reviewer,
    token: string,
  ): Promise<{ claim: Claim; item: ItemView } | null> {
    const chance = (queue.goldRate ?? 0) / queue.reviewsRequired;
    if (!(Math.random() < chance)) return null;
    return this.claims.claimGold(queue, reviewer, token, queue.leaseSeconds, MAX_LIVE_CLAIMS);
  }

  /**
   * The next real item: one assigned to the reviewer first (claim_item looks for it in Postgres, whatever job it
   * was given), else from its review job in Redis, or straight from Postgres when Redis has none.
   */
  private async claimReal(
    queue: Queue,
    reviewer: Reviewer,
    token: string,
  ): Promise<{ claim: Claim; item: ItemView } | null> {
    let claimed: { claim: Claim; item: ItemView } | null = null;
    // Items awaiting a second review whose first was this reviewer's: held until the claim is settled, then
    // put back in line for somebody else (put back at once, they would be taken again by the next attempt).
    // So is the job taken for nothing when an item assigned to the reviewer was claimed in its place.
    const notMine: TakenJob[] = [];
    try {
      for (let stale = 0; !claimed && stale < MAX_STALE_JOBS; stale++) {
        const job = await this.reader.takeNext(queue.id);
        if (!job) break;
        let outcome: Awaited<ReturnType<ClaimRepository['claim']>>;
        try {
          outcome = await this.claims.claim(
            queue,
            job.itemId,
            reviewer,
            token,
            queue.leaseSeconds,
            MAX_LIVE_CLAIMS,
          );
        } catch (error) {
          await job.putBack();
          throw error;
        }
        if (outcome === 'skip') {
          notMine.push(job);
          continue;
        }
        claimed = outcome;
        if (outcome && outcome.item.id !== job.itemId) {
          notMine.push(job);
          continue;
        }
        // Not awaited: a job left behind goes back in line at the stalled check and is skipped as stale.
        void job.done();
      }
    } finally {
      await Promise.all(notMine.map((job) => job.putBack()));
    }
    if (!claimed) {
      // The Postgres path never answers `skip`: it only looks at items this reviewer may take.
      const fallback = await this.claims.claim(
        queue,
        null,
        reviewer,
        token,
        queue.leaseSeconds,
        MAX_LIVE_CLAIMS,
      );
      claimed = fallback === 'skip' ? null : fallback;
    }
    return claimed;
  }

  async heartbeat(principal: UserPrincipal, token: string): Promise<{ claim: ClaimGrant }> {
    const claim = await this.claims.heartbeat(token, workerOf(principal), async (queueId) => {
      const queue = await this.queues.findCachedById(queueId);
      return queue?.leaseSeconds ?? 300;
    });
    this.leases.schedule(claim.expiresAt);
    return { claim: grant(claim) };
  }

  async release(principal: UserPrincipal, token: string): Promise<{ ok: true }> {
    const { item } = await this.claims.release(token, workerOf(principal));
    await this.backInLine(item);
    return { ok: true };
  }

  /**
   * Releases every live claim of a reviewer whose sockets all went away. No membership check: giving work
   * back is always allowed, also to a reviewer just removed from the queue.
   */
  async releaseAllOf(principal: UserPrincipal): Promise<number> {
    let released = 0;
    for (const claim of await this.claims.liveClaimsOf(principal.id)) {
      try {
        const { item } = await this.claims.release(claim.token, reviewerOf(principal));
        await this.backInLine(item);
        released++;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return released;
  }

  /** Expires a claim whose lease ran out (the lease timer and the sweeper both land here). */
  async expire(claimId: string): Promise<boolean> {
    const ended = await this.claims.expireIfDue(claimId);
    if (!ended) return false;
    await this.backInLine(ended.item);
    this.events.publish({
      type: 'claim.expired',
      token: ended.claim.token,
      itemId: ended.item.id,
      reviewerId: ended.claim.reviewerId,
    });
    return true;
  }

  async decide(
    principal: UserPrincipal,
    token: string,
    body: DecisionBodyDto,
  ): Promise<{
    decision: DecisionView;
    replayed: boolean;
    itemStatus: ItemView['status'];
    /** The queue (slug) the item went to for adjudication, when the two reviews disagreed. */
    movedTo: string | null;
  }> {
    const requestHash = createHash('sha256')
      .update(
        canonicalJson({ verdict: body.verdict, output: body.output ?? null, comment: body.comment ?? null }),
      )
      .digest('hex');
    const { decision, replayed, item } = await this.claims.decide(
      token,
      { ...reviewerOf(principal), queueIds: await this.decidableQueues(principal) },
      requestHash,
      async (claimed) => this.buildDecision(claimed, body, requestHash),
      body.verdict === 'correct',
    );
    if (!replayed) {
      const queue = await this.queues.findCachedById(item.queueId);
      this.metrics?.decisions.inc({ queue: queue?.slug ?? 'unknown', verdict: decision.verdict });
      this.changed.touch(item.queueId);
      if (item.status === 'pending') {
        // Awaiting its second review here, or moved to the escalation queue because the reviewers disagreed.
        await this.backInLine({
          id: item.id,
          queueId: item.movedTo ?? item.queueId,
          priority: item.priority,
        });
      } else if (item.status !== 'escalated') {
        this.events.publish({
          type: 'item.decided',
          itemId: item.id,
          queueId: item.queueId,
          queue: queue?.slug ?? '',
          verdict: decision.verdict,
        });
      }
    }
    const movedTo = item.movedTo ? ((await this.queues.findCachedById(item.movedTo))?.slug ?? null) : null;
    return { decision, replayed, itemStatus: item.status, movedTo };
  }

  async escalate(principal: UserPrincipal, token: string, comment: string): Promise<{ ok: true }> {
    const { item, movedTo } = await this.claims.escalate(token, workerOf(principal), comment);
    this.changed.touch(item.queueId);
    if (movedTo) await this.backInLine({ ...item, queueId: movedTo });
    return { ok: true };
  }

  /**
   * Applies each queue's onSlaBreach policy to up to `limit` overdue items, then tells the queues, the
   * escalation targets and the reviewers holding them.
   */
  async applySlaBreaches(limit = 100): Promise<Breach[]> {
    const breaches = await this.sla.breachDue(limit);
    for (const b of breaches) {
      this.changed.touch(b.queueId);
      if (b.movedTo) {
        await this.dispatcher.enqueue([{ id: b.itemId, queueId: b.movedTo, priority: b.priority }]);
        this.changed.touch(b.movedTo);
      }
      if (b.claim) {
        this.events.publish({
          type: 'claim.breached',
          token: b.claim.token,
          itemId: b.itemId,
          reviewerId: b.claim.reviewerId,
          policy: b.policy,
          ended: b.claim.ended,
        });
      }
      if (b.outcome === 'fallback') {
        const queue = await this.queues.findCachedById(b.queueId);
        this.events.publish({
          type: 'item.decided',
          itemId: b.itemId,
          queueId: b.queueId,
          queue: queue?.slug ?? '',
          verdict: 'fallback',
        });
      }
    }
    return breaches;
  }

  /**
   * An admin assigns a pending item to a reviewer of its queue, who alone may claim it, or (null) hands it back
   * to the queue's shared line. Assigned items wait outside the shared line: the assignee's claims find them.
   */
  async assign(principal: UserPrincipal, itemId: string, userId: string | null): Promise<ItemView> {
    const assignee = userId?.toLowerCase() ?? null;
    const { changed, previous, queueId, priority } = await this.assignments.assign(
      itemId,
      assignee,
      actorOf(principal),
    );
    if (changed) {
      if (assignee === null) await this.backInLine({ id: itemId, queueId, priority });
      // Best effort: a job taken meanwhile, or left behind, is dropped by the next claim of somebody else.
      else if (previous === null) await this.dispatcher.withdraw(queueId, [itemId]);
      const queue = await this.queues.findCachedById(queueId);
      this.events.publish({
        type: 'assignments.changed',
        queueId,
        queue: queue?.slug ?? '',
        userIds: [assignee, previous].filter((id): id is string => id !== null),
      });
    }
    const { queueId: _queueId, ...view } = (await this.items.findView(itemId))!;
    return view;
  }

  /** An admin puts an escalated item back in line, in `slug` (its own queue or another). */
  async requeue(principal: UserPrincipal, itemId: string, slug: string): Promise<ItemView> {
    const queue = await this.queueRepository.findBySlug(slug);
    if (!queue) throw DomainError.validation([{ path: 'queue', message: `unknown queue "${slug}"` }]);
    const item = await requeueEscalated(this.db, itemId, queue.id, actorOf(principal));
    await this.backInLine(item);
    const { queueId: _queueId, ...view } = (await this.items.findView(itemId))!;
    return view;
  }

  /** Queues whose claims the principal may decide: their own, minus four-eyes queues for an admin. */
  private async decidableQueues(principal: UserPrincipal): Promise<string[]> {
    if (!hasRole(principal, 'reviewer')) return [];
    const ids = [...principal.queueIds];
    if (!hasRole(principal, 'admin')) return ids;
    const queues = await Promise.all(ids.map((id) => this.queues.findCachedById(id)));
    return ids.filter((_, i) => queues[i]?.allowAdminReview === true);
  }

  /** The decision a verdict makes; `item` is there for a correction, which is diffed against it. */
  private async buildDecision(
    item: ClaimedItem | null,
    body: DecisionBodyDto,
    requestHash: string,
  ): Promise<DecisionInput> {
    const comment = body.comment ?? null;
    const hasOutput = body.output !== undefined && body.output !== null;
    switch (body.verdict) {
      case 'approve':
      case 'reject':
        if (hasOutput) {
          throw DomainError.validation([
            { path: 'output', message: `output is only sent with verdict correct` },
          ]);
        }
        // An approval's output is the item's own, filled in by decide_claim.
        return body.verdict === 'approve'
          ? { verdict: body.verdict, output: null, patch: [], comment, requestHash }
          : { verdict: body.verdict, output: null, patch: null, comment, requestHash };
      case 'correct': {
        if (!hasOutput)
          throw DomainError.validation([{ path: 'output', message: 'output is required to correct' }]);
        const queue = await this.queues.findCachedById(item!.queueId);
        const problems = queue ? this.queues.outputProblems(queue, body.output) : [];
        if (problems.length > 0)
          throw DomainError.validation(problems, 'output does not match the queue outputSchema');
        const patch = patchBetween(item!.output, body.output);
        return { verdict: body.verdict, output: body.output, patch, comment, requestHash };
      }
    }
  }

  /** Pending again: in the shared line, or, assigned, waiting in Postgres for its assignee's next claim. */
  private async backInLine(item: ItemInLine): Promise<void> {
    if (!item.assigneeId) {
      await this.dispatcher.enqueue([{ id: item.id, queueId: item.queueId, priority: item.priority }]);
    }
    this.changed.touch(item.queueId);
  }
}

function reviewerOf(principal: UserPrincipal): Reviewer {
  return { id: principal.id, email: principal.email };
}

/** A reviewer acting on a claim: role and membership are checked on every action, under the claim's lock. */
function workerOf(principal: UserPrincipal): Reviewer {
  return {
    ...reviewerOf(principal),
    mayWork: (queueId) => hasRole(principal, 'reviewer') && principal.queueIds.has(queueId),
  };
}

function grant(claim: Claim): ClaimGrant {
  return { token: claim.token, expiresAt: claim.expiresAt.toISOString() };
}
