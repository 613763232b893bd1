import { AppConfig } from '@arbiter/config';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobName, LEASE_QUEUE, type LeaseExpiryJobData, leaseJobId, leaseSecondEnd } from './review-jobs.js';

/**
 * Schedules the delayed job that expires leases on time. Leases are timed to the second, so claims by the
 * hundred a second share one timer per second instead of adding one each (a Redis script per claim, and a
 * Postgres transaction per claim in the worker when it fired). Best effort: if Redis is away, or loses the
 * job, the worker's sweeper expires the lease from Postgres a moment later.
 */
@Injectable()
export class LeaseTimer implements OnApplicationShutdown {
  private queue: Queue<LeaseExpiryJobData> | undefined;
  /** The seconds (their ends, ms since the epoch) this process has set or is setting a timer for. */
  private readonly timed = new Set<number>();

  constructor(
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  schedule(expiresAt: Date): void {
    const dueBy = leaseSecondEnd(expiresAt);
    if (this.timed.has(dueBy)) return;
    this.forgetPast();
    this.timed.add(dueBy);
    this.queueOf()
      .add(
        JobName.LeaseExpiry,
        { dueBy },
        {
          jobId: leaseJobId(expiresAt),
          delay: Math.max(0, dueBy - Date.now()),
          removeOnComplete: true,
          removeOnFail: 100,
          attempts: 3,
        },
      )
      .catch(() => this.timed.delete(dueBy));
  }

  /** Seconds already over, from the oldest set: their timers have fired or will fire at once. */
  private forgetPast(): void {
    const now = Date.now();
    for (const dueBy of this.timed) {
      if (dueBy > now) return;
      this.timed.delete(dueBy);
    }
  }

  private queueOf(): Queue<LeaseExpiryJobData> {
    if (!this.queue) {
      this.queue = new Queue<LeaseExpiryJobData>(LEASE_QUEUE, {
        connection: this.redis,
        prefix: this.config.REDIS_PREFIX,
        skipWaitingForReady: true,
      });
      this.queue.on('error', () => undefined);
      // Built while Redis is away, a Queue stays broken for good (see ReviewDispatcher.queueFor): forget it.
      const built = this.queue;
      built.waitUntilReady().catch(() => {
        if (this.queue === built) this.queue = undefined;
        void built.close().catch(() => undefined);
      });
    }
    return this.queue;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
  }
}
