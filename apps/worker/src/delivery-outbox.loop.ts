import { AppConfig } from '@arbiter/config';
import { DeliveryRepository, DeliveryScheduler } from '@arbiter/delivery';
import { Injectable, Logger } from '@nestjs/common';
import { RepeatingTask } from './repeating-task.js';

/** Due deliveries enqueued per pass: the oldest first; the rest follow as these settle. */
const BATCH = 1000;

/**
 * The outbox poller: every due delivery in Postgres gets its job in Redis. New deliveries (written by the
 * items trigger), retries whose timer job was lost with Redis, attempts abandoned by a dead worker and
 * replays all start here. Enqueueing an attempt twice is harmless (one job id per delivery and generation).
 */
@Injectable()
export class DeliveryOutboxLoop extends RepeatingTask {
  protected readonly logger = new Logger(DeliveryOutboxLoop.name);
  protected readonly what = 'delivery outbox poll';

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.WEBHOOK_POLL_INTERVAL_MS;
  }

  protected async runOnce(): Promise<void> {
    await this.scheduler.enqueue(await this.deliveries.due(BATCH));
  }
}
