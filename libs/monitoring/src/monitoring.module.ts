import { QueuesModule } from '@arbiter/queues';
import { Module } from '@nestjs/common';
import { FoldRepository } from './fold.repository.js';
import { MonitoringRepository } from './monitoring.repository.js';
import { ReviewerQualityRepository } from './reviewer-quality.repository.js';
import { ReviewerQualityService } from './reviewer-quality.service.js';
import { MonitoringService } from './monitoring.service.js';

/** Correctness monitoring: the rollups' fold (run by the worker), the read API and drift alerts. */
@Module({
  imports: [QueuesModule],
  providers: [
    FoldRepository,
    MonitoringRepository,
    MonitoringService,
    ReviewerQualityRepository,
    ReviewerQualityService,
  ],
  exports: [FoldRepository, MonitoringRepository, MonitoringService, ReviewerQualityService],
})
export class MonitoringModule {}
