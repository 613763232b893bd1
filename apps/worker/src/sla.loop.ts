import { AppConfig } from '@arbiter/config';
import { ReviewService } from '@arbiter/review';
import { Injectable, Logger } from '@nestjs/common';
import { RepeatingTask } from './repeating-task.js';

const BATCH = 100;

/**
 * Applies queues' SLA policies to overdue items, over Postgres: deadlines must hold while Redis is away.
 * Several workers may run it; each item is taken with SKIP LOCKED.
 */
@Injectable()
export class SlaLoop extends RepeatingTask {
  protected readonly logger = new Logger(SlaLoop.name);
  protected readonly what = 'SLA sweep';

  constructor(
    private readonly review: ReviewService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.SLA_SWEEP_INTERVAL_MS;
  }

  protected async runOnce(): Promise<void> {
    while (!this.isStopping && (await this.review.applySlaBreaches(BATCH)).length === BATCH);
  }
}
