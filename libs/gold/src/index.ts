export * from './gold-template.js';
export * from './gold-template.repository.js';
export * from './gold.service.js';
export * from './gold.module.js';
