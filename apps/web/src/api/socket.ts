import { io, type Socket } from 'socket.io-client';
import { ApiError, request } from './http';
import type { ReviewTransport, StatsSource } from './review-transport';
import {
  isAckFailure,
  type AckError,
  type AssignmentChangedEvent,
  type AuditEvent,
  type ClaimExpiredEvent,
  type ClaimSlaBreachedEvent,
  type ClientToServerEvents,
  type DecideRequest,
  type Item,
  type QueueStats,
  type Result,
  type ReviewCalls,
  type ServerToClientEvents,
} from './types';

export type ReviewSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const ACK_TIMEOUT_MS = 10_000;

/** Same origin, default path /socket.io; the token is checked at the handshake. */
export function connectReviewSocket(token: string): ReviewSocket {
  return io('/review', { auth: { token }, forceNew: true });
}

type Emitter = { emitWithAck(event: string, payload: unknown): Promise<unknown> };

/** Typed request/acknowledgement calls over the `/review` namespace. */
export class ReviewClient implements ReviewTransport, StatsSource {
  constructor(
    private readonly socket: ReviewSocket,
    /** For the few reads that are HTTP only. */
    private readonly accessToken: string,
  ) {}

  subscribe(queue: string) {
    return this.call('queue:subscribe', { queue });
  }

  claimNext(queue: string) {
    return this.call('claim:next', { queue });
  }

  heartbeat(token: string) {
    return this.call('claim:heartbeat', { token });
  }

  decide(request: DecideRequest) {
    return this.call('claim:decide', request);
  }

  release(token: string) {
    return this.call('claim:release', { token });
  }

  escalate(token: string, comment: string) {
    return this.call('claim:escalate', { token, comment });
  }

  async itemHistory(itemId: string): Promise<Result<AuditEvent[]>> {
    try {
      const item = await request<Item>('GET', `/api/v1/items/${encodeURIComponent(itemId)}`, {
        token: this.accessToken,
      });
      return { ok: true, value: item.history ?? [] };
    } catch (error) {
      if (error instanceof ApiError) return fail(error.code, error.message);
      throw error;
    }
  }

  onStats(listener: (stats: QueueStats) => void): () => void {
    this.socket.on('queue:stats', listener);
    return () => void this.socket.off('queue:stats', listener);
  }

  onAssignmentChanged(listener: (event: AssignmentChangedEvent) => void): () => void {
    this.socket.on('assignment:changed', listener);
    return () => void this.socket.off('assignment:changed', listener);
  }

  onClaimExpired(listener: (event: ClaimExpiredEvent) => void): () => void {
    this.socket.on('claim:expired', listener);
    return () => void this.socket.off('claim:expired', listener);
  }

  onSlaBreached(listener: (event: ClaimSlaBreachedEvent) => void): () => void {
    this.socket.on('claim:sla_breached', listener);
    return () => void this.socket.off('claim:sla_breached', listener);
  }

  private async call<E extends keyof ReviewCalls>(
    event: E,
    payload: ReviewCalls[E]['request'],
  ): Promise<Result<ReviewCalls[E]['response']>> {
    // Not buffered while offline: a late claim or decision would surprise the reviewer.
    if (!this.socket.connected) {
      return fail('DISCONNECTED', 'Not connected to the server. Waiting to reconnect.');
    }
    let response: unknown;
    try {
      const emitter = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as Emitter;
      response = await emitter.emitWithAck(event, payload);
    } catch {
      return fail('TIMEOUT', 'The server did not answer in time. Try again.');
    }
    if (isAckFailure(response)) return { ok: false, error: response.error };
    return { ok: true, value: response as ReviewCalls[E]['response'] };
  }
}

function fail(code: AckError['code'], message: string): { ok: false; error: AckError } {
  return { ok: false, error: { code, message } };
}
