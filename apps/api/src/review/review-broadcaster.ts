import { AuthService, canSeeQueue } from '@arbiter/auth';
import { AppConfig } from '@arbiter/config';
import { type DomainEvent, eventsChannel } from '@arbiter/events';
import { createRedis } from '@arbiter/redis';
import { KeyedThrottle } from '@arbiter/runtime';
import { ReviewService } from '@arbiter/review';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { canReadMonitoring, MONITORING_ROOM } from './review-socket.adapter.js';
import { queueRoom, ReviewGateway, userRoom } from './review.gateway.js';

/** Stats pushes per queue are coalesced to at most one per this many milliseconds (4 a second)... */
const STATS_EVERY_MS = 250;
/**
 * ...or, when counting a queue's open items takes longer (a backlog of tens of thousands is counted row by
 * row), this many times the last count took, so a node's pushes for one queue keep at most a tenth of one
 * Postgres connection busy...
 */
const STATS_COST_FACTOR = 10;
/** ...but never less often than this: the time measured includes waiting for a connection and the event loop. */
const STATS_AT_LEAST_EVERY_MS = 5000;

/**
 * Turns domain events (from any API node or the worker) into messages for this node's own sockets.
 * Every node hears every event and emits locally, so nothing is sent twice.
 */
@Injectable()
export class ReviewBroadcaster implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReviewBroadcaster.name);
  private subscriber: Redis | undefined;
  /** When each queue last changed, by this node's clock on hearing of it. */
  private readonly changedAt = new Map<string, number>();
  /** One count per queue at a time (a change during it is counted after it), spaced by what the last took. */
  private readonly stats = new KeyedThrottle(
    (_queueId, tookMs) =>
      Math.min(STATS_AT_LEAST_EVERY_MS, Math.max(STATS_EVERY_MS, STATS_COST_FACTOR * tookMs)),
    (queueId) => this.pushStats(queueId),
  );

  constructor(
    private readonly gateway: ReviewGateway,
    private readonly reviews: ReviewService,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // A change heard while a new subscriber's numbers were counted found no one in the room to push to (the
    // socket joins after the count): push it now, after the answer.
    this.gateway.onSubscribed = (queueId, countedFrom) => {
      if ((this.changedAt.get(queueId) ?? 0) >= countedFrom) this.stats.touch(queueId);
    };
    this.subscriber = createRedis(this.config.REDIS_URL, 'worker');
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.handle(JSON.parse(message) as DomainEvent);
      } catch (error) {
        this.logger.warn(`bad event: ${(error as Error).message}`);
      }
    });
    // Not awaited: with Redis down at boot the API still starts; ioredis subscribes once Redis is reachable.
    void this.subscriber.subscribe(eventsChannel(this.config.REDIS_PREFIX)).catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.stats.clear();
    this.changedAt.clear();
    this.subscriber?.disconnect();
  }

  private get local() {
    return this.gateway.namespace.local;
  }

  private handle(event: DomainEvent): void {
    switch (event.type) {
      case 'queue.changed':
        this.changedAt.set(event.queueId, Date.now());
        this.stats.touch(event.queueId);
        return;
      case 'item.decided':
        this.local
          .to(queueRoom(event.queueId))
          .emit('item:decided', { itemId: event.itemId, queue: event.queue, verdict: event.verdict });
        return;
      case 'claim.expired':
        this.local
          .to(userRoom(event.reviewerId))
          .emit('claim:expired', { token: event.token, itemId: event.itemId });
        return;
      case 'claim.breached': {
        const holder = this.local.to(userRoom(event.reviewerId));
        holder.emit('claim:sla_breached', {
          token: event.token,
          itemId: event.itemId,
          policy: event.policy,
          claimEnded: event.ended,
        });
        // A claim the policy took away ends for its holder like an expired lease.
        if (event.ended) holder.emit('claim:expired', { token: event.token, itemId: event.itemId });
        return;
      }
      case 'assignments.changed':
        for (const userId of event.userIds) {
          this.local.to(userRoom(userId)).emit('assignment:changed', { queue: event.queue });
        }
        return;
      case 'user.changed':
        this.auth.forgetUser(event.userId);
        void this.refreshRooms(event.userId);
        return;
      case 'apikey.revoked':
        this.auth.forgetApiKey(event.keyId);
        return;
      case 'model.alert':
        this.local.to(MONITORING_ROOM).emit('monitoring:alert', { alert: event.alert });
        return;
      default:
        assertUnreachable(event);
    }
  }

  /** Counted only when a socket of this node watches the queue: nobody else would see the numbers. */
  private pushStats(queueId: string): Promise<void> | undefined {
    if (!this.gateway.namespace.adapter.rooms.get(queueRoom(queueId))?.size) return undefined;
    return this.reviews
      .statsOf(queueId)
      .then((stats) => {
        if (stats) this.local.to(queueRoom(queueId)).emit('queue:stats', stats);
      })
      .catch((error: unknown) =>
        this.logger.warn(`stats for ${queueId} failed: ${(error as Error).message}`),
      );
  }

  /** A user's roles or queues changed: their sockets on this node leave rooms they may no longer see. */
  private async refreshRooms(userId: string): Promise<void> {
    const sockets = await this.local.in(userRoom(userId)).fetchSockets();
    for (const socket of sockets) {
      const user = await this.auth.authenticateToken((socket.data as { token: string }).token);
      if (!user) {
        socket.disconnect(true);
        continue;
      }
      for (const room of socket.rooms) {
        if (room.startsWith('queue:') && !canSeeQueue(user, room.slice('queue:'.length))) socket.leave(room);
      }
      if (canReadMonitoring(user)) socket.join(MONITORING_ROOM);
      else socket.leave(MONITORING_ROOM);
    }
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
