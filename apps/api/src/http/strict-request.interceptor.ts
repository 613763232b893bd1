import { DomainError, type ErrorDetail } from '@arbiter/contracts';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

/** What a route reads from the request: `true` for a whole DTO, else the names it reads one by one. */
interface Reads {
  body: true | Set<string>;
  query: true | Set<string>;
}

/**
 * Requests are strict (contract): a route given a DTO refuses unknown fields through DtoValidationPipe, and
 * this refuses what a route without one would silently ignore: a body field or query parameter it never
 * reads (`POST /queues/:slug/pause {"x":1}`, `GET /queues?foo=1`). An empty body or `{}` is fine.
 */
@Injectable()
export class StrictRequestInterceptor implements NestInterceptor {
  private readonly reads = new WeakMap<object, Reads>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      if (request.url.startsWith('/api/')) {
        const reads = this.readsOf(context);
        const problems = [
          ...unread(request.query, reads.query, (name) => `query parameter ${name} is not allowed`),
          ...unread(request.body, reads.body, (name) => `${name} is not an allowed field`),
        ];
        if (problems.length > 0) throw DomainError.validation(problems);
      }
    }
    return next.handle();
  }

  private readsOf(context: ExecutionContext): Reads {
    const handler = context.getHandler();
    let reads = this.reads.get(handler);
    if (!reads) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ??
        {}) as Record<string, { data?: unknown }>;
      reads = { body: new Set(), query: new Set() };
      for (const [key, { data }] of Object.entries(args)) {
        const type = Number(key.split(':')[0]);
        const part = type === RouteParamtypes.BODY ? 'body' : type === RouteParamtypes.QUERY ? 'query' : null;
        if (!part) continue;
        const current = reads[part];
        if (typeof data === 'string' && current !== true) current.add(data);
        else reads[part] = true;
      }
      this.reads.set(handler, reads);
    }
    return reads;
  }
}

function unread(value: unknown, reads: true | Set<string>, message: (name: string) => string): ErrorDetail[] {
  if (reads === true || value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    return [{ path: '', message: 'this request takes no body' }];
  }
  return Object.keys(value)
    .filter((name) => !reads.has(name))
    .map((name) => ({ path: name, message: message(name) }));
}
