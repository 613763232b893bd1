import { verifyWebhook, type WebhookPayload, WebhookVerificationError } from '@arbiter/sdk';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SupportMessage, TicketAnswer } from './classifier.js';

export type TicketWebhook = WebhookPayload<SupportMessage, TicketAnswer>;

export interface WebhookReceiverOptions {
  /** The `whsec_...` secret Arbiter gave with the service's API key. */
  secret: string;
  port?: number;
  host?: string;
  path?: string;
  /** Runs once per webhook-id; throwing makes Arbiter retry later. */
  onDecision?: (payload: TicketWebhook, webhookId: string) => void | Promise<void>;
}

export interface WebhookReceiver {
  /** The URL to give Arbiter as callbackUrl. */
  readonly url: string;
  /** Verified webhooks, once each, in arrival order. */
  readonly received: { webhookId: string; payload: TicketWebhook }[];
  /** Requests refused because they failed verification. */
  readonly refused: { reason: string }[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** An HTTP endpoint for Arbiter's signed webhooks: verifies, deduplicates by webhook-id, then acts. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const path = options.path ?? '/webhooks/arbiter';
  const received: WebhookReceiver['received'] = [];
  const refused: WebhookReceiver['refused'] = [];
  const handled = new Map<string, Promise<void>>();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== path)
      return answer(res, 404, { error: 'not found' });
    const body = await readBody(req);
    if (!body) return answer(res, 413, { error: 'body too large' });

    let payload: TicketWebhook;
    try {
      // The raw bytes, not a re-serialised JSON object: the signature covers them exactly.
      payload = verifyWebhook<TicketWebhook>(req.headers, body, options.secret);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      refused.push({ reason: error.reason });
      return answer(res, 401, { error: error.reason });
    }
    // Arbiter delivers at least once and keeps the webhook-id across retries.
    const webhookId = String(req.headers['webhook-id']);
    let work = handled.get(webhookId);
    if (!work) {
      work = (async () => {
        await options.onDecision?.(payload, webhookId);
        received.push({ webhookId, payload });
      })();
      handled.set(webhookId, work);
      // A failed attempt is forgotten, so Arbiter's retry runs it again.
      work.catch(() => handled.delete(webhookId));
    }
    await work;
    answer(res, 204);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('webhook handling failed', error);
      if (!res.headersSent) answer(res, 500, { error: 'handler failed' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}${path}`,
    received,
    refused,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
