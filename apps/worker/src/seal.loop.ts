import { ChainRepository } from '@arbiter/audit';
import { AppConfig } from '@arbiter/config';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Seals new audit events into the hash chain a moment after they commit, so no request waits on the chain.
 * Several workers may run this: the chain's advisory lock lets one seal at a time.
 */
@Injectable()
export class SealLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SealLoop.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastError = '';

  constructor(
    private readonly chain: ChainRepository,
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
      this.running = this.sealAll().finally(() => {
        this.running = undefined;
        this.schedule(this.config.AUDIT_SEAL_INTERVAL_MS);
      });
    }, delay);
  }

  private async sealAll(): Promise<void> {
    try {
      while (!this.stopped && (await this.chain.sealPass()).more);
      if (this.lastError) this.logger.log('audit sealing recovered');
      this.lastError = '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastError) this.logger.warn(`audit sealing failed, will retry: ${message}`);
      this.lastError = message;
    }
  }
}
