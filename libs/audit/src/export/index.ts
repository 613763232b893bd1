export * from './audit-export.repository.js';
export * from './audit-export.service.js';
export * from './decision-export-query.dto.js';
export * from './decision-export.sql.js';
export * from './event-export-query.dto.js';
export * from './export-filters.js';
export * from './export-validators.js';
export * from './iso-time.js';
