export * from './client.js';
export * from './idle-loop.js';
export * from './lag.js';
export * from './log.js';
export * from './producer-holder.js';
export * from './publisher.js';
export * from './records.js';
export * from './sink.js';
