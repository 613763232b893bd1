import { DispatchModule } from '@arbiter/dispatch';
import { Module } from '@nestjs/common';
import { ApiKeyRepository } from './api-key.repository.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { IdentityService } from './identity.service.js';
import { LoginThrottle } from './login-throttle.js';
import { TokenService } from './token.service.js';
import { UserRepository } from './user.repository.js';

@Module({
  imports: [DispatchModule],
  providers: [
    UserRepository,
    ApiKeyRepository,
    TokenService,
    AuthService,
    IdentityService,
    AuthGuard,
    LoginThrottle,
  ],
  exports: [
    UserRepository,
    ApiKeyRepository,
    TokenService,
    AuthService,
    IdentityService,
    AuthGuard,
    LoginThrottle,
  ],
})
export class AuthModule {}
