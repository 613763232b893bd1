import { actorOf, Allow, CurrentPrincipal, type Principal } from '@arbiter/auth';
import type { Delivery, DeliveryList, ReplayResult } from '@arbiter/contracts';
import { DeliveryAdminService, ListDeliveriesQueryDto, ReplayDeliveriesQueryDto } from '@arbiter/delivery';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IdPipe } from './id.pipe.js';

const DELIVERY_SHAPE =
  '{id, webhookId, itemId, queue, url, status, attempts:[{at, statusCode, error, durationMs}], createdAt, ' +
  'nextAttemptAt, deliveredAt}';

@ApiTags('deliveries')
@ApiBearerAuth()
@Allow('admin')
@ApiResponse({ status: 401, description: 'UNAUTHENTICATED' })
@ApiResponse({ status: 403, description: 'FORBIDDEN: admins only' })
@Controller('api/v1/deliveries')
export class DeliveryController {
  constructor(private readonly deliveries: DeliveryAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'Webhook deliveries, newest first, with every attempt',
    description:
      'A page of at most `limit`; `total` counts every delivery the filters match. While more match, `next` is ' +
      'the `cursor` of the page after (send the same filters with it); it is null on the last page. Pages ' +
      'follow (createdAt, id), so a delivery changing status while you page neither repeats nor hides another.',
  })
  @ApiOkResponse({ description: `{deliveries:[${DELIVERY_SHAPE}], next, total}` })
  @ApiResponse({
    status: 400,
    description:
      'VALIDATION_FAILED: an unknown parameter or a bad value; a cursor that is malformed or names no ' +
      'delivery (path cursor)',
  })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no queue with that slug' })
  list(@Query() query: ListDeliveriesQueryDto): Promise<DeliveryList> {
    return this.deliveries.list(query);
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send every dead-lettered delivery again, each under its own webhook-id',
    description: 'They go back to pending with a fresh round of attempts; earlier attempts are kept.',
  })
  @ApiOkResponse({ description: '{replayed}: how many deliveries went back to pending' })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: status must be dead; no other parameters' })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no queue with that slug' })
  replayAll(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ReplayDeliveriesQueryDto,
  ): Promise<ReplayResult> {
    return this.deliveries.replayAll(query, actorOf(principal));
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a delivery again under the same webhook-id',
    description:
      'A delivered or dead delivery goes back to pending with a fresh round of attempts (earlier attempts ' +
      'kept); a pending one is made due now; one in flight is left to finish.',
  })
  @ApiOkResponse({ description: DELIVERY_SHAPE })
  @ApiResponse({ status: 404, description: 'NOT_FOUND' })
  replay(@CurrentPrincipal() principal: Principal, @Param('id', IdPipe) id: string): Promise<Delivery> {
    return this.deliveries.replay(id, actorOf(principal));
  }
}
