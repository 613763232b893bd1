export * from './data-source.js';
export * from './database.js';
export * from './database.module.js';
export * from './database-admin.js';
