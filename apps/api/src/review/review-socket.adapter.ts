import { AuthService, hasRole, TokenService, type UserPrincipal } from '@arbiter/auth';
import type { AppConfig } from '@arbiter/config';
import { createRedis } from '@arbiter/redis';
import { type INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { Server as HttpServer } from 'node:http';
import { isObservable, type Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { inClusterWorker, routeSessionsThroughPrimary } from '../cluster/worker.js';

export const REVIEW_NAMESPACE = '/review';
export const MONITORING_ROOM = 'monitoring';

export const canReadMonitoring = (user: UserPrincipal) => hasRole(user, 'admin', 'auditor');

/** How many body limits a socket message may be before the connection is dropped unread. */
const SOCKET_MESSAGE_BOUND = 4;

export interface ReviewSocketData {
  userId: string;
  token: string;
}

/**
 * socket.io for several API nodes: the Redis streams adapter fans messages out between nodes, and the
 * handshake is authenticated here (guards do not run on connection), so a bad token never connects.
 */
export class ReviewSocketAdapter extends IoAdapter {
  private readonly messageLogger = new Logger('ReviewSocketAdapter');
  /** The adapter's connection and the copies it makes of it (its blocking reader), all closed with the server. */
  private readonly connections: Redis[] = [];

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  /**
   * Nest's own binding runs each message through an rxjs pipeline (fromEvent, mergeMap, defer, filter, map,
   * takeUntil), which every claim and decision paid for twice. The same behaviour with a plain listener: the
   * handler's answer (here a promise) acknowledges the message, an `{event, data}` answer is emitted
   * instead, nothing is sent for null, and a failure is logged. An answer that is an Observable goes through
   * Nest's `transform`, as before.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args);
        const answer = (response: unknown) => {
          if (response === null || response === undefined) return;
          const { event, data: pushed } = response as { event?: string; data?: unknown };
          if (event) socket.emit(event, pushed);
          else if (!isAckHandledManually && typeof ack === 'function') ack(response);
        };
        const failed = (error: unknown) => this.messageLogger.error(error);
        Promise.resolve()
          .then(() => callback(data, ack))
          .then((result: unknown) => {
            if (isObservable(result)) transform(result).subscribe({ next: answer, error: failed });
            else return Promise.resolve(result).then(answer);
          })
          .catch(failed);
      });
    }
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    // Messages somewhat over the body limit are read so they can be refused with PAYLOAD_TOO_LARGE (see
    // ReviewGateway); beyond this bound socket.io drops the connection without reading them.
    const server: Server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: SOCKET_MESSAGE_BOUND * this.config.BODY_LIMIT_BYTES,
    } as ServerOptions);
    if (inClusterWorker()) routeSessionsThroughPrimary(server, this.httpServer as HttpServer);
    const redis = createRedis(this.config.REDIS_URL, 'worker');
    const duplicate = redis.duplicate.bind(redis);
    redis.duplicate = (...args: Parameters<Redis['duplicate']>) => {
      const copy = duplicate(...args);
      copy.on('error', () => undefined);
      this.connections.push(copy);
      return copy;
    };
    this.connections.push(redis);
    const prefix = `${this.config.REDIS_PREFIX}:socket.io`;
    server.adapter(
      createAdapter(redis, {
        streamName: prefix,
        channelPrefix: prefix,
        sessionKeyPrefix: `${prefix}:session:`,
      }),
    );
    const auth = this.app.get(AuthService);
    const tokens = this.app.get(TokenService);
    server.of(REVIEW_NAMESPACE).use((socket, next) => {
      const token: unknown = socket.handshake.auth?.['token'];
      const refuse = () =>
        next(
          Object.assign(new Error('UNAUTHENTICATED'), {
            data: { code: 'UNAUTHENTICATED', message: 'Invalid or expired token' },
          }),
        );
      if (typeof token !== 'string' || token.length > 4096) return refuse();
      auth.authenticateToken(token).then(
        (user) => {
          if (!user) return refuse();
          socket.data = { userId: user.id, token } satisfies ReviewSocketData;
          // The socket lives no longer than its token: pushes would otherwise reach a session that ended.
          const expiry = setTimeout(
            () => socket.disconnect(true),
            tokens.verify(token)!.exp * 1000 - Date.now(),
          );
          socket.once('disconnect', () => clearTimeout(expiry));
          void socket.join(`user:${user.id}`);
          // Admins and auditors hear of drift alerts as they open and are acknowledged.
          if (canReadMonitoring(user)) void socket.join(MONITORING_ROOM);
          next();
        },
        () =>
          next(
            Object.assign(new Error('UNAVAILABLE'), {
              data: { code: 'UNAVAILABLE', message: 'Try again shortly' },
            }),
          ),
      );
    });
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    for (const connection of this.connections) connection.disconnect();
  }
}
