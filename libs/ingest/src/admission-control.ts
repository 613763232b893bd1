import { AppConfig } from '@arbiter/config';
import { DomainError } from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import type { Queue } from '@arbiter/queues';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';

interface QueueLoad {
  at: number;
  pending: number;
  /** Human and fallback decisions per second over the recent window (a second review counts too). */
  decisionsPerSec: number;
}

/** A queue's load is read at most this often per node; admission decisions may lag by as much. */
const LOAD_TTL_MS = 1000;
const RATE_WINDOW_S = 120;
/** The longest Retry-After we suggest: a calling service should fall back rather than wait longer. */
const MAX_RETRY_AFTER_S = 300;

/**
 * Refuses submits a queue cannot serve in time, so the calling service falls back on its own instead of
 * waiting on people who are absent or overloaded: a backlog over the queue's `maxPending`, or a projected
 * wait (pending items ÷ recent decision rate) beyond its SLA. Also a per-service rate limit shared by
 * every API node through Redis.
 */
@Injectable()
export class AdmissionControl {
  private readonly loads = new Map<string, QueueLoad | Promise<QueueLoad>>();

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
  ) {}

  /** Throws RATE_LIMITED (with Retry-After) when `count` more items from `service` should not go in. */
  async admit(queue: Queue, service: string, count: number): Promise<void> {
    if (this.config.RATE_LIMIT_PER_SERVICE > 0) await this.rateLimit(service, count);
    if (queue.maxPending === null && queue.slaSeconds === null) return;
    const load = await this.loadOf(queue.id);
    // An item needing two reviews takes two decisions: items leave at half the decision rate.
    const itemsPerSec = load.decisionsPerSec / Math.max(1, queue.reviewsRequired);
    if (queue.maxPending !== null && load.pending + count > queue.maxPending) {
      throw new DomainError(
        'RATE_LIMITED',
        `Queue "${queue.slug}" has ${load.pending} items pending, its cap is ${queue.maxPending}`,
        undefined,
        this.retryAfter(itemsPerSec, load.pending + count - queue.maxPending),
      );
    }
    if (queue.slaSeconds !== null && load.pending >= this.config.ADMISSION_MIN_PENDING) {
      const projectedWaitS = itemsPerSec > 0 ? load.pending / itemsPerSec : Infinity;
      if (projectedWaitS > queue.slaSeconds) {
        const wait = Number.isFinite(projectedWaitS) ? `about ${Math.round(projectedWaitS)} s` : 'unbounded';
        throw new DomainError(
          'RATE_LIMITED',
          `Queue "${queue.slug}" cannot review this within its SLA of ${queue.slaSeconds} s ` +
            `(${load.pending} pending, projected wait ${wait})`,
          undefined,
          this.retryAfter(itemsPerSec, load.pending - itemsPerSec * queue.slaSeconds),
        );
      }
    }
    // Until the next read this node counts what it let in, so a burst cannot overshoot the cap by up to a
    // second's worth of submits. (Items refused later, as duplicates, are counted too until then.)
    load.pending += count;
  }

  /** Seconds until `excess` items should have been decided at `itemsPerSec`, within sensible bounds. */
  private retryAfter(itemsPerSec: number, excess: number): number {
    if (itemsPerSec <= 0) return 60;
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(excess / itemsPerSec)));
  }

  private async loadOf(queueId: string): Promise<QueueLoad> {
    const cached = this.loads.get(queueId);
    if (cached && (cached instanceof Promise || Date.now() - cached.at < LOAD_TTL_MS)) return cached;
    const reading = this.readLoad(queueId).then(
      (load) => {
        this.loads.set(queueId, load);
        return load;
      },
      (error: unknown) => {
        this.loads.delete(queueId);
        throw error;
      },
    );
    this.loads.set(queueId, reading);
    return reading;
  }

  private async readLoad(queueId: string): Promise<QueueLoad> {
    const [row] = await this.db.query<{ pending: number; decided: number }>(
      `SELECT (SELECT count(*)::int FROM items WHERE queue_id = $1 AND status = 'pending') AS pending,
              (SELECT count(*)::int FROM decisions
                WHERE queue_id = $1 AND decided_at > now() - make_interval(secs => $2)
                  AND verdict <> 'auto_approve') AS decided`,
      [queueId, RATE_WINDOW_S],
    );
    return { at: Date.now(), pending: row!.pending, decisionsPerSec: row!.decided / RATE_WINDOW_S };
  }

  /**
   * A fixed one-second window per service in Redis, counted in items, so every API node shares it. If
   * Redis is away the limit is not enforced: refusing every submit would be worse than a burst.
   */
  private async rateLimit(service: string, count: number): Promise<void> {
    const second = Math.floor(Date.now() / 1000);
    const key = `${this.config.REDIS_PREFIX}:ratelimit:${service}:${second}`;
    let used: number;
    try {
      const [[, total]] = (await this.redis.multi().incrby(key, count).expire(key, 2).exec()) as [
        [Error | null, number],
      ];
      used = total;
    } catch {
      return;
    }
    if (used > this.config.RATE_LIMIT_PER_SERVICE) {
      throw new DomainError(
        'RATE_LIMITED',
        `Service "${service}" is over its limit of ${this.config.RATE_LIMIT_PER_SERVICE} items a second`,
        undefined,
        1,
      );
    }
  }
}
