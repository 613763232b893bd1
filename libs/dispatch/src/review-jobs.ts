/** Every BullMQ job name Arbiter uses. Review jobs are taken by the API (manual processing); lease jobs by the worker. */
export enum JobName {
  Review = 'review',
  LeaseExpiry = 'lease-expiry',
}

export const LEASE_QUEUE = 'lease-expiry';

export interface LeaseExpiryJobData {
  claimId: string;
}

/** One timer per claim and expiry: a heartbeat that moves the expiry adds a new timer, never a duplicate. */
export function leaseJobId(claimId: string, expiresAt: Date): string {
  return `lease-${claimId}-${expiresAt.getTime()}`;
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
