import { Allow, CurrentPrincipal, type UserPrincipal } from '@arbiter/auth';
import { GoldBatchDto, type GoldBatchResult } from '@arbiter/contracts';
import { GoldService } from '@arbiter/gold';
import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

@ApiTags('queues')
@ApiBearerAuth()
@Controller('api/v1/queues')
export class GoldController {
  constructor(private readonly gold: GoldService) {}

  @Post(':slug/gold')
  @Allow('admin')
  @ApiOperation({
    summary:
      'Add up to 500 gold items: outputs with a known correct decision, handed to reviewers at goldRate',
  })
  @ApiResponse({
    status: 201,
    description:
      '{results: [{index, id} | {index, error: {code, message, details?}}]}, one per entry in order',
  })
  add(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('slug') slug: string,
    @Body() dto: GoldBatchDto,
  ): Promise<GoldBatchResult> {
    return this.gold.add(principal, slug, dto);
  }
}
