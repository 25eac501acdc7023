export * from './control-messages.js';
export * from './frame-codec.js';
export * from './link-proof.js';
export * from './enrollment.js';
export * from './session-channel.js';
export * from './frame-inbox.js';
