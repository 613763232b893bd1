export * from './audit-event.js';
export * from './audit.repository.js';
export * from './audit.module.js';
export * from './chain.js';
export * from './chain.repository.js';
export * from './chain-sealer.js';
export * from './export/index.js';
