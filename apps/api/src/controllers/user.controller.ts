import { Allow, CurrentPrincipal, IdentityService, type Principal } from '@arbiter/auth';
import { CreateUserDto, UpdateUserDto, type UserAccount, type UserList } from '@arbiter/contracts';
import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IdPipe } from './id.pipe.js';

@ApiTags('users')
@ApiBearerAuth()
@Allow('admin')
@Controller('api/v1/users')
export class UserController {
  constructor(private readonly identity: IdentityService) {}

  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateUserDto): Promise<UserAccount> {
    return this.identity.createUser(principal, dto);
  }

  @Get()
  async list(): Promise<UserList> {
    return { users: await this.identity.listUsers() };
  }

  @Get(':id')
  get(@Param('id', IdPipe) id: string): Promise<UserAccount> {
    return this.identity.getUser(id);
  }

  @Patch(':id')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IdPipe) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserAccount> {
    return this.identity.updateUser(principal, id, dto);
  }
}
