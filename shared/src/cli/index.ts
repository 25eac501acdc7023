export * from './parse-args.js';
export * from './run-cli.js';
