export * from './app-config.js';
export * from './config.module.js';
export * from './ed25519-key.js';
