export * from './session-ticket.js';
