import { ChainSealer } from '@arbiter/audit';
import { AppConfig } from '@arbiter/config';
import { Injectable, Logger } from '@nestjs/common';
import { CheckpointSink } from './checkpoint-sink.js';
import { RepeatingTask } from './repeating-task.js';

/**
 * Seals new audit events into the hash chain a moment after they commit, so no request waits on the chain,
 * and hands each checkpoint a pass signs to the sink. Several workers may run this: the chain's advisory lock
 * lets one seal at a time.
 */
@Injectable()
export class SealLoop extends RepeatingTask {
  protected readonly logger = new Logger(SealLoop.name);
  protected readonly what = 'audit sealing';

  constructor(
    private readonly chain: ChainSealer,
    private readonly sink: CheckpointSink,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.AUDIT_SEAL_INTERVAL_MS;
  }

  protected async runOnce(): Promise<void> {
    while (!this.isStopping) {
      const pass = await this.chain.sealPass();
      this.sink.offer(pass.checkpoint);
      if (!pass.more) return;
    }
  }
}
