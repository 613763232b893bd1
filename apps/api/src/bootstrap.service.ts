import { SYSTEM_ACTOR } from '@arbiter/audit';
import { hashPassword, UserRepository } from '@arbiter/auth';
import { AppConfig } from '@arbiter/config';
import { isUniqueViolation } from '@arbiter/database';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';

/** On an empty database, creates the first admin from BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD. */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    private readonly users: UserRepository,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = this.config;
    if (!email || !password || (await this.users.count()) > 0) return;
    try {
      await this.users.create(
        {
          email,
          passwordHash: await hashPassword(password, this.config.PASSWORD_SCRYPT_LOG_N),
          roles: ['admin'],
          queues: [],
        },
        SYSTEM_ACTOR,
      );
      this.logger.log(`created bootstrap admin ${email}`);
    } catch (error) {
      // Another API node created it first.
      if (!isUniqueViolation(error) && !(error instanceof Error && error.message.includes('exists')))
        throw error;
    }
  }
}
