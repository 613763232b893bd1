import type { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

/**
 * Work run on a plain timer rather than as a BullMQ job: the worker's Postgres-side loops must keep going
 * while Redis is down or empty, which is when some of them matter most. Each run starts `intervalMs()` after
 * the previous one ended; a failing run is reported once per outage, not on every tick.
 */
export abstract class RepeatingTask implements OnApplicationBootstrap, OnApplicationShutdown {
  protected abstract readonly logger: Logger;
  /** What the task does, for the log: "audit sealing". */
  protected abstract readonly what: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastError = '';

  protected abstract intervalMs(): number;
  protected abstract runOnce(): Promise<void>;

  protected get isStopping(): boolean {
    return this.stopped;
  }

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
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalMs());
      });
    }, delay);
  }

  private async tick(): Promise<void> {
    try {
      await this.runOnce();
      if (this.lastError) this.logger.log(`${this.what} recovered`);
      this.lastError = '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastError) this.logger.warn(`${this.what} failed, will retry: ${message}`);
      this.lastError = message;
    }
  }
}
