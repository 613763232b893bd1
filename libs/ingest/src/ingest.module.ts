import { AuditModule } from '@arbiter/audit';
import { DispatchModule } from '@arbiter/dispatch';
import { QueuesModule } from '@arbiter/queues';
import { Module } from '@nestjs/common';
import { AdmissionControl } from './admission-control.js';
import { IngestService } from './ingest.service.js';
import { ItemRepository } from './item.repository.js';

@Module({
  imports: [QueuesModule, DispatchModule, AuditModule],
  providers: [ItemRepository, IngestService, AdmissionControl],
  exports: [IngestService, ItemRepository],
})
export class IngestModule {}
