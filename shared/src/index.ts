export * from './errors.js';
export * from './result.js';
export * from './ids.js';
export * from './clock.js';
export * from './log.js';
