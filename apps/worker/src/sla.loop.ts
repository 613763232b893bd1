import { AppConfig } from '@arbiter/config';
import { ReviewService } from '@arbiter/review';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

const BATCH = 100;

/**
 * Applies queues' SLA policies to overdue items. A plain timer over Postgres: deadlines must hold while
 * Redis is away. Several workers may run it; each item is taken with SKIP LOCKED.
 */
@Injectable()
export class SlaLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SlaLoop.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastError = '';

  constructor(
    private readonly review: ReviewService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        this.schedule(this.config.SLA_SWEEP_INTERVAL_MS);
      });
    }, delay);
  }

  private async sweep(): Promise<void> {
    try {
      while (!this.stopped && (await this.review.applySlaBreaches(BATCH)).length === BATCH);
      if (this.lastError) this.logger.log('SLA sweep recovered');
      this.lastError = '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastError) this.logger.warn(`SLA sweep failed, will retry: ${message}`);
      this.lastError = message;
    }
  }
}
