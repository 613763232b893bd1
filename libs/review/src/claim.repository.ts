import { type Actor, SYSTEM_ACTOR } from '@arbiter/audit';
import { DomainError, type JsonValue, type PatchOperation, type ReviewVerdict } from '@arbiter/contracts';
import { Database, type Sql } from '@arbiter/database';
import { type DecisionView, type ItemRow, type ItemView, itemViewFromRow } from '@arbiter/ingest';
import { Injectable } from '@nestjs/common';
import { hintOf, messageOf } from './sql-errors.js';

export interface Claim {
  id: string;
  token: string;
  itemId: string;
  queueId: string;
  reviewerId: string;
  status: 'live' | 'released' | 'expired' | 'decided' | 'escalated';
  claimedAt: Date;
  expiresAt: Date;
}

interface ClaimRow {
  id: string;
  token: string;
  item_id: string;
  queue_id: string;
  reviewer_id: string;
  status: Claim['status'];
  claimed_at: Date;
  expires_at: Date;
  expired_now: boolean;
}

/** A claims row as `to_jsonb` gives it. */
type ClaimJson = Omit<ClaimRow, 'claimed_at' | 'expires_at' | 'expired_now'> & {
  claimed_at: string;
  expires_at: string;
};

function claimFromJson(row: ClaimJson): Claim {
  return toClaim({
    ...row,
    claimed_at: new Date(row.claimed_at),
    expires_at: new Date(row.expires_at),
    expired_now: false,
  });
}

function toClaim(row: ClaimRow): Claim {
  return {
    id: row.id,
    token: row.token,
    itemId: row.item_id,
    queueId: row.queue_id,
    reviewerId: row.reviewer_id,
    status: row.status,
    claimedAt: row.claimed_at,
    expiresAt: row.expires_at,
  };
}

export interface Reviewer {
  id: string;
  email: string;
  /** Role and membership, checked under the claim's lock; absent for the system giving work back. */
  mayWork?: (queueId: string) => boolean;
}

export interface DecisionInput {
  verdict: ReviewVerdict;
  output: unknown;
  patch: unknown[] | null;
  comment: string | null;
  requestHash: string;
}

/**
 * What a decision made of its item: terminal, `pending` again (awaiting a second review, or moved to
 * `movedTo` for adjudication because two reviewers disagreed) or `escalated` to an admin.
 */
export interface DecidedItem {
  id: string;
  /** The queue the claim was on. */
  queueId: string;
  status: ItemView['status'];
  movedTo: string | null;
  priority: number;
}

/** An item back in line (pending) in its queue, as the review queue needs it. */
export interface ItemInLine {
  id: string;
  queueId: string;
  priority: number;
  /** Set when it waits for its assignee alone, outside the shared line. */
  assigneeId?: string | null;
}

/** The item a claim is on, as the decision needs it. */
export interface ClaimedItem extends ItemInLine {
  output: unknown;
}

export type EndReason = 'released' | 'expired';

/** Claims are leases recorded in Postgres: token, expiry, and a row lock as the fence for every change. */
@Injectable()
export class ClaimRepository {
  constructor(private readonly db: Database) {}

  /**
   * Claims `itemId` if it is still pending, or with `itemId` null the next pending item of the queue in
   * priority order (the Postgres path for when Redis is empty or away); an item assigned to the reviewer is
   * claimed first, in place of either. Null when there is nothing to claim (another reviewer got it first, or it
   * is assigned to somebody else); `skip` when the item waits for a second review and the first was this
   * reviewer's. A reviewer at `maxLive` live claims is refused.
   */
  async claim(
    queue: { id: string; slug: string },
    itemId: string | null,
    reviewer: Reviewer,
    token: string,
    leaseSeconds: number,
    maxLive: number,
  ): Promise<{ claim: Claim; item: ItemView } | null | 'skip'> {
    return this.claimBy(
      `SELECT claim_item($1, $2, $3, $4, $5, $6, $7) AS result`,
      [queue.id, itemId, reviewer.id, reviewer.email, token, leaseSeconds, maxLive],
      queue.slug,
      maxLive,
    );
  }

  /**
   * Makes a gold item and claims it for the reviewer (or claims one already waiting), answered exactly like a
   * claim of a real item. Null when no real item waits for this reviewer (gold only stands in for real work)
   * or the queue has no gold template.
   */
  async claimGold(
    queue: { id: string; slug: string },
    reviewer: Reviewer,
    token: string,
    leaseSeconds: number,
    maxLive: number,
  ): Promise<{ claim: Claim; item: ItemView } | null> {
    const outcome = await this.claimBy(
      `SELECT claim_gold($1, $2, $3, $4, $5, $6) AS result`,
      [queue.id, reviewer.id, reviewer.email, token, leaseSeconds, maxLive],
      queue.slug,
      maxLive,
    );
    return outcome === 'skip' ? null : outcome;
  }

  private async claimBy(
    sql: string,
    params: unknown[],
    slug: string,
    maxLive: number,
  ): Promise<{ claim: Claim; item: ItemView } | null | 'skip'> {
    try {
      const [row] = await this.db.query<{
        result: { claim: ClaimJson; item: ItemRow } | { skip: true } | null;
      }>(sql, params);
      if (!row?.result) return null;
      if ('skip' in row.result) return 'skip';
      const { queueId: _queueId, ...item } = itemViewFromRow({ ...row.result.item, queue_slug: slug });
      return { claim: claimFromJson(row.result.claim), item };
    } catch (error) {
      if (hintOf(error) === 'arbiter:claim_limit') {
        throw new DomainError('CONFLICT', `You hold ${maxLive} live claims; decide or release one first`);
      }
      throw error;
    }
  }

  async liveClaimsOf(reviewerId: string): Promise<Claim[]> {
    const rows = await this.db.query<ClaimRow>(
      `SELECT *, false AS expired_now FROM claims WHERE reviewer_id = $1 AND status = 'live'`,
      [reviewerId],
    );
    return rows.map(toClaim);
  }

  async dueForExpiry(limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM claims WHERE status = 'live' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Extends a live lease held by `reviewer`. */
  async heartbeat(
    token: string,
    reviewer: Reviewer,
    leaseSeconds: (queueId: string) => Promise<number>,
  ): Promise<Claim> {
    return this.db.transaction(async (tx) => {
      const claim = await lockLive(tx, token, reviewer);
      const seconds = await leaseSeconds(claim.queueId);
      const [row] = await tx.query<ClaimRow>(
        `UPDATE claims SET expires_at = now() + make_interval(secs => $2) WHERE id = $1 RETURNING *, false AS expired_now`,
        [claim.id, seconds],
      );
      return toClaim(row!);
    });
  }

  /** Ends a live claim and puts the item back to pending. */
  async release(token: string, reviewer: Reviewer): Promise<{ claim: Claim; item: ItemInLine }> {
    return this.db.transaction(async (tx) => {
      const claim = await lockLive(tx, token, reviewer);
      const item = await endClaim(tx, claim, 'released', {
        type: 'user',
        id: reviewer.id,
        name: reviewer.email,
      });
      return { claim, item };
    });
  }

  /** Expires a claim whose lease has run out; null when it was extended, decided or ended meanwhile. */
  async expireIfDue(claimId: string): Promise<{ claim: Claim; item: ItemInLine } | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<ClaimRow>(
        `SELECT *, false AS expired_now FROM claims WHERE id = $1 AND status = 'live' AND expires_at <= now() FOR UPDATE`,
        [claimId],
      );
      if (!row) return null;
      const claim = toClaim(row);
      return { claim, item: await endClaim(tx, claim, 'expired', SYSTEM_ACTOR) };
    });
  }

  /**
   * Records a decision exactly once. The claim row lock serialises concurrent attempts; the same decision
   * again returns the first one (`replayed`), a different one is ALREADY_DECIDED. `build` gets the claimed
   * item when the decision depends on it (a correction); an approval takes the item's output in Postgres.
   */
  async decide(
    token: string,
    reviewer: Reviewer & { queueIds: readonly string[] },
    requestHash: string,
    build: (item: ClaimedItem | null) => Promise<DecisionInput>,
    needsItem: boolean,
  ): Promise<{ decision: DecisionView; replayed: boolean; item: DecidedItem }> {
    let input: DecisionInput | null = null;
    if (needsItem) {
      // Read first (holder, item) to build the decision outside any lock; decide_claim checks again under it.
      const { claim, item } = await claimAndItem(this.db, token, reviewer, false);
      if (claim.status !== 'decided') {
        assertLive(claim);
        input = await build(item);
      }
    } else {
      input = await build(null);
    }
    try {
      const [row] = await this.db.query<{
        result: {
          replayed: boolean;
          decision: DecisionJson;
          queueId: string;
          itemStatus: ItemView['status'];
          movedTo?: string | null;
          priority: number;
        };
      }>(`SELECT decide_claim($1, $2, $3, $4, $5, $6, $7, $8, $9) AS result`, [
        token,
        reviewer.id,
        reviewer.email,
        reviewer.queueIds,
        requestHash,
        input?.verdict ?? null,
        input?.output == null ? null : JSON.stringify(input.output),
        input?.patch == null ? null : JSON.stringify(input.patch),
        input?.comment ?? null,
      ]);
      const { replayed, decision, queueId, itemStatus, movedTo, priority } = row!.result;
      return {
        decision: decisionFromJson(decision),
        replayed,
        item: { id: decision.item_id, queueId, status: itemStatus, movedTo: movedTo ?? null, priority },
      };
    } catch (error) {
      switch (hintOf(error)) {
        case 'arbiter:no_claim':
          throw DomainError.notFound('Claim');
        case 'arbiter:forbidden':
          throw DomainError.forbidden('You do not review the queue of this claim');
        case 'arbiter:already_decided':
          throw new DomainError('ALREADY_DECIDED', 'This claim was already decided differently');
        case 'arbiter:claim_expired':
          throw new DomainError('CLAIM_EXPIRED', 'This claim is no longer live');
        case 'arbiter:not_holder':
          throw new DomainError('NOT_CLAIM_HOLDER', 'This claim belongs to someone else');
        default:
          throw error;
      }
    }
  }

  /** Ends the claim and hands the item on to adjudication (see move_to_adjudication). */
  async escalate(
    token: string,
    reviewer: Reviewer,
    comment: string,
  ): Promise<{ item: ItemInLine; movedTo: string | null }> {
    return this.db.transaction(async (tx) => {
      const claim = await lockLive(tx, token, reviewer);
      const [row] = await tx.query<{
        result: { itemId: string; queueId: string; movedTo: string | null; priority: number };
      }>(`SELECT escalate_claim($1, $2, $3, $4) AS result`, [claim.id, reviewer.id, reviewer.email, comment]);
      const { itemId, queueId, movedTo, priority } = row!.result;
      return { item: { id: itemId, queueId, priority }, movedTo };
    });
  }
}

/** Puts an item an admin took over (status `escalated`) back to pending in `queueId`. */
export async function requeueEscalated(
  db: Database,
  itemId: string,
  queueId: string,
  actor: Actor,
): Promise<ItemInLine> {
  try {
    const [row] = await db.query<InLineRow>(
      `SELECT id, queue_id, priority, assignee_id FROM requeue_item($1, $2, $3, $4, $5)`,
      [itemId, queueId, actor.type, actor.id, actor.name],
    );
    return inLine(row!);
  } catch (error) {
    switch (hintOf(error)) {
      case 'arbiter:no_item':
        throw DomainError.notFound('Item');
      case 'arbiter:not_escalated':
        throw new DomainError('CONFLICT', messageOf(error));
      default:
        throw error;
    }
  }
}

/** A decisions row as `to_jsonb` gives it. */
interface DecisionJson {
  id: string;
  item_id: string;
  verdict: DecisionView['verdict'];
  output: JsonValue;
  patch: PatchOperation[] | null;
  reviewer_id: string | null;
  comment: string | null;
  decided_at: string;
  duration_ms: number | null;
}

function decisionFromJson(row: DecisionJson): DecisionView {
  return {
    id: row.id,
    itemId: row.item_id,
    verdict: row.verdict,
    output: row.output,
    patch: row.patch,
    reviewerId: row.reviewer_id,
    comment: row.comment,
    decidedAt: new Date(row.decided_at).toISOString(),
    durationMs: row.duration_ms,
  };
}

function assertLive(claim: Claim & { expiredNow: boolean }): void {
  if (claim.status !== 'live' || claim.expiredNow) {
    throw new DomainError(
      'CLAIM_EXPIRED',
      `This claim is no longer live (${claim.expiredNow ? 'expired' : claim.status})`,
    );
  }
}

/** The claim and its item in one round trip, both locked unless `lock` is false; holder and role checked. */
async function claimAndItem(
  tx: Sql,
  token: string,
  reviewer: Reviewer,
  lock = true,
): Promise<{ claim: Claim & { expiredNow: boolean }; item: ClaimedItem }> {
  const [row] = await tx.query<
    ClaimRow & { item_output: unknown; item_priority: number; item_queue_id: string }
  >(
    `SELECT c.*, (c.status = 'live' AND c.expires_at <= now()) AS expired_now,
            i.output AS item_output, i.priority AS item_priority, i.queue_id AS item_queue_id
       FROM claims c JOIN items i ON i.id = c.item_id
      WHERE c.token = $1
      ${lock ? 'FOR UPDATE OF c, i' : ''}`,
    [token],
  );
  if (!row) throw DomainError.notFound('Claim');
  if (reviewer.mayWork && !reviewer.mayWork(row.queue_id)) {
    throw DomainError.forbidden('You do not review the queue of this claim');
  }
  if (row.reviewer_id !== reviewer.id)
    throw new DomainError('NOT_CLAIM_HOLDER', 'This claim belongs to someone else');
  return {
    claim: { ...toClaim(row), expiredNow: row.expired_now },
    item: {
      id: row.item_id,
      queueId: row.item_queue_id,
      output: row.item_output,
      priority: row.item_priority,
    },
  };
}

async function lockLive(tx: Sql, token: string, reviewer: Reviewer): Promise<Claim> {
  const { claim } = await claimAndItem(tx, token, reviewer);
  if (claim.status === 'decided') throw new DomainError('ALREADY_DECIDED', 'This claim was already decided');
  assertLive(claim);
  return claim;
}

/** Ends a live claim the caller holds; the item goes back to pending (see end_claim). */
async function endClaim(tx: Sql, claim: Claim, reason: EndReason, actor: Actor): Promise<ItemInLine> {
  const [row] = await tx.query<InLineRow>(
    `SELECT id, queue_id, priority, assignee_id FROM end_claim($1, $2, $3, $4, $5)`,
    [claim.id, reason, actor.type, actor.id, actor.name],
  );
  return inLine(row!);
}

interface InLineRow {
  id: string;
  queue_id: string;
  priority: number;
  assignee_id: string | null;
}

function inLine(row: InLineRow): ItemInLine {
  return { id: row.id, queueId: row.queue_id, priority: row.priority, assigneeId: row.assignee_id };
}
