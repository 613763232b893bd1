export * from './calibration.js';
export * from './cusum.js';
export * from './interval.js';
export * from './json-paths.js';
export * from './random.js';
export * from './threshold.js';
export * from './agreement.js';
