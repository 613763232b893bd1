import { DomainError } from '@arbiter/contracts';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ALLOWED, type Audience, IS_PUBLIC } from './access.decorators.js';
import { AuthService } from './auth.service.js';
import type { Principal } from './principal.js';

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/** Global guard: every route needs credentials unless marked @Public(), and an @Allow() list to be reachable. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Sockets authenticate at the handshake and re-read the user on every event (the review gateway).
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(request.headers);
    request.principal = principal;
    const allowed = this.reflector.getAllAndOverride<Audience[]>(ALLOWED, targets) ?? [];
    const admitted =
      principal.kind === 'service'
        ? allowed.includes('service')
        : principal.roles.some((r) => allowed.includes(r));
    if (!admitted) throw DomainError.forbidden('Your credentials do not allow this action');
    return true;
  }

  private async authenticate(headers: AuthenticatedRequest['headers']): Promise<Principal> {
    const apiKey = headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey) {
      const service = await this.auth.authenticateApiKey(apiKey);
      if (!service) throw new DomainError('UNAUTHENTICATED', 'Invalid or revoked API key');
      return service;
    }
    const authorization = headers['authorization'];
    const token =
      typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Send a bearer token or an X-API-Key');
    const user = await this.auth.authenticateToken(token);
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Invalid or expired token');
    return user;
  }
}
