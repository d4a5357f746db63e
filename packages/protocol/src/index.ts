export * from './close.js';
export * from './codec.js';
export * from './codes.js';
export * from './frames.js';
export * from './ids.js';
export * from './limits.js';
export * from './reasons.js';
export * from './requests.js';
