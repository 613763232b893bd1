/** Every BullMQ job name Arbiter uses; the worker checks each has exactly one handler. */
export enum JobName {
  Review = 'review',
}

export interface ReviewJobData {
  itemId: string;
  queueId: string;
}

/** One BullMQ queue per Arbiter queue, so claiming is a pop from that queue alone. */
export function reviewQueueName(queueId: string): string {
  return `review-${queueId}`;
}

/** The job of an item is named after it: enqueueing an item twice leaves one job. */
export function reviewJobId(itemId: string): string {
  return itemId;
}

/** Arbiter priority 0..100 (higher first) to BullMQ priority 1..101 (lower first). */
export function bullPriority(priority: number): number {
  return 101 - priority;
}
