import { AppConfig } from '@arbiter/config';
import { Injectable } from '@nestjs/common';
import { type AttemptToRecord, DeliveryRepository, type OwnedDelivery } from './delivery.repository.js';
import { nextStep } from './retry-policy.js';
import { type AttemptRecord, WebhookSender } from './webhook-sender.js';

/** What the job runner does next. */
export type AttemptStep =
  | { kind: 'done' }
  /** The attempt is not due yet: run this job again in `waitMs`. */
  | { kind: 'early'; waitMs: number }
  /** The attempt failed: the next one is the job of `generation`, due in `delayMs`. */
  | { kind: 'retry'; generation: number; delayMs: number };

/** Builds the body of a delivery's first attempt from its item. */
export type BodyBuilder = (itemId: string) => Promise<string>;

const INTERRUPTED = 'interrupted: no outcome was recorded before the lease ran out (worker stopped?)';

/** One webhook attempt: take the delivery from the outbox, send it, record the outcome and what follows. */
@Injectable()
export class DeliveryAttempts {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
  ) {}

  /** Long enough for the request and the bookkeeping around it; past it the attempt counts as abandoned. */
  get leaseMs(): number {
    const timeout = this.config.WEBHOOK_TIMEOUT_MS;
    return Math.max(2 * timeout, timeout + 1000);
  }

  async run(deliveryId: string, generation: number, buildBody: BodyBuilder): Promise<AttemptStep> {
    const taken = await this.deliveries.take(deliveryId, generation, this.leaseMs);
    switch (taken.kind) {
      case 'stale':
        return { kind: 'done' };
      case 'early':
        return { kind: 'early', waitMs: taken.waitMs };
      case 'abandoned':
        // The attempt died with its worker, which says nothing about the receiver: try again at once (the
        // lease already waited out the timeout). It still counts, so a delivery that kills workers ends.
        return this.settle(
          taken.delivery,
          { at: taken.delivery.leasedAt, statusCode: null, error: INTERRUPTED, durationMs: null },
          true,
        );
      case 'taken':
        return this.settle(taken.delivery, await this.attempt(taken.delivery, buildBody));
    }
  }

  /** Sends the delivery; a failure of Arbiter's own (building the body) is recorded as a failed attempt too. */
  private async attempt(delivery: OwnedDelivery, buildBody: BodyBuilder): Promise<AttemptRecord> {
    const at = new Date();
    try {
      if (delivery.body === null && delivery.itemId === null)
        throw new Error('an alert delivery without a body');
      const body =
        delivery.body ?? (await this.deliveries.keepBody(delivery.id, await buildBody(delivery.itemId!)));
      return await this.sender.send({
        url: delivery.url,
        webhookId: delivery.webhookId,
        body,
        secret: delivery.secret,
      });
    } catch (error) {
      return {
        at,
        statusCode: null,
        error: `not sent: ${(error as Error).message}`.slice(0, 500),
        retryAfterMs: null,
        durationMs: Date.now() - at.getTime(),
      };
    }
  }

  private async settle(
    delivery: OwnedDelivery,
    attempt: AttemptToRecord & { retryAfterMs?: number | null },
    retryAtOnce = false,
  ): Promise<AttemptStep> {
    let step = nextStep(
      { statusCode: attempt.statusCode, error: attempt.error, retryAfterMs: attempt.retryAfterMs ?? null },
      delivery.roundAttempts + 1,
      this.config.WEBHOOK_RETRY_SCHEDULE,
    );
    if (retryAtOnce && step.status === 'pending') step = { status: 'pending', delayMs: 0 };
    const settled = await this.deliveries.settle(delivery, attempt, step);
    if (!settled || step.status !== 'pending') return { kind: 'done' };
    return { kind: 'retry', generation: settled.generation, delayMs: settled.delayMs };
  }
}
