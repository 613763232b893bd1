import { checkpointWebhookBody, type SignedCheckpoint } from '@arbiter/audit';
import { AppConfig } from '@arbiter/config';
import { WebhookSender } from '@arbiter/delivery';
import { Injectable, Logger } from '@nestjs/common';

/** A failed push waits at least this long before it is tried again on its own. */
const MIN_RETRY_MS = 1000;

/**
 * Pushes each new checkpoint to AUDIT_CHECKPOINT_URL, signed like webhooks, so a copy lives where nobody who
 * holds the database can reach it. Best effort and off the sealing path: one POST at a time, with the webhook
 * timeout. Each checkpoint supersedes the last, so a failed push is not repeated as such: the next checkpoint
 * carries it, or with none coming the same one is tried again after the checkpoint interval.
 */
@Injectable()
export class CheckpointSink {
  private readonly logger = new Logger(CheckpointSink.name);
  private waiting: SignedCheckpoint | undefined;
  private sending = false;
  private lastAttempt = 0;
  private failing = false;

  constructor(
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
  ) {}

  /** Called after every seal pass, with the checkpoint it signed, if any. Never waits for the sink. */
  offer(checkpoint: SignedCheckpoint | null): void {
    if (!this.config.AUDIT_CHECKPOINT_URL) return;
    if (checkpoint) this.waiting = checkpoint;
    const retryMs = Math.max(this.config.AUDIT_CHECKPOINT_INTERVAL_MS, MIN_RETRY_MS);
    if (!checkpoint && Date.now() - this.lastAttempt < retryMs) return;
    this.pushWaiting();
  }

  private pushWaiting(): void {
    const checkpoint = this.waiting;
    if (!checkpoint || this.sending) return;
    this.sending = true;
    this.lastAttempt = Date.now();
    void this.push(checkpoint).finally(() => {
      this.sending = false;
      // One signed while this push was out goes at once.
      if (this.waiting !== undefined && this.waiting !== checkpoint) this.pushWaiting();
    });
  }

  private async push(checkpoint: SignedCheckpoint): Promise<void> {
    const attempt = await this.sender.send({
      url: this.config.AUDIT_CHECKPOINT_URL!,
      webhookId: `audit_checkpoint_${checkpoint.pos}`,
      body: JSON.stringify(checkpointWebhookBody(checkpoint)),
      secret: this.config.AUDIT_CHECKPOINT_SECRET!,
    });
    if (attempt.error === null) {
      if (this.waiting === checkpoint) this.waiting = undefined;
      if (this.failing) this.logger.log('audit checkpoints reach AUDIT_CHECKPOINT_URL again');
      this.failing = false;
      return;
    }
    this.failing = true;
    this.logger.warn(
      `audit checkpoint ${checkpoint.pos} did not reach AUDIT_CHECKPOINT_URL: ${attempt.error}`,
    );
  }
}
