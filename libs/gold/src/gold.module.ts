import { QueuesModule } from '@arbiter/queues';
import { Module } from '@nestjs/common';
import { GoldTemplateRepository } from './gold-template.repository.js';
import { GoldService } from './gold.service.js';

/** Gold items: the templates admins add. Reviewers get instances of them through the review loop. */
@Module({
  imports: [QueuesModule],
  providers: [GoldTemplateRepository, GoldService],
  exports: [GoldService],
})
export class GoldModule {}
