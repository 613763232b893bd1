import type { QueueStats } from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';

@Injectable()
export class QueueStatsRepository {
  constructor(private readonly db: Database) {}

  async statsOf(queueId: string): Promise<QueueStats | null> {
    const [row] = await this.db.query<{
      slug: string;
      pending: number;
      claimed: number;
      oldest_ms: number | null;
    }>(
      `SELECT q.slug,
              count(i.id) FILTER (WHERE i.status = 'pending')::int AS pending,
              count(i.id) FILTER (WHERE i.status = 'claimed')::int AS claimed,
              (extract(epoch FROM now() - min(i.created_at) FILTER (WHERE i.status = 'pending')) * 1000)::bigint AS oldest_ms
         FROM queues q
         LEFT JOIN items i ON i.queue_id = q.id AND i.status IN ('pending', 'claimed')
        WHERE q.id = $1
        GROUP BY q.slug`,
      [queueId],
    );
    return row
      ? {
          queue: row.slug,
          pending: row.pending,
          claimed: row.claimed,
          oldestPendingAgeMs: Math.max(0, Number(row.oldest_ms ?? 0)),
        }
      : null;
  }
}
