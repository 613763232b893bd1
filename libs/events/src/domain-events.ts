import { AppConfig } from '@arbiter/config';
import type { DriftAlert, SlaPolicy, Verdict } from '@arbiter/contracts';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** What happened, told to every API node so each can update its own sockets. */
export type DomainEvent =
  | { type: 'queue.changed'; queueId: string }
  | { type: 'item.decided'; itemId: string; queueId: string; queue: string; verdict: Verdict }
  | { type: 'claim.expired'; token: string; itemId: string; reviewerId: string }
  | {
      type: 'claim.breached';
      token: string;
      itemId: string;
      reviewerId: string;
      policy: SlaPolicy;
      /** The claim ended (escalate, fallback) rather than staying with its holder (keep). */
      ended: boolean;
    }
  /** Items of a queue were assigned to these reviewers, or taken back from them. */
  | { type: 'assignments.changed'; queueId: string; queue: string; userIds: string[] }
  | { type: 'user.changed'; userId: string }
  | { type: 'apikey.revoked'; keyId: string }
  /** A drift alert opened or was acknowledged; `alert` is its view as the monitoring API shows it. */
  | { type: 'model.alert'; alert: DriftAlert };

export function eventsChannel(prefix: string): string {
  return `${prefix}:events`;
}

/**
 * Publishes domain events on Redis pub/sub. Delivery is at most once, like socket.io itself: the UI
 * re-syncs from the API after a reconnect, so a lost event costs freshness, never data.
 */
@Injectable()
export class DomainEvents {
  private readonly channel: string;

  constructor(
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.channel = eventsChannel(config.REDIS_PREFIX);
  }

  publish(...events: DomainEvent[]): void {
    for (const event of events) {
      this.redis.publish(this.channel, JSON.stringify(event)).catch(() => undefined);
    }
  }
}
