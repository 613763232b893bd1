import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from './errors.js';
import type { WebhookPayload } from './types.js';

/** A fetch `Headers` object, or Node's `IncomingHttpHeaders` (or any plain object of header names). */
export type WebhookHeaders =
  { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way. */
  toleranceSeconds?: number;
  /** The current time (a Date, or milliseconds since the epoch); defaults to the clock. */
  now?: Date | number;
}

const SECRET_PREFIX = 'whsec_';

/**
 * Standard Webhooks verification of a request Arbiter sent: the HMAC-SHA256 of `id.timestamp.body`, keyed
 * with the base64-decoded secret after `whsec_`, must match one of the `v1,` signatures, and the
 * timestamp must be within the tolerance. Pass the body exactly as received (before any JSON parsing).
 * Resolves to the parsed payload; throws a `WebhookVerificationError` otherwise.
 */
export function verifyWebhook<T = WebhookPayload>(
  headers: WebhookHeaders,
  rawBody: string | Uint8Array,
  secret: string,
  options: VerifyWebhookOptions = {},
): T {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError(
      'MISSING_HEADER',
      'webhook-id, webhook-timestamp and webhook-signature are required',
    );
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError(
      'INVALID_TIMESTAMP',
      'webhook-timestamp is not a Unix time in seconds',
    );
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor(Number(options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_OUT_OF_TOLERANCE',
      `webhook-timestamp is more than ${tolerance} s away from now`,
    );
  }

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const expected = hmac(secret, id, timestamp, body);
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const candidate = Buffer.from(signature, 'base64');
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  if (!matches) throw new WebhookVerificationError('NO_MATCHING_SIGNATURE', 'no webhook-signature matches');

  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new WebhookVerificationError('INVALID_PAYLOAD', 'the signed body is not JSON');
  }
}

/**
 * The `webhook-signature` value Arbiter would send for this message: for a receiver's own tests.
 * `timestamp` is in Unix seconds.
 */
export function signWebhook(secret: string, id: string, timestamp: number, rawBody: string | Uint8Array) {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  return `v1,${hmac(secret, id, String(timestamp), body).toString('base64')}`;
}

function hmac(secret: string, id: string, timestamp: string, body: Buffer): Buffer {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  if (key.length === 0) throw new WebhookVerificationError('INVALID_SECRET', 'the webhook secret is empty');
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (isFetchHeaders(headers)) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

function isFetchHeaders(headers: WebhookHeaders): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === 'function';
}
