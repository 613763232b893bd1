export * from './domain-events.js';
export * from './events.module.js';
