import { QueuesModule } from '@arbiter/queues';
import { Module } from '@nestjs/common';
import { FoldRepository } from './fold.repository.js';
import { MonitoringRepository } from './monitoring.repository.js';
import { MonitoringService } from './monitoring.service.js';

/** Correctness monitoring: the rollups' fold (run by the worker), the read API and drift alerts. */
@Module({
  imports: [QueuesModule],
  providers: [FoldRepository, MonitoringRepository, MonitoringService],
  exports: [FoldRepository, MonitoringRepository, MonitoringService],
})
export class MonitoringModule {}
