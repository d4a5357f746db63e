export * from './codes.js';
export * from './frames.js';
export * from './ids.js';
export * from './limits.js';
export * from './reasons.js';
