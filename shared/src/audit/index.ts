export * from './catalogue.js';
export * from './audit-event.js';
export * from './verify-chain.js';
export * from './audit-log.js';
export * from './audit-migrations.js';
