export * from './types.js';
export * from './errors.js';
export type { RetryPolicy } from './retry.js';
export * from './verify-webhook.js';
export * from './arbiter.client.js';
