import { AppConfig } from '@arbiter/config';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Coalescer, Metrics, withTimeout } from '@arbiter/runtime';
import { Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPriority, JobName, type ReviewJobData, reviewJobId, reviewQueueName } from './review-jobs.js';

export interface Dispatchable {
  id: string;
  queueId: string;
  priority: number;
}

/** Upper bound on how long a submit waits for Redis; past it the reconciler enqueues the item later. */
const ENQUEUE_TIMEOUT_MS = 500;

/** Puts pending items on their BullMQ review queue. Postgres stays the record; this is only the ordering. */
@Injectable()
export class ReviewDispatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(ReviewDispatcher.name);
  private readonly queues = new Map<string, Queue<ReviewJobData>>();
  /** Concurrent enqueues share one Redis round trip. */
  private readonly batches = new Coalescer<Dispatchable, boolean>((items) => this.enqueueNow(items), 2, 1000);

  constructor(
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  queueFor(queueId: string): Queue<ReviewJobData> {
    let queue = this.queues.get(queueId);
    if (!queue) {
      queue = new Queue<ReviewJobData>(reviewQueueName(queueId), {
        connection: this.redis,
        prefix: this.config.REDIS_PREFIX,
        skipWaitingForReady: true,
      });
      queue.on('error', () => undefined);
      this.queues.set(queueId, queue);
      // BullMQ sets a Queue up once (an INFO for the Redis version). Made while Redis is away, that fails
      // at once (no offline queue) and the Queue stays broken for good, even after Redis is back: forget
      // it, so the next call builds a fresh one.
      const built = queue;
      built.waitUntilReady().catch(() => {
        if (this.queues.get(queueId) === built) this.queues.delete(queueId);
        void built.close().catch(() => undefined);
      });
    }
    return queue;
  }

  /** Enqueues items; resolves false (never throws, never hangs) when Redis is away. */
  async enqueue(items: Dispatchable[]): Promise<boolean> {
    return items.length === 0 ? true : this.batches.submit(items);
  }

  private async enqueueNow(items: Dispatchable[]): Promise<boolean> {
    const byQueue = new Map<string, Dispatchable[]>();
    for (const item of items) byQueue.set(item.queueId, [...(byQueue.get(item.queueId) ?? []), item]);
    const work = Promise.all(
      [...byQueue].map(([queueId, group]) =>
        this.queueFor(queueId).addBulk(
          group.map((item) => ({
            name: JobName.Review,
            data: { itemId: item.id, queueId },
            opts: {
              jobId: reviewJobId(item.id),
              priority: bullPriority(item.priority),
              removeOnComplete: true,
              removeOnFail: true,
            },
          })),
        ),
      ),
    );
    try {
      await withTimeout(work, ENQUEUE_TIMEOUT_MS, 'Redis');
      return true;
    } catch (error) {
      work.catch(() => undefined);
      this.metrics?.enqueueDeferred.inc(items.length);
      this.logger.warn(
        `enqueue of ${items.length} item(s) deferred to the reconciler: ${(error as Error).message}`,
      );
      return false;
    }
  }

  /** Which of these items have no job in Redis. */
  async missing(queueId: string, itemIds: string[]): Promise<string[]> {
    const queue = this.queueFor(queueId);
    const pipeline = this.redis.pipeline();
    for (const id of itemIds) pipeline.exists(queue.toKey(reviewJobId(id)));
    const replies = (await pipeline.exec()) ?? [];
    return itemIds.filter((_, i) => {
      const [error, exists] = replies[i] ?? [];
      if (error) throw error;
      return exists === 0;
    });
  }

  /**
   * Removes the waiting jobs of items that no longer need one; a job being taken right now is left to its
   * taker. Resolves how many were removed.
   */
  async withdraw(queueId: string, itemIds: string[]): Promise<number> {
    const queue = this.queueFor(queueId);
    const removed = await Promise.all(
      itemIds.map((id) => queue.remove(reviewJobId(id), { removeChildren: false }).catch(() => 0)),
    );
    return removed.filter((n) => n === 1).length;
  }

  /** Jobs waiting on a queue (the count the reconciler compares with Postgres). */
  async waitingCount(queueId: string): Promise<number> {
    const counts = await this.queueFor(queueId).getJobCounts('wait', 'prioritized', 'active', 'delayed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
  }
}
