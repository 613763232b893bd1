import { AppConfig } from '@arbiter/config';
import { JobName, LEASE_QUEUE, type LeaseExpiryJobData } from '@arbiter/dispatch';
import { createRedis } from '@arbiter/redis';
import { ClaimRepository, ReviewService } from '@arbiter/review';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

const SWEEP_BATCH = 200;

/**
 * Expires leases: a delayed job fires at the end of each second in which leases end and sweeps them, and a
 * sweep of Postgres every LEASE_SWEEP_INTERVAL_MS catches any lease whose job was lost (Redis down or
 * emptied). Sweeps run one at a time; expiring twice is harmless: the second finds nothing due.
 */
@Injectable()
export class LeaseJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaseJobs.name);
  private worker: Worker<LeaseExpiryJobData> | undefined;
  private connection: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The sweep running or last run: the next one starts after it. */
  private sweeping: Promise<unknown> = Promise.resolve();
  private stopping = false;

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
        await this.sweep();
      },
      { connection: this.connection, prefix: this.config.REDIS_PREFIX },
    );
    this.worker.on('error', () => undefined);
    this.scheduleSweep();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.worker?.close().catch(() => undefined);
    await this.sweeping;
    this.connection?.disconnect();
  }

  /** Expires every lease past its time, after any sweep already running; returns how many. */
  sweep(): Promise<number> {
    const run = this.sweeping.then(() => this.expireDue());
    this.sweeping = run.catch(() => undefined);
    return run;
  }

  /**
   * Expires due leases oldest first, a batch at a time, until none is left or shutdown begins (the next
   * worker's sweep takes the rest). A lease that fails to expire is logged and passed over, so it cannot hold
   * up the ones behind it.
   */
  private async expireDue(): Promise<number> {
    let expired = 0;
    while (!this.stopping) {
      const due = await this.claims.dueForExpiry(SWEEP_BATCH);
      let now = 0;
      for (const id of due) {
        if (this.stopping) break;
        try {
          if (await this.reviews.expire(id)) now++;
        } catch (error) {
          this.logger.warn(`expiring lease ${id} failed: ${(error as Error).message}`);
        }
      }
      expired += now;
      // A full batch may leave more behind; one that expired nothing would only be read again.
      if (due.length < SWEEP_BATCH || now === 0) break;
    }
    return expired;
  }

  private scheduleSweep(): void {
    this.timer = setTimeout(() => {
      void this.sweep()
        .then((n) => {
          if (n > 0) this.logger.log(`sweeper expired ${n} lease(s)`);
        })
        .catch((error: unknown) => this.logger.warn(`lease sweep failed: ${(error as Error).message}`))
        .finally(() => {
          if (this.timer) this.scheduleSweep();
        });
    }, this.config.LEASE_SWEEP_INTERVAL_MS);
  }
}
