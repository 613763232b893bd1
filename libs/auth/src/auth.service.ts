import { appendAuditEvent } from '@arbiter/audit';
import { AppConfig } from '@arbiter/config';
import { DomainError, type LoginResponse } from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import { hashApiKey } from './api-key.secrets.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './password.js';
import type { ServicePrincipal, UserPrincipal } from './principal.js';
import { LoginThrottle } from './login-throttle.js';
import { TokenService } from './token.service.js';
import { type AuthUser, UserRepository } from './user.repository.js';

/** Service keys are looked up on every submit; a short cache spares Postgres a round trip per request. */
const API_KEY_CACHE_MS = 5000;
const API_KEY_CACHE_MAX = 10_000;
const USER_CACHE_MS = 2000;
const USER_CACHE_MAX = 10_000;

@Injectable()
export class AuthService {
  private readonly keyCache = new Map<string, { principal: ServicePrincipal; expires: number }>();
  private readonly userCache = new Map<string, { user: AuthUser; expires: number }>();

  constructor(
    private readonly users: UserRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly tokens: TokenService,
    private readonly db: Database,
    private readonly throttle: LoginThrottle,
    private readonly config: AppConfig,
  ) {}

  async login(email: string, password: string, source: { ip?: string }): Promise<LoginResponse> {
    const address = source.ip ?? 'unknown';
    await this.throttle.assertAllowed(email, address);
    const account = await this.users.findCredentialsByEmail(email);
    // Verify against a dummy hash for unknown emails so the answer takes as long either way.
    const logN = this.config.PASSWORD_SCRYPT_LOG_N;
    const matches = await verifyPassword(password, account?.passwordHash ?? dummyPasswordHash(logN));
    if (!account || !matches || account.disabled) {
      await this.throttle.recordFailure(email, address);
      await this.db.transaction((tx) =>
        appendAuditEvent(tx, {
          actor: { type: 'system', id: null, name: 'auth' },
          action: 'auth.login_failed',
          subjectType: 'auth',
          subjectId: account?.id ?? 'unknown',
          data: {
            email: email.slice(0, 320),
            ip: source.ip ?? null,
            reason: !account ? 'unknown_email' : account.disabled ? 'disabled' : 'bad_password',
          },
        }),
      );
      throw new DomainError('UNAUTHENTICATED', 'Invalid email or password');
    }
    await this.throttle.recordSuccess(email);
    // A hash made with weaker parameters than today's is redone while the password is at hand.
    if (needsRehash(account.passwordHash, logN)) {
      await this.users.replacePasswordHash(
        account.id,
        account.passwordHash,
        await hashPassword(password, logN),
      );
    }
    const user = await this.users.findAuthById(account.id);
    return {
      accessToken: this.tokens.issue(account.id, user!.tokenVersion),
      user: { id: user!.id, email: user!.email, roles: user!.roles },
    };
  }

  /** The user behind a bearer token, read fresh so role, membership and disabling apply at once. */
  async authenticateToken(token: string): Promise<UserPrincipal | null> {
    const claims = this.tokens.verify(token);
    if (!claims) return null;
    const user = await this.findUser(claims.sub);
    if (!user || user.disabled || user.tokenVersion !== claims.ver) return null;
    return {
      kind: 'user',
      id: user.id,
      email: user.email,
      roles: user.roles,
      queueIds: new Set(user.queueIds),
    };
  }

  async authenticateApiKey(key: string): Promise<ServicePrincipal | null> {
    if (key.length < 10 || key.length > 200) return null;
    const hash = hashApiKey(key);
    const cached = this.keyCache.get(hash);
    if (cached && cached.expires > Date.now()) return cached.principal;
    const found = await this.apiKeys.findActiveByHash(hash);
    if (!found) return null;
    const principal: ServicePrincipal = {
      kind: 'service',
      keyId: found.id,
      service: found.service,
      queueIds: new Set(found.queueIds),
    };
    if (this.keyCache.size >= API_KEY_CACHE_MAX) this.keyCache.clear();
    this.keyCache.set(hash, { principal, expires: Date.now() + API_KEY_CACHE_MS });
    return principal;
  }

  /**
   * A user as the last few seconds knew them: every socket event and request authenticates, and most of
   * them need no fresh read. A change drops the entry at once here and, through a domain event, on every
   * other node.
   */
  private async findUser(id: string): Promise<AuthUser | null> {
    const cached = this.userCache.get(id);
    if (cached && cached.expires > Date.now()) return cached.user;
    const user = await this.users.findAuthById(id);
    if (this.userCache.size >= USER_CACHE_MAX) this.userCache.clear();
    if (user) this.userCache.set(id, { user, expires: Date.now() + USER_CACHE_MS });
    return user;
  }

  forgetUser(id: string): void {
    this.userCache.delete(id);
  }

  /** Drops a revoked key at once; every API node is told through a domain event. */
  forgetApiKey(keyId: string): void {
    for (const [hash, entry] of this.keyCache)
      if (entry.principal.keyId === keyId) this.keyCache.delete(hash);
  }
}
