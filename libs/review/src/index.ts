export * from './assignment.repository.js';
export * from './claim.repository.js';
export * from './queue-stats.repository.js';
export * from './review.service.js';
export * from './review.module.js';
export * from './sla.repository.js';
