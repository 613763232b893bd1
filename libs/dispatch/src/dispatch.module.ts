import { Module } from '@nestjs/common';
import { LeaseTimer } from './lease-timer.js';
import { PendingItemRepository } from './pending-item.repository.js';
import { Reconciler } from './reconciler.js';
import { ReviewDispatcher } from './review-dispatcher.js';
import { ReviewJobReader } from './review-job.reader.js';

@Module({
  providers: [ReviewDispatcher, ReviewJobReader, LeaseTimer, PendingItemRepository, Reconciler],
  exports: [ReviewDispatcher, ReviewJobReader, LeaseTimer, Reconciler],
})
export class DispatchModule {}
