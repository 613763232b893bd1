import { Module } from '@nestjs/common';
import { AuditRepository } from './audit.repository.js';
import { ChainRepository } from './chain.repository.js';

@Module({ providers: [AuditRepository, ChainRepository], exports: [AuditRepository, ChainRepository] })
export class AuditModule {}
