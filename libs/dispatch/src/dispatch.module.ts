import { Module } from '@nestjs/common';
import { PendingItemRepository } from './pending-item.repository.js';
import { Reconciler } from './reconciler.js';
import { ReviewDispatcher } from './review-dispatcher.js';

@Module({
  providers: [ReviewDispatcher, PendingItemRepository, Reconciler],
  exports: [ReviewDispatcher, Reconciler],
})
export class DispatchModule {}
