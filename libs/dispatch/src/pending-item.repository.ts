import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import type { Dispatchable } from './review-dispatcher.js';

/**
 * What the reconciler reads from the system of record: the items that must be waiting in a queue's shared line,
 * which are its pending items assigned to nobody (an assigned one waits in Postgres for its assignee alone).
 */
@Injectable()
export class PendingItemRepository {
  constructor(private readonly db: Database) {}

  async countsByQueue(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ queue_id: string; n: number }>(
      `SELECT q.id AS queue_id, count(i.id)::int AS n
         FROM queues q LEFT JOIN items i ON i.queue_id = q.id AND i.status = 'pending' AND i.assignee_id IS NULL
        GROUP BY q.id`,
    );
    return new Map(rows.map((r) => [r.queue_id, r.n]));
  }

  /** Unassigned pending items of a queue in id order, after `afterId` (keyset paging). */
  async page(queueId: string, afterId: string | null, limit: number): Promise<Dispatchable[]> {
    const rows = await this.db.query<{ id: string; priority: number }>(
      `SELECT id, priority FROM items
        WHERE queue_id = $1 AND status = 'pending' AND assignee_id IS NULL AND ($2::uuid IS NULL OR id > $2)
        ORDER BY id LIMIT $3`,
      [queueId, afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, queueId, priority: r.priority }));
  }

  /** Which of these items no longer wait in `queueId`'s shared line (claimed, decided, moved or assigned meanwhile). */
  async noLongerPending(queueId: string, itemIds: string[]): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM unnest($2::uuid[]) AS t(id)
        WHERE NOT EXISTS (SELECT 1 FROM items i
                           WHERE i.id = t.id AND i.queue_id = $1 AND i.status = 'pending' AND i.assignee_id IS NULL)`,
      [queueId, itemIds],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Takes pending items back from assignees who may no longer be assigned them (see unassign_stranded), audited
   * as the system's doing: the backstop for changes no other path caught (a queue's four-eyes setting, a user
   * changed while an assignment to them was being made).
   */
  async unassignStranded(): Promise<Dispatchable[]> {
    const rows = await this.db.query<{ id: string; queue_id: string; priority: number }>(
      `SELECT id, queue_id, priority FROM unassign_stranded(NULL, NULL, 'system', NULL, 'arbiter')`,
    );
    return rows.map((r) => ({ id: r.id, queueId: r.queue_id, priority: r.priority }));
  }
}
