export * from './alert.js';
export * from './fold.repository.js';
export * from './monitoring.repository.js';
export * from './monitoring.service.js';
export * from './monitoring-query.dto.js';
export * from './monitoring.module.js';
export * from './stats/index.js';
