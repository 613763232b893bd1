import { Module } from '@nestjs/common';
import { OutputSchemaValidator } from './output-schema.validator.js';
import { QueueRepository } from './queue.repository.js';
import { QueueService } from './queue.service.js';

@Module({
  providers: [QueueRepository, QueueService, OutputSchemaValidator],
  exports: [QueueRepository, QueueService],
})
export class QueuesModule {}
