export * from './item.js';
export * from './item.repository.js';
export * from './ingest.service.js';
export * from './ingest.module.js';
export * from './uuid-v7.js';
export * from './admission-control.js';
