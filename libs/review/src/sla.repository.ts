import { type Actor, appendAuditEvent, SYSTEM_ACTOR } from '@arbiter/audit';
import type { SlaPolicy } from '@arbiter/contracts';
import { Database, pgCode, type Sql } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import { patchBetween } from './json-patch.js';

/** What applying a queue's SLA policy to one overdue item did. */
export interface Breach {
  itemId: string;
  queueId: string;
  priority: number;
  policy: SlaPolicy;
  /**
   * kept: flagged, still open; moved: pending in the escalation queue; escalated: waiting for an admin;
   * fallback: terminal with the queue's fallback output.
   */
  outcome: 'kept' | 'moved' | 'escalated' | 'fallback';
  movedTo: string | null;
  /** The live claim on the item when the deadline passed, and whether it ended. */
  claim: { token: string; reviewerId: string; ended: boolean } | null;
}

interface DueRow {
  id: string;
  queue_id: string;
  priority: number;
  status: 'pending' | 'claimed';
  output: unknown;
  sla_deadline: Date;
  on_sla_breach: SlaPolicy;
  escalate_to_id: string | null;
  fallback_output: unknown;
}

/** Postgres' lock_not_available, raised by NOWAIT. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Applies each queue's onSlaBreach policy to items whose deadline passed while they were still open. */
@Injectable()
export class SlaRepository {
  constructor(private readonly db: Database) {}

  /** Up to `limit` overdue items, each handled and audited in one transaction with the others. */
  async breachDue(limit = 100): Promise<Breach[]> {
    return this.db.transaction(async (tx) => {
      const due = await tx.query<DueRow>(
        `SELECT i.id, i.queue_id, i.priority, i.status, i.output, i.sla_deadline,
                q.on_sla_breach, q.escalate_to_id, q.fallback_output
           FROM items i JOIN queues q ON q.id = i.queue_id
          WHERE i.sla_deadline <= now() AND i.sla_breached_at IS NULL AND i.status IN ('pending', 'claimed')
          ORDER BY i.sla_deadline LIMIT $1
          FOR UPDATE OF i SKIP LOCKED`,
        [limit],
      );
      const breaches: Breach[] = [];
      for (const row of due) {
        await tx.query('SAVEPOINT breach');
        try {
          breaches.push(await breach(tx, row));
          await tx.query('RELEASE SAVEPOINT breach');
        } catch (error) {
          if (pgCode(error) !== LOCK_NOT_AVAILABLE) throw error;
          // A decision, release or heartbeat in flight holds its claim and will want the item, which we hold:
          // waiting for the claim could deadlock, so the next sweep takes this item.
          await tx.query('ROLLBACK TO SAVEPOINT breach');
        }
      }
      return breaches;
    });
  }
}

async function breach(tx: Sql, row: DueRow): Promise<Breach> {
  const [live] = await tx.query<{ id: string; token: string; reviewer_id: string }>(
    `SELECT id, token, reviewer_id FROM claims WHERE item_id = $1 AND status = 'live' FOR UPDATE NOWAIT`,
    [row.id],
  );
  const policy = row.on_sla_breach;
  const base = { itemId: row.id, queueId: row.queue_id, priority: row.priority, policy };
  const audit = (
    action: 'item.sla_breached' | 'item.fallback',
    data: Record<string, unknown>,
    actor: Actor,
  ) =>
    appendAuditEvent(tx, {
      actor,
      action,
      subjectType: 'item',
      subjectId: row.id,
      queueId: row.queue_id,
      data,
    });
  const breachData = { policy, deadline: row.sla_deadline.toISOString(), claimId: live?.id ?? null };

  if (policy === 'keep') {
    await tx.query(`UPDATE items SET sla_breached_at = now(), version = version + 1 WHERE id = $1`, [row.id]);
    await audit('item.sla_breached', breachData, SYSTEM_ACTOR);
    return { ...base, outcome: 'kept', movedTo: null, claim: live && holder(live, false) };
  }

  // Escalation and fallback take the item from whoever holds it; their late decision is refused.
  if (live) {
    await tx.query(`UPDATE claims SET status = 'expired', ended_at = now() WHERE id = $1`, [live.id]);
  }
  if (policy === 'escalate') {
    const target = row.escalate_to_id;
    await tx.query(
      `UPDATE items SET status = $2, queue_id = coalesce($3, queue_id), escalated_from_id = queue_id,
              first_review_id = NULL, sla_breached_at = now(), version = version + 1, updated_at = now()
        WHERE id = $1`,
      [row.id, target ? 'pending' : 'escalated', target],
    );
    await audit('item.sla_breached', { ...breachData, toQueueId: target }, SYSTEM_ACTOR);
    return {
      ...base,
      outcome: target ? 'moved' : 'escalated',
      movedTo: target,
      claim: live && holder(live, true),
    };
  }

  const output = row.fallback_output ?? null;
  const patch = patchBetween(row.output, output);
  const [decision] = await tx.query<{ id: string }>(
    `INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id, comment)
     VALUES ($1, $2, 'fallback', $3, $4, NULL, 'SLA deadline passed: the queue''s fallback output applies')
     RETURNING id`,
    [row.id, row.queue_id, JSON.stringify(output), JSON.stringify(patch)],
  );
  await tx.query(
    `UPDATE items SET status = 'fallback', sla_breached_at = now(), version = version + 1, updated_at = now()
      WHERE id = $1`,
    [row.id],
  );
  await audit('item.sla_breached', breachData, SYSTEM_ACTOR);
  await audit('item.fallback', { decisionId: decision!.id, humanReviewed: false }, SYSTEM_ACTOR);
  return { ...base, outcome: 'fallback', movedTo: null, claim: live && holder(live, true) };
}

function holder(live: { token: string; reviewer_id: string }, ended: boolean) {
  return { token: live.token, reviewerId: live.reviewer_id, ended };
}
