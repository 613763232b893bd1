import { AppConfig } from '@arbiter/config';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DELIVERY_QUEUE, type DeliveryJobData, DeliveryJobName, deliveryJobId } from './delivery-jobs.js';

export interface DeliveryJob {
  deliveryId: string;
  generation: number;
  delayMs?: number;
}

/**
 * Puts delivery attempts on the BullMQ queue, delayed until they are due. Only the timing lives in Redis:
 * a job lost with Redis is enqueued again by the outbox poller from Postgres once it is due.
 */
@Injectable()
export class DeliveryScheduler implements OnApplicationShutdown {
  private queue: Queue<DeliveryJobData> | undefined;

  constructor(
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** Rejects when Redis refuses; the caller leaves the attempt to the poller. */
  async enqueue(jobs: DeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queueOf().addBulk(
      jobs.map((job) => ({
        name: DeliveryJobName.Deliver,
        data: { deliveryId: job.deliveryId, generation: job.generation },
        opts: {
          jobId: deliveryJobId(job.deliveryId, job.generation),
          delay: Math.max(0, job.delayMs ?? 0),
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }

  private queueOf(): Queue<DeliveryJobData> {
    if (!this.queue) {
      const built = new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
        connection: this.redis,
        prefix: this.config.REDIS_PREFIX,
        skipWaitingForReady: true,
      });
      built.on('error', () => undefined);
      this.queue = built;
      // Built while Redis is away, a Queue stays broken for good (see ReviewDispatcher.queueFor): forget it.
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
