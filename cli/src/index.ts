/** The hookpipe CLI as a library: exit codes, errors, and where a running stack is. */
export { EXIT, UnreachableError, UsageError } from './errors.js';
export { findStackEnv, type FoundStackEnv } from './stack-env.js';
