import { AppConfig } from '@arbiter/config';
import { DomainEvents } from '@arbiter/events';
import { FoldRepository } from '@arbiter/monitoring';
import { Injectable, Logger } from '@nestjs/common';
import { RepeatingTask } from './repeating-task.js';

/**
 * Folds new decisions into the monitoring rollups and runs the drift detectors, off the decision path.
 * Several workers may run it: one folds at a time (an advisory lock), the others pass their turn.
 */
@Injectable()
export class MonitoringFoldLoop extends RepeatingTask {
  protected readonly logger = new Logger(MonitoringFoldLoop.name);
  protected readonly what = 'monitoring fold';

  constructor(
    private readonly fold: FoldRepository,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
  ) {
    super();
  }

  override onApplicationBootstrap(): void {
    if (this.config.MONITORING_FOLD_INTERVAL_MS > 0) super.onApplicationBootstrap();
  }

  protected intervalMs(): number {
    return this.config.MONITORING_FOLD_INTERVAL_MS;
  }

  protected async runOnce(): Promise<void> {
    for (;;) {
      const pass = await this.fold.foldPass(this.config.MONITORING_FOLD_BATCH);
      for (const alert of pass.opened) {
        this.logger.warn(
          `drift alert ${alert.id}: ${alert.queue} ${alert.model.name}@${alert.model.version} override rate ` +
            `${alert.baselineRate.toFixed(3)} -> ${alert.observedRate.toFixed(3)}`,
        );
        this.events.publish({ type: 'model.alert', alert: { ...alert } });
      }
      if (!pass.more || this.isStopping) return;
    }
  }
}
