import { Public } from '@arbiter/auth';
import { Database } from '@arbiter/database';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';

const CHECK_TIMEOUT_MS = 1000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Database,
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
  ) {}

  @Public()
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const [postgres, redis] = await Promise.all([
      probe(() => this.db.query('SELECT 1')),
      probe(() => this.redis.ping()),
    ]);
    const checks = { postgres, redis };
    if (postgres === 'up' && redis === 'up') return { status: 'ok', checks };
    void reply.status(503);
    return { statusCode: 503, code: 'UNAVAILABLE', message: 'A dependency is unreachable', checks };
  }
}

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
