import { AppConfig } from '@arbiter/config';
import { JobName, LEASE_QUEUE, type LeaseExpiryJobData } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import { ClaimRepository, ReviewService } from '@arbiter/review';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

const SWEEP_BATCH = 200;

/**
 * Expires leases: each claim's delayed job fires at its expiry, and a sweep of Postgres catches any lease
 * whose job was lost (Redis down or emptied). Expiring twice is harmless: the second finds nothing due.
 */
@Injectable()
export class LeaseJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaseJobs.name);
  private worker: Worker<LeaseExpiryJobData> | undefined;
  private connection: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly reviews: ReviewService,
    private readonly claims: ClaimRepository,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedis(this.config.REDIS_URL, 'worker');
    this.worker = new Worker<LeaseExpiryJobData>(
      LEASE_QUEUE,
      async (job) => {
        if (job.name !== JobName.LeaseExpiry) throw new Error(`unknown job ${job.name} on ${LEASE_QUEUE}`);
        await this.reviews.expire(job.data.claimId);
      },
      { connection: this.connection, prefix: this.config.REDIS_PREFIX, concurrency: 8 },
    );
    this.worker.on('error', () => undefined);
    this.scheduleSweep();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
    await this.worker?.close().catch(() => undefined);
    this.connection?.disconnect();
  }

  /** Expires every lease past its time; returns how many. */
  async sweep(): Promise<number> {
    let expired = 0;
    for (const id of await this.claims.dueForExpiry(SWEEP_BATCH)) {
      if (await this.reviews.expire(id)) expired++;
    }
    return expired;
  }

  private scheduleSweep(): void {
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep()
        .then((n) => {
          if (n > 0) this.logger.log(`sweeper expired ${n} lease(s)`);
        })
        .catch((error: unknown) => this.logger.warn(`lease sweep failed: ${(error as Error).message}`))
        .finally(() => {
          this.sweeping = undefined;
          if (this.timer) this.scheduleSweep();
        });
    }, this.config.LEASE_SWEEP_INTERVAL_MS);
  }
}
