import { Module } from '@nestjs/common';
import { AuditRepository } from './audit.repository.js';
import { ChainRepository } from './chain.repository.js';
import { AuditExportRepository } from './export/audit-export.repository.js';
import { AuditExportService } from './export/audit-export.service.js';

@Module({
  providers: [AuditRepository, ChainRepository, AuditExportRepository, AuditExportService],
  exports: [AuditRepository, ChainRepository, AuditExportService],
})
export class AuditModule {}
