import { AppConfig } from '@arbiter/config';
import { Reconciler } from '@arbiter/dispatch';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Runs the reconciler on a plain timer rather than as a BullMQ job: it must keep running while Redis is
 * down or empty, which is exactly when it is needed.
 */
@Injectable()
export class ReconcileLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcileLoop.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastError = '';

  constructor(
    private readonly reconciler: Reconciler,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (this.timer) this.schedule(this.config.RECONCILE_INTERVAL_MS);
      });
    }, delay);
  }

  private async tick(): Promise<void> {
    try {
      await this.reconciler.reconcileOnce();
      if (this.lastError) this.logger.log('reconciler recovered');
      this.lastError = '';
    } catch (error) {
      const message = (error as Error).message;
      // Say it once per outage, not every few seconds.
      if (message !== this.lastError) this.logger.warn(`reconcile failed, will retry: ${message}`);
      this.lastError = message;
    }
  }
}
