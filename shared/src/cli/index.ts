export * from './parse-args.js';
export * from './run-cli.js';
export * from './wait-for-signal.js';
