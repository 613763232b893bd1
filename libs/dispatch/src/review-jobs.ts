/** Every BullMQ job name Arbiter uses. Review jobs are taken by the API (manual processing); lease jobs by the worker. */
export enum JobName {
  Review = 'review',
  LeaseExpiry = 'lease-expiry',
}

export const LEASE_QUEUE = 'lease-expiry';

export interface LeaseExpiryJobData {
  /** The end of the second the timer is for (ms since the epoch): it expires every lease due by then. */
  dueBy: number;
}

/** Leases are timed by the second: the end of the second in which `expiresAt` falls, in ms since the epoch. */
export function leaseSecondEnd(expiresAt: Date): number {
  return Math.ceil(expiresAt.getTime() / 1000) * 1000;
}

/** One timer per second: every claim (or heartbeat) whose lease ends within the same second shares it. */
export function leaseJobId(expiresAt: Date): string {
  return `lease-${leaseSecondEnd(expiresAt)}`;
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
