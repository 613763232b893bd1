import { Allow, CurrentPrincipal, type UserPrincipal } from '@arbiter/auth';
import {
  type ClaimNextResult,
  type DecideResult,
  DecisionBodyDto,
  EscalationBodyDto,
} from '@arbiter/contracts';
import { ReviewService } from '@arbiter/review';
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

/** The socket actions over HTTP, for scripts: same service, same answers as the acknowledgements. */
@ApiTags('review')
@ApiBearerAuth()
@Allow('reviewer')
@Controller('api/v1')
export class ClaimController {
  constructor(private readonly reviews: ReviewService) {}

  @Post('queues/:slug/claim')
  @ApiOperation({ summary: 'Claim the next item of a queue' })
  @ApiResponse({ status: 200, description: '{item, claim}' })
  @ApiResponse({ status: 204, description: 'Nothing is waiting' })
  async claim(
    @CurrentPrincipal() user: UserPrincipal,
    @Param('slug') slug: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClaimNextResult | undefined> {
    const result = await this.reviews.claimNext(user, slug);
    void reply.status(result.item ? 200 : 204);
    return result.item ? result : undefined;
  }

  @Post('claims/:token/heartbeat')
  @HttpCode(200)
  heartbeat(@CurrentPrincipal() user: UserPrincipal, @Param('token') token: string) {
    return this.reviews.heartbeat(user, token);
  }

  @Post('claims/:token/release')
  @HttpCode(200)
  release(@CurrentPrincipal() user: UserPrincipal, @Param('token') token: string) {
    return this.reviews.release(user, token);
  }

  @Post('claims/:token/decision')
  @ApiResponse({
    status: 201,
    description:
      "{decision, itemStatus, movedTo?}: the item's status after the decision (pending while a second review " +
      'is due, or pending in movedTo, the queue adjudicating two reviews that disagree)',
  })
  @ApiResponse({ status: 200, description: 'The same decision again: the first one' })
  async decide(
    @CurrentPrincipal() user: UserPrincipal,
    @Param('token') token: string,
    @Body() body: DecisionBodyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { decision, replayed, itemStatus, movedTo } = await this.reviews.decide(user, token, body);
    void reply.status(replayed ? 200 : 201);
    return { decision, itemStatus, ...(movedTo ? { movedTo } : {}) } satisfies DecideResult;
  }

  @Post('claims/:token/escalate')
  @HttpCode(200)
  escalate(
    @CurrentPrincipal() user: UserPrincipal,
    @Param('token') token: string,
    @Body() body: EscalationBodyDto,
  ) {
    return this.reviews.escalate(user, token, body.comment);
  }
}
