import { AppConfig } from '@arbiter/config';
import { Reconciler } from '@arbiter/dispatch';
import { Injectable, Logger } from '@nestjs/common';
import { RepeatingTask } from './repeating-task.js';

/** Puts every pending item Redis lost back on its review queue. */
@Injectable()
export class ReconcileLoop extends RepeatingTask {
  protected readonly logger = new Logger(ReconcileLoop.name);
  protected readonly what = 'reconcile';

  constructor(
    private readonly reconciler: Reconciler,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.RECONCILE_INTERVAL_MS;
  }

  protected async runOnce(): Promise<void> {
    await this.reconciler.reconcileOnce();
  }
}
