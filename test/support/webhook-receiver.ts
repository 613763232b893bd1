import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request had fully arrived. */
  at: number;
}

/** How to answer: a status (with headers), or `hold` to keep the request open and never answer. */
export type Reply = { status: number; headers?: Record<string, string> } | 'hold';
/** `n` counts the requests to this path, from 1. */
export type Responder = (n: number, hook: ReceivedHook) => Reply;

/**
 * A webhook receiver on 127.0.0.1: records every request by path and answers as told per path (200 unless
 * told otherwise).
 */
export class WebhookReceiver {
  private readonly received: ReceivedHook[] = [];
  private readonly responders = new Map<string, Responder>();
  private readonly held: ServerResponse[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () =>
        receiver.handle(req.url ?? '/', req.headers, Buffer.concat(chunks).toString(), res),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  respond(path: string, responder: Responder): void {
    this.responders.set(path, responder);
  }

  requests(path?: string): ReceivedHook[] {
    return this.received.filter((r) => path === undefined || r.path === path);
  }

  /** Resolves with the requests to `path` once there are at least `count`. */
  async waitFor(path: string, count: number, timeoutMs = 10_000): Promise<ReceivedHook[]> {
    const deadline = performance.now() + timeoutMs;
    while (this.requests(path).length < count) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `${path}: ${this.requests(path).length} of ${count} request(s) within ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 100));
        this.waiters.add(wake);
      });
    }
    return this.requests(path);
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(path: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const hook: ReceivedHook = { path, headers, body, at: performance.now() };
    this.received.push(hook);
    const n = this.requests(path).length;
    const responder: Responder = this.responders.get(path) ?? (() => ({ status: 200 }));
    const reply = responder(n, hook);
    for (const wake of [...this.waiters]) wake();
    if (reply === 'hold') {
      this.held.push(res);
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
    res.end(`${reply.status}\n`);
  }
}

/** The signature a receiver expects, computed here independently of Arbiter's code. */
export function expectedSignature(secret: string, hook: ReceivedHook, body = hook.body): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${String(hook.headers['webhook-id'])}.${String(hook.headers['webhook-timestamp'])}.${body}`;
  return createHmac('sha256', key).update(signed).digest('base64');
}

/** Whether a request's `webhook-signature` (space-separated `v1,<sig>` entries) holds for `body`. */
export function signatureHolds(secret: string, hook: ReceivedHook, body = hook.body): boolean {
  const expected = expectedSignature(secret, hook, body);
  return String(hook.headers['webhook-signature'] ?? '')
    .split(' ')
    .some((entry) => entry === `v1,${expected}`);
}

/** Settings for tests whose webhooks go to a receiver on 127.0.0.1: allowed, polled often, retried soon. */
export const LOOPBACK_WEBHOOKS = {
  WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_RETRY_SCHEDULE: '200ms,200ms',
  WEBHOOK_TIMEOUT_MS: '3000',
};
