export * from './logger.js';
export * from './preflight.js';
export * from './shutdown.js';
export * from './metrics.js';
export * from './coalescer.js';
export * from './keyed-throttle.js';
export * from './with-timeout.js';
export * from './slots.js';
