import type { AppConfig } from '@arbiter/config';
import { createLogger, PinoNestLogger } from '@arbiter/runtime';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module.js';

/** The worker: no HTTP, only jobs and timers. */
export async function createWorkerApp(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new PinoNestLogger(createLogger(config.LOG_LEVEL, 'arbiter-worker')),
  });
  app.enableShutdownHooks();
  return app;
}
