import { ChainRepository } from '@arbiter/audit';
import { Allow } from '@arbiter/auth';
import type { ChainVerdict } from '@arbiter/contracts';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';

@ApiTags('audit')
@ApiBearerAuth()
@Allow('admin', 'auditor')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly chain: ChainRepository) {}

  /**
   * Recomputes the hash chain from the events as stored now. Events written in the last moment may not be
   * sealed yet: `sealed` and `unsealed` say how far the chain reaches.
   */
  @Get('verify')
  @ApiOkResponse({
    description:
      '{valid, checked, head, firstInvalidSeq?, sealed, unsealed, lastSealedAt}: firstInvalidSeq is the ' +
      'sequence number of the first event whose link does not hold',
  })
  verify(): Promise<ChainVerdict> {
    return this.chain.verify();
  }
}
