import { Allow, CurrentPrincipal, type Principal } from '@arbiter/auth';
import { CreateQueueDto, UpdateQueueDto } from '@arbiter/contracts';
import { type Queue, QueueService } from '@arbiter/queues';
import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

@ApiTags('queues')
@ApiBearerAuth()
@Controller('api/v1/queues')
export class QueueController {
  constructor(private readonly queues: QueueService) {}

  @Post()
  @Allow('admin')
  @ApiOperation({ summary: 'Create a queue' })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateQueueDto): Promise<Queue> {
    const { slug, ...settings } = dto;
    return this.queues.create(principal, slug, settings);
  }

  @Get()
  @Allow('admin', 'auditor', 'reviewer')
  @ApiOperation({ summary: 'Queues the caller may see' })
  @ApiResponse({
    status: 200,
    description:
      '{queues}; for a reviewer each queue they are a member of carries assignedToMe, the pending items assigned to them',
  })
  async list(@CurrentPrincipal() principal: Principal): Promise<{ queues: Queue[] }> {
    return { queues: await this.queues.list(principal) };
  }

  @Get(':slug')
  @Allow('admin', 'auditor', 'reviewer')
  get(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string): Promise<Queue> {
    return this.queues.get(principal, slug);
  }

  @Patch(':slug')
  @Allow('admin')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('slug') slug: string,
    @Body() dto: UpdateQueueDto,
  ): Promise<Queue> {
    return this.queues.update(principal, slug, dto);
  }

  @Post(':slug/pause')
  @Allow('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop accepting submissions (QUEUE_PAUSED)' })
  pause(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string): Promise<Queue> {
    return this.queues.setPaused(principal, slug, true);
  }

  @Post(':slug/resume')
  @Allow('admin')
  @HttpCode(200)
  resume(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string): Promise<Queue> {
    return this.queues.setPaused(principal, slug, false);
  }
}
