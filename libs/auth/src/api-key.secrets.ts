import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'arb_';

/** A new service key: high-entropy, so a fast hash is enough to store it. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The first characters, kept in clear so admins can tell keys apart. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

/** A Standard Webhooks secret: `whsec_` and the base64 of the HMAC key. */
export function generateWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64');
}
