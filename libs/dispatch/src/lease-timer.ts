import { AppConfig } from '@arbiter/config';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobName, LEASE_QUEUE, type LeaseExpiryJobData, leaseJobId } from './review-jobs.js';

/**
 * Schedules the delayed job that expires a lease on time. Best effort: if Redis is away the worker's
 * sweeper expires the lease from Postgres a moment later.
 */
@Injectable()
export class LeaseTimer implements OnApplicationShutdown {
  private queue: Queue<LeaseExpiryJobData> | undefined;

  constructor(
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  schedule(claimId: string, expiresAt: Date): void {
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
    const delay = Math.max(0, expiresAt.getTime() - Date.now());
    this.queue
      .add(
        JobName.LeaseExpiry,
        { claimId },
        {
          jobId: leaseJobId(claimId, expiresAt),
          delay,
          removeOnComplete: true,
          removeOnFail: 100,
          attempts: 3,
        },
      )
      .catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
  }
}
