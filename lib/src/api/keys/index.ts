export * from './auth.js';
export * from './identity.js';
export * from './routes.js';
export * from './store.js';
