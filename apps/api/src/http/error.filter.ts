import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response.js';

/** The one place HTTP errors get their shape. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { body, headers, unexpected } = toErrorResponse(exception);
    if (unexpected) {
      this.logger.error({ errorId: unexpected, reqId: request.id, err: exception }, 'unexpected error');
    }
    void reply.status(body.statusCode).headers(headers).send(body);
  }
}
