export * from './attempt.js';
export * from './retry.js';
export * from './transport.js';
