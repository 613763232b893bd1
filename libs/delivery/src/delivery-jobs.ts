/** The BullMQ queue webhook attempts run on (under REDIS_PREFIX). */
export const DELIVERY_QUEUE = 'webhook-delivery';

export enum DeliveryJobName {
  Deliver = 'deliver',
}

export interface DeliveryJobData {
  deliveryId: string;
  /** The delivery's generation this job was made for; a job of another generation is stale. */
  generation: number;
}

/**
 * One job id per delivery and generation: the outbox poller and the retry timer may both enqueue the same
 * attempt, and BullMQ keeps one.
 */
export function deliveryJobId(deliveryId: string, generation: number): string {
  return `dlv-${deliveryId}-${generation}`;
}
