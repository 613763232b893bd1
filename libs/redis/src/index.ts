export * from './redis-connections.js';
export * from './redis.module.js';
