import type { Actor } from '@arbiter/audit';
import { type Delivery, type DeliveryList, DomainError, type ReplayResult } from '@arbiter/contracts';
import { Injectable } from '@nestjs/common';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './delivery-cursor.js';
import type { ListDeliveriesQueryDto, ReplayDeliveriesQueryDto } from './delivery-query.dto.js';
import { DeliveryRepository } from './delivery.repository.js';

const DEFAULT_LIST = 100;

/**
 * What admins do with deliveries: look at them and send them again. A replay only changes the outbox row;
 * the worker's poller picks it up within WEBHOOK_POLL_INTERVAL_MS, under the same webhook id.
 */
@Injectable()
export class DeliveryAdminService {
  constructor(private readonly deliveries: DeliveryRepository) {}

  /** A page of deliveries, newest first; `next` names its last one while more match. */
  async list(query: ListDeliveriesQueryDto): Promise<DeliveryList> {
    const queueId = query.queue === undefined ? undefined : await this.queueId(query.queue);
    const page = await this.deliveries.page({
      status: query.status,
      queueId,
      limit: query.limit ?? DEFAULT_LIST,
      // The query's validation took only cursors this API made.
      afterId: query.cursor === undefined ? undefined : decodeDeliveryCursor(query.cursor)!,
    });
    if (!page) throw DomainError.validation([{ path: 'cursor', message: 'cursor names no delivery' }]);
    const last = page.deliveries.at(-1);
    return {
      deliveries: page.deliveries,
      next: page.more && last ? encodeDeliveryCursor(last.id) : null,
      total: page.total,
    };
  }

  async replay(id: string, actor: Actor): Promise<Delivery> {
    if (!(await this.deliveries.replay(id, actor))) throw DomainError.notFound('Delivery');
    return (await this.deliveries.findView(id))!;
  }

  async replayAll(query: ReplayDeliveriesQueryDto, actor: Actor): Promise<ReplayResult> {
    const queueId = query.queue === undefined ? null : await this.queueId(query.queue);
    return { replayed: await this.deliveries.replayAll(query.status, queueId, actor) };
  }

  private async queueId(slug: string): Promise<string> {
    const id = await this.deliveries.queueIdOf(slug);
    if (!id) throw DomainError.notFound('Queue');
    return id;
  }
}
