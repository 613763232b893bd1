export * from './callback-url.policy.js';
