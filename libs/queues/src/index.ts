export * from './queue.js';
export * from './queue.repository.js';
export * from './queue.service.js';
export * from './queues.module.js';
