import { DeliveryModule } from '@arbiter/delivery';
import { IngestModule } from '@arbiter/ingest';
import { Module } from '@nestjs/common';
import { DeliveryJobs } from './delivery.jobs.js';
import { DeliveryOutboxLoop } from './delivery-outbox.loop.js';

/** Webhook delivery in the worker: the outbox poller and the attempts it enqueues. */
@Module({
  imports: [DeliveryModule, IngestModule],
  providers: [DeliveryJobs, DeliveryOutboxLoop],
})
export class DeliveryWorkerModule {}
