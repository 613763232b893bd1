// The JSON that crosses the wire, as plain types: the server answers with them, the web app and the SDK
// read them. Nothing here may import a Node, NestJS or validation module: the browser bundle imports it.
export * from './json.js';
export * from './errors.js';
export * from './items.js';
export * from './audit.js';
export * from './queues.js';
export * from './identity.js';
export * from './review.js';
export * from './deliveries.js';
export * from './monitoring.js';
export * from './gold.js';
export * from './webhooks.js';
