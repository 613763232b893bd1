import { AppConfig } from '@arbiter/config';
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedis, waitUntilReady } from './redis-connections.js';

/** The request-path Redis connection (fails fast when Redis is away). */
export const COMMAND_REDIS = Symbol('COMMAND_REDIS');

@Global()
@Module({
  providers: [
    {
      provide: COMMAND_REDIS,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const redis = createRedis(config.REDIS_URL, 'command');
        await waitUntilReady(redis, 3000);
        return redis;
      },
    },
  ],
  exports: [COMMAND_REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(COMMAND_REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
