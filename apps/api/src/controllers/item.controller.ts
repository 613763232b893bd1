import {
  Allow,
  CurrentPrincipal,
  type Principal,
  type ServicePrincipal,
  type UserPrincipal,
} from '@arbiter/auth';
import {
  AssignItemDto,
  type BatchResult,
  RequeueDto,
  SubmitBatchDto,
  SubmitItemDto,
} from '@arbiter/contracts';
import { ReviewService } from '@arbiter/review';
import { IngestService, type ItemView } from '@arbiter/ingest';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IdPipe } from './id.pipe.js';

@ApiTags('items')
@Controller('api/v1')
export class ItemController {
  constructor(
    private readonly ingest: IngestService,
    private readonly reviews: ReviewService,
  ) {}

  @Post('queues/:slug/items')
  @Allow('service')
  @ApiSecurity('apiKey')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOperation({ summary: 'Submit an AI output for review' })
  @ApiResponse({ status: 201, description: 'Stored (committed) and queued, or auto-approved' })
  @ApiResponse({ status: 200, description: 'The same request again: the original item' })
  async submit(
    @CurrentPrincipal() principal: ServicePrincipal,
    @Param('slug') slug: string,
    @Body() dto: SubmitItemDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ItemView> {
    const { created, item } = await this.ingest.submit(principal, slug, dto, key);
    void reply.status(created ? 201 : 200);
    return item;
  }

  @Post('queues/:slug/items/batch')
  @Allow('service')
  @HttpCode(200)
  @ApiSecurity('apiKey')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOperation({ summary: 'Submit up to 500 items; each is accepted or refused on its own' })
  submitBatch(
    @CurrentPrincipal() principal: ServicePrincipal,
    @Param('slug') slug: string,
    @Body() dto: SubmitBatchDto,
    @Headers('idempotency-key') key: string | undefined,
  ): Promise<BatchResult> {
    return this.ingest.submitBatch(principal, slug, dto, key);
  }

  @Post('items/:id/requeue')
  @Allow('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put an escalated item back as pending, in the given queue' })
  requeue(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id', IdPipe) id: string,
    @Body() dto: RequeueDto,
  ): Promise<ItemView> {
    return this.reviews.requeue(principal, id, dto.queue);
  }

  @Post('items/:id/assign')
  @Allow('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Assign a pending item to a reviewer of its queue, the only one who may claim it (userId null: back to the queue's shared line)",
  })
  assign(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id', IdPipe) id: string,
    @Body() dto: AssignItemDto,
  ): Promise<ItemView> {
    return this.reviews.assign(principal, id, dto.userId);
  }

  @Get('items/:id')
  @Allow('service', 'admin', 'auditor', 'reviewer')
  @ApiSecurity('apiKey')
  @ApiOperation({ summary: 'An item with its decision and history' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', IdPipe) id: string): Promise<ItemView> {
    return this.ingest.get(principal, id);
  }
}
