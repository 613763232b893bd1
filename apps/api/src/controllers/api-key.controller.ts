import { Allow, CurrentPrincipal, IdentityService, type Principal } from '@arbiter/auth';
import { type ApiKeyList, CreateApiKeyDto, type CreatedApiKey } from '@arbiter/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdPipe } from './id.pipe.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Allow('admin')
@Controller('api/v1/api-keys')
export class ApiKeyController {
  constructor(private readonly identity: IdentityService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a service key; the key and webhook secret are shown only in this response',
  })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.identity.createApiKey(principal, dto);
  }

  @Get()
  async list(): Promise<ApiKeyList> {
    return { apiKeys: await this.identity.listApiKeys() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke a service key: from now on it is refused (401) on every route',
    description:
      'Items it already submitted stay in review, and their decisions are still delivered, signed with its ' +
      'webhook secret: a receiver keeps accepting that secret until those items are decided. Other keys of ' +
      'the same service still read them.',
  })
  revoke(@CurrentPrincipal() principal: Principal, @Param('id', IdPipe) id: string): Promise<void> {
    return this.identity.revokeApiKey(principal, id);
  }
}
