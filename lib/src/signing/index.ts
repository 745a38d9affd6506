export * from './github.js';
export * from './legacy.js';
export * from './schemes.js';
export * from './standard-webhooks.js';
export * from './stripe.js';
