import type { SlaPolicy } from '@arbiter/contracts';
import { Database, pgCode } from '@arbiter/database';
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
  output: unknown;
  on_sla_breach: SlaPolicy;
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
        `SELECT i.id, i.queue_id, i.priority, i.output, q.on_sla_breach, q.fallback_output
           FROM items i JOIN queues q ON q.id = i.queue_id
          WHERE i.sla_deadline <= now() AND i.sla_breached_at IS NULL AND i.status IN ('pending', 'claimed')
          ORDER BY i.sla_deadline LIMIT $1
          FOR UPDATE OF i SKIP LOCKED`,
        [limit],
      );
      const breaches: Breach[] = [];
      for (const row of due) {
        const fallback = row.on_sla_breach === 'fallback' ? fallbackOf(row) : { output: null, patch: null };
        await tx.query('SAVEPOINT breach');
        try {
          const [applied] = await tx.query<{ result: Pick<Breach, 'outcome' | 'movedTo' | 'claim'> }>(
            `SELECT apply_sla_policy($1, $2, $3, $4) AS result`,
            [row.id, row.on_sla_breach, fallback.output, fallback.patch],
          );
          breaches.push({
            itemId: row.id,
            queueId: row.queue_id,
            priority: row.priority,
            policy: row.on_sla_breach,
            ...applied!.result,
          });
          await tx.query('RELEASE SAVEPOINT breach');
        } catch (error) {
          if (pgCode(error) !== LOCK_NOT_AVAILABLE) throw error;
          // The item's claim is busy (see apply_sla_policy): the next sweep takes this item.
          await tx.query('ROLLBACK TO SAVEPOINT breach');
        }
      }
      return breaches;
    });
  }
}

/** The queue's fallback output as JSON, with its JSON Patch from the AI output (as a correction records one). */
function fallbackOf(row: DueRow): { output: string; patch: string } {
  const output = row.fallback_output ?? null;
  return { output: JSON.stringify(output), patch: JSON.stringify(patchBetween(row.output, output)) };
}
