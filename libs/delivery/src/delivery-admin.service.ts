import type { Actor } from '@arbiter/audit';
import { type Delivery, type DeliveryList, DomainError, type ReplayResult } from '@arbiter/contracts';
import { Injectable } from '@nestjs/common';
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

  async list(query: ListDeliveriesQueryDto): Promise<DeliveryList> {
    const queueId = query.queue === undefined ? undefined : await this.queueId(query.queue);
    return {
      deliveries: await this.deliveries.list({
        status: query.status,
        queueId,
        limit: query.limit ?? DEFAULT_LIST,
      }),
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
