export * from './review-jobs.js';
export * from './review-dispatcher.js';
export * from './pending-item.repository.js';
export * from './reconciler.js';
export * from './dispatch.module.js';
export * from './review-job.reader.js';
export * from './lease-timer.js';
