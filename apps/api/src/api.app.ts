import type { AppConfig } from '@arbiter/config';
import { configureLimits } from '@arbiter/contracts';
import { createLogger, Metrics, PinoNestLogger } from '@arbiter/runtime';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiModule } from './api.module.js';
import { inClusterWorker } from './cluster/worker.js';
import { DtoValidationPipe } from './http/dto-validation.pipe.js';
import { parseJsonBody } from './http/json-body.parser.js';
import { StrictRequestInterceptor } from './http/strict-request.interceptor.js';
import { serveWebUi } from './http/web-ui.js';
import { setUpOpenApi } from './openapi.js';
import { ReviewSocketAdapter } from './review/review-socket.adapter.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The configured HTTP application, not yet listening. */
/** Fastify as Nest drives it, knowing when the application starts to close (before its shutdown hooks). */
class DrainingFastifyAdapter extends FastifyAdapter {
  draining = false;

  override beforeClose(): void {
    this.draining = true;
    super.beforeClose();
  }

  override async close(): Promise<void> {
    this.draining = true;
    await super.close();
  }
}

export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  configureLimits({
    bodyBytes: config.BODY_LIMIT_BYTES,
    jsonDepth: config.JSON_MAX_DEPTH,
    externalIdLength: config.MAX_EXTERNAL_ID_LENGTH,
    commentLength: config.MAX_COMMENT_LENGTH,
    metadataKeys: config.MAX_METADATA_KEYS,
    batchItems: config.MAX_BATCH_ITEMS,
  });
  const logger = createLogger(config.LOG_LEVEL, 'arbiter-api');
  const adapter = new DrainingFastifyAdapter({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Requests arriving while the application drains get the contract's 503 from the onRequest hook below.
    return503OnClosing: false,
    requestIdHeader: false,
    // Errors Fastify raises before routing (a malformed URL, an over-long path parameter) get the contract shape.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const notFound = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const body = notFound
        ? { statusCode: 404, code: 'NOT_FOUND', message: 'No such resource' }
        : {
            statusCode: 400,
            code: 'VALIDATION_FAILED',
            message: 'Malformed URL',
            details: [{ path: 'url', message: error.message }],
          };
      void reply.status(body.statusCode).send(body);
    },
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const fastify = adapter.getInstance();
  const servedBy = inClusterWorker() ? String(process.pid) : undefined;
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Which of several API processes answered (API_PROCESSES > 1), for operators and the tests.
    if (servedBy) void reply.header('x-arbiter-process', servedBy);
    if (adapter.draining) {
      return reply.code(503).header('connection', 'close').header('retry-after', '5').send({
        statusCode: 503,
        code: 'UNAVAILABLE',
        message: 'Arbiter is shutting down; retry shortly',
      });
    }
  });

  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  await serveWebUi(fastify);
  app.useGlobalPipes(new DtoValidationPipe());
  app.useGlobalInterceptors(new StrictRequestInterceptor());
  app.useWebSocketAdapter(new ReviewSocketAdapter(app, config));
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}
