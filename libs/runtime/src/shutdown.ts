import { Logger } from '@nestjs/common';

export interface Closable {
  close(): Promise<void>;
}

/** The part of node:http's Server used while draining. */
export interface IdleClosable {
  closeIdleConnections(): void;
}

/**
 * SIGTERM / SIGINT: close the application (stop accepting, drain what is in flight, close queues and
 * connections), then exit 0; exit 1 if that fails or takes longer than `timeoutMs`.
 *
 * Nest's own shutdown hooks run the same close but then re-raise the signal, so the process would end
 * "killed by SIGTERM" (status 143) even after a clean drain. This listener stays registered, so the
 * re-raised signal lands here (a no-op) instead of killing the process, and the exit code is ours.
 *
 * With an HTTP `server`, keep-alive connections are closed as soon as their last response is out: Node
 * closes idle connections once, when closing starts, and a connection whose request finishes later
 * would otherwise hold the process until its keep-alive timeout (Fastify's is 72 s).
 */
export function exitCleanlyOnSignals(
  app: Closable,
  timeoutMs: number,
  name: string,
  server?: IdleClosable,
): void {
  const logger = new Logger(name);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: draining in-flight work, then exiting`);
    const timer = setTimeout(() => {
      logger.error(`shutdown did not finish within ${timeoutMs} ms (SHUTDOWN_TIMEOUT_MS); exiting`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    const sweeper = server ? setInterval(() => server.closeIdleConnections(), 100) : undefined;
    sweeper?.unref();
    app.close().then(
      () => {
        clearTimeout(timer);
        clearInterval(sweeper);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error)?.message ?? String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
}
