import { AppConfig } from '@arbiter/config';
import { DomainError } from '@arbiter/contracts';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** With METRICS_TOKEN set, a scrape must bring it as a bearer token (compared in constant time). */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(config: AppConfig) {
    this.expected = config.METRICS_TOKEN ? digest(config.METRICS_TOKEN) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (match && timingSafeEqual(digest(match[1]!), this.expected)) return true;
    throw new DomainError('UNAUTHENTICATED', 'Metrics need the bearer token set as METRICS_TOKEN');
  }
}
