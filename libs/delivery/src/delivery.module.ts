import { Module } from '@nestjs/common';
import { DeliveryAdminService } from './delivery-admin.service.js';
import { DeliveryAttempts } from './delivery-attempt.service.js';
import { DeliveryRepository } from './delivery.repository.js';
import { DeliveryScheduler } from './delivery.scheduler.js';
import { HostResolver } from './host-resolver.js';
import { WebhookSender } from './webhook-sender.js';

/** Webhook delivery: the outbox, the signed sender and the admin's view. The worker runs the jobs. */
@Module({
  providers: [
    DeliveryRepository,
    DeliveryAdminService,
    DeliveryAttempts,
    DeliveryScheduler,
    HostResolver,
    WebhookSender,
  ],
  exports: [
    DeliveryRepository,
    DeliveryAdminService,
    DeliveryAttempts,
    DeliveryScheduler,
    HostResolver,
    WebhookSender,
  ],
})
export class DeliveryModule {}
