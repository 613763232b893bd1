import { AppConfig } from '@arbiter/config';
import {
  DELIVERY_QUEUE,
  DeliveryAttempts,
  type DeliveryJobData,
  DeliveryJobName,
  DeliveryScheduler,
  webhookBody,
} from '@arbiter/delivery';
import { ItemRepository } from '@arbiter/ingest';
import { createRedis } from '@arbiter/redis';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Runs webhook attempts. Each job names a delivery and the generation it was made for; Postgres decides
 * whether it still applies, so duplicated, stale and stalled jobs are harmless.
 */
@Injectable()
export class DeliveryJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryJobs.name);
  private worker: Worker<DeliveryJobData> | undefined;
  private connection: Redis | undefined;

  constructor(
    private readonly attempts: DeliveryAttempts,
    private readonly scheduler: DeliveryScheduler,
    private readonly items: ItemRepository,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedis(this.config.REDIS_URL, 'worker');
    this.worker = new Worker<DeliveryJobData>(DELIVERY_QUEUE, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix: this.config.REDIS_PREFIX,
      concurrency: this.config.WEBHOOK_CONCURRENCY,
    });
    this.worker.on('error', () => undefined);
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`delivery job ${job?.id ?? '?'} failed, the poller retries it: ${error.message}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    this.connection?.disconnect();
  }

  private async process(job: Job<DeliveryJobData>, token?: string): Promise<void> {
    if (job.name !== DeliveryJobName.Deliver) throw new Error(`unknown job ${job.name} on ${DELIVERY_QUEUE}`);
    const { deliveryId, generation } = job.data;
    const step = await this.attempts.run(deliveryId, generation, (itemId) => this.bodyOf(itemId));
    switch (step.kind) {
      case 'done':
        return;
      case 'early':
        await job.moveToDelayed(Date.now() + step.waitMs, token);
        throw new DelayedError();
      case 'retry':
        await this.scheduler
          .enqueue([{ deliveryId, generation: step.generation, delayMs: step.delayMs }])
          .catch((error: unknown) =>
            this.logger.warn(`retry of ${deliveryId} left to the poller: ${(error as Error).message}`),
          );
    }
  }

  private async bodyOf(itemId: string): Promise<string> {
    const item = await this.items.findView(itemId);
    if (!item) throw new Error(`item ${itemId} of a delivery not found`);
    return JSON.stringify(webhookBody(item));
  }
}
