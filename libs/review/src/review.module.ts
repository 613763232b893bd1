import { DispatchModule } from '@arbiter/dispatch';
import { IngestModule } from '@arbiter/ingest';
import { QueuesModule } from '@arbiter/queues';
import { Module } from '@nestjs/common';
import { AssignmentRepository } from './assignment.repository.js';
import { ClaimRepository } from './claim.repository.js';
import { QueueStatsRepository } from './queue-stats.repository.js';
import { ReviewService } from './review.service.js';
import { SlaRepository } from './sla.repository.js';

@Module({
  imports: [QueuesModule, DispatchModule, IngestModule],
  providers: [AssignmentRepository, ClaimRepository, QueueStatsRepository, ReviewService, SlaRepository],
  exports: [ReviewService, ClaimRepository],
})
export class ReviewModule {}
