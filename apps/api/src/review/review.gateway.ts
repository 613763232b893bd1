import { AuthService, type UserPrincipal } from '@arbiter/auth';
import { AppConfig } from '@arbiter/config';
import {
  type Ack,
  assertJsonValue,
  ClaimTokenDto,
  DecideDto,
  DomainError,
  EscalateDto,
  limits,
  QueueRefDto,
  type ReviewAck,
  type ServerToClientEvents,
  validateInput,
  withoutStatus,
} from '@arbiter/contracts';
import { ReviewService } from '@arbiter/review';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { toErrorResponse } from '../http/error-response.js';
import { REVIEW_NAMESPACE, type ReviewSocketData } from './review-socket.adapter.js';

type ReviewSocket = Socket<
  Record<string, never>,
  Record<string, never>,
  Record<string, never>,
  ReviewSocketData
>;

export const queueRoom = (queueId: string) => `queue:${queueId}`;
export const userRoom = (userId: string) => `user:${userId}`;

/** The reviewer's live channel. Every event re-reads the user and validates its payload like HTTP input. */
@WebSocketGateway({ namespace: REVIEW_NAMESPACE })
export class ReviewGateway implements OnGatewayDisconnect, OnApplicationShutdown {
  private readonly logger = new Logger(ReviewGateway.name);
  private readonly graceTimers = new Set<NodeJS.Timeout>();

  @WebSocketServer() namespace!: Namespace<Record<string, never>, ServerToClientEvents>;
  /**
   * Told of each subscription once the socket is in the queue's room, with the time its numbers began to be
   * counted (see ReviewBroadcaster, which pushes numbers a change made stale meanwhile).
   */
  onSubscribed?: (queueId: string, countedFrom: number) => void;

  constructor(
    private readonly reviews: ReviewService,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  @SubscribeMessage('queue:subscribe')
  subscribe(
    @ConnectedSocket() socket: ReviewSocket,
    @MessageBody() body: unknown,
  ): Promise<ReviewAck<'queue:subscribe'>> {
    return this.answer(socket, QueueRefDto, body, async (user, dto) => {
      const countedFrom = Date.now();
      const { queue, stats } = await this.reviews.subscribe(user, dto.queue);
      await socket.join(queueRoom(queue.id));
      this.onSubscribed?.(queue.id, countedFrom);
      return { stats };
    });
  }

  @SubscribeMessage('claim:next')
  next(
    @ConnectedSocket() socket: ReviewSocket,
    @MessageBody() body: unknown,
  ): Promise<ReviewAck<'claim:next'>> {
    return this.answer(socket, QueueRefDto, body, (user, dto) => this.reviews.claimNext(user, dto.queue));
  }

  @SubscribeMessage('claim:heartbeat')
  heartbeat(
    @ConnectedSocket() socket: ReviewSocket,
    @MessageBody() body: unknown,
  ): Promise<ReviewAck<'claim:heartbeat'>> {
    return this.answer(socket, ClaimTokenDto, body, (user, dto) => this.reviews.heartbeat(user, dto.token));
  }

  @SubscribeMessage('claim:release')
  release(
    @ConnectedSocket() socket: ReviewSocket,
    @MessageBody() body: unknown,
  ): Promise<ReviewAck<'claim:release'>> {
    return this.answer(socket, ClaimTokenDto, body, (user, dto) => this.reviews.release(user, dto.token));
  }

  @SubscribeMessage('claim:decide')
  decide(
    @ConnectedSocket() socket: ReviewSocket,
    @MessageBody() body: unknown,
  ): Promise<ReviewAck<'claim:decide'>> {
    return this.answer(socket, DecideDto, body, async (user, { token, ...decision }) => {
      const { decision: recorded, itemStatus, movedTo } = await this.reviews.decide(user, token, decision);
      return { decision: recorded, itemStatus, ...(movedTo ? { movedTo } : {}) };
    });
  }

  @SubscribeMessage('claim:escalate')
  escalate(
    @ConnectedSocket() socket: ReviewSocket,
    @MessageBody() body: unknown,
  ): Promise<ReviewAck<'claim:escalate'>> {
    return this.answer(socket, EscalateDto, body, (user, dto) =>
      this.reviews.escalate(user, dto.token, dto.comment),
    );
  }

  /** When a reviewer's last socket has been gone for the grace period, their claims go back to the queue. */
  handleDisconnect(socket: ReviewSocket): void {
    const { userId, token } = socket.data ?? {};
    if (!userId) return;
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      void this.releaseIfGone(userId, token).catch((error: unknown) =>
        this.logger.warn(`release after disconnect failed: ${(error as Error).message}`),
      );
    }, this.config.CLAIM_DISCONNECT_GRACE_MS);
    this.graceTimers.add(timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.graceTimers) clearTimeout(timer);
  }

  private async releaseIfGone(userId: string, token: string): Promise<void> {
    const sockets = await this.namespace.in(userRoom(userId)).fetchSockets();
    if (sockets.length > 0) return;
    const user = await this.auth.authenticateToken(token);
    if (user) await this.reviews.releaseAllOf(user);
  }

  private async answer<T extends object, R>(
    socket: ReviewSocket,
    dto: new () => T,
    body: unknown,
    work: (user: UserPrincipal, input: T) => Promise<R>,
  ): Promise<Ack<R>> {
    try {
      const user = await this.auth.authenticateToken(socket.data.token);
      if (!user) {
        socket.disconnect(true);
        throw new DomainError('UNAUTHENTICATED', 'Your session ended; sign in again');
      }
      // socket.io parsed the message without the limits the HTTP body parser applies to the raw text. The
      // shape first: it bounds the depth, so measuring the size cannot overflow the stack.
      assertJsonValue(body);
      if (Buffer.byteLength(JSON.stringify(body) ?? '') > limits.bodyBytes) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `The message is larger than ${limits.bodyBytes} bytes`);
      }
      return await work(user, validateInput(dto, body));
    } catch (error) {
      // The same body HTTP answers (a database outage is UNAVAILABLE here too), less the status code.
      const { body, unexpected } = toErrorResponse(error);
      if (unexpected) this.logger.error({ errorId: unexpected, err: error }, 'unexpected socket error');
      return { error: withoutStatus(body) };
    }
  }
}
