import { AppConfig } from '@arbiter/config';
import {
  type ApiKey,
  CreateApiKeyDto,
  type CreatedApiKey,
  CreateUserDto,
  DomainError,
  UpdateUserDto,
  type UserAccount,
} from '@arbiter/contracts';
import { ReviewDispatcher } from '@arbiter/dispatch';
import { DomainEvents } from '@arbiter/events';
import { Injectable } from '@nestjs/common';
import { apiKeyPrefix, generateApiKey, generateWebhookSecret, hashApiKey } from './api-key.secrets.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { AuthService } from './auth.service.js';
import { hashPassword } from './password.js';
import { actorOf, type Principal } from './principal.js';
import { UserRepository } from './user.repository.js';

/** Admin management of people and service keys. */
@Injectable()
export class IdentityService {
  constructor(
    private readonly users: UserRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly events: DomainEvents,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    private readonly dispatcher: ReviewDispatcher,
  ) {}

  async createUser(principal: Principal, dto: CreateUserDto): Promise<UserAccount> {
    return this.users.create(
      {
        email: dto.email.trim(),
        passwordHash: await hashPassword(dto.password, this.config.PASSWORD_SCRYPT_LOG_N),
        roles: unique(dto.roles),
        queues: unique(dto.queues ?? []),
      },
      actorOf(principal),
    );
  }

  async updateUser(principal: Principal, id: string, dto: UpdateUserDto): Promise<UserAccount> {
    const { user, unassigned } = await this.users.update(
      id,
      {
        roles: dto.roles && unique(dto.roles),
        queues: dto.queues && unique(dto.queues),
        disabled: dto.disabled,
        passwordHash:
          dto.password === undefined
            ? undefined
            : await hashPassword(dto.password, this.config.PASSWORD_SCRYPT_LOG_N),
      },
      actorOf(principal),
    );
    // This node forgets the user at once; other nodes, and open sockets, hear it through the event.
    this.auth.forgetUser(id);
    this.events.publish({ type: 'user.changed', userId: id });
    // Items they may no longer be assigned wait for anyone again (the reconciler would find them otherwise).
    await this.dispatcher.enqueue(unassigned);
    return user;
  }

  listUsers(): Promise<UserAccount[]> {
    return this.users.list();
  }

  async getUser(id: string): Promise<UserAccount> {
    const user = await this.users.findView(id);
    if (!user) throw DomainError.notFound('User');
    return user;
  }

  async createApiKey(principal: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const webhookSecret = generateWebhookSecret();
    const view = await this.apiKeys.create(
      {
        service: dto.service,
        keyHash: hashApiKey(key),
        prefix: apiKeyPrefix(key),
        webhookSecret,
        queues: unique(dto.queues),
        createdBy: principal.kind === 'user' ? principal.id : null,
      },
      actorOf(principal),
    );
    return { ...view, key, webhookSecret };
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.apiKeys.list();
  }

  async revokeApiKey(principal: Principal, id: string): Promise<void> {
    await this.apiKeys.revoke(id, actorOf(principal));
    this.auth.forgetApiKey(id);
    this.events.publish({ type: 'apikey.revoked', keyId: id });
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
