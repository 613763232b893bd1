export * from './error-code.js';
export * from './domain.error.js';
export * from './limits.js';
export * from './validation.js';
export * from './submit-item.dto.js';
export * from './queue.dto.js';
export * from './identity.dto.js';
export * from './canonical-json.js';
