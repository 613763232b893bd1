import { AppConfig } from '@arbiter/config';
import { Injectable } from '@nestjs/common';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { assertConnectable, CallbackRefused, isAllowListed, vettedLookup } from './connect-policy.js';
import { HostResolver } from './host-resolver.js';
import { type AttemptOutcome, parseRetryAfter } from './retry-policy.js';
import { webhookHeaders } from './webhook-signature.js';

export interface WebhookRequest {
  url: string;
  webhookId: string;
  body: string;
  secret: string;
}

export interface AttemptRecord extends AttemptOutcome {
  /** When the attempt started; its `webhook-timestamp`. */
  at: Date;
  durationMs: number;
}

const USER_AGENT = 'Arbiter-Webhooks/1';

/**
 * Sends one signed webhook attempt. Only the status line counts: 2xx is success, anything else (a redirect
 * included: it is never followed) a failure; no answer within WEBHOOK_TIMEOUT_MS is a failure too. The SSRF
 * policy runs here, at connect time, on the addresses actually connected to.
 */
@Injectable()
export class WebhookSender {
  constructor(
    private readonly config: AppConfig,
    private readonly resolver: HostResolver,
  ) {}

  async send(webhook: WebhookRequest): Promise<AttemptRecord> {
    const at = new Date();
    const started = performance.now();
    const done = (outcome: AttemptOutcome): AttemptRecord => ({
      ...outcome,
      at,
      durationMs: Math.round(performance.now() - started),
    });
    try {
      const response = await this.post(webhook, at);
      const statusCode = response.statusCode ?? 0;
      const location = response.headers.location;
      const error =
        statusCode >= 200 && statusCode < 300
          ? null
          : statusCode >= 300 && statusCode < 400
            ? `redirect not followed${location ? ` (Location: ${String(location).slice(0, 200)})` : ''}`
            : `HTTP ${statusCode}`;
      return done({ statusCode, error, retryAfterMs: parseRetryAfter(response.headers['retry-after']) });
    } catch (error) {
      return done({ statusCode: null, error: describe(error), retryAfterMs: null });
    }
  }

  private post(webhook: WebhookRequest, at: Date): Promise<IncomingMessage> {
    const url = new URL(webhook.url);
    const allowed = isAllowListed(url, this.config.WEBHOOK_ALLOW_HOSTS);
    assertConnectable(url, allowed);
    const body = Buffer.from(webhook.body);
    const timeoutMs = this.config.WEBHOOK_TIMEOUT_MS;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method: 'POST',
        // A fresh connection each time: a pooled socket would skip the lookup, and with it the vetting.
        agent: false,
        lookup: vettedLookup((host) => this.resolver.resolve(host), allowed),
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': USER_AGENT,
          ...webhookHeaders(webhook.secret, webhook.webhookId, webhook.body, at),
        },
      });
      const timer = setTimeout(() => req.destroy(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      req.once('response', (response) => {
        clearTimeout(timer);
        // Only the status line and headers matter; the body is not read.
        response.on('error', () => undefined);
        response.destroy();
        req.destroy();
        resolve(response);
      });
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(body);
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof CallbackRefused) return error.message;
  const e = error as NodeJS.ErrnoException;
  const message = e?.message || String(error);
  return (e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message).slice(0, 500);
}
