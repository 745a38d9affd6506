// The HTTP API kit (`@hookpipe/lib/api`): a subpath of its own, so that a service without an
// OpenAPI API (the handler) never loads @hono/zod-openapi.
export * from './body.js';
export * from './cursor.js';
export * from './docs.js';
export * from './errors.js';
export * from './fields.js';
export * from './keys/index.js';
export * from './on-error.js';
export * from './route.js';
export * from './scheme-secret.js';
