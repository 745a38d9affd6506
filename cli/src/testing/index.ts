/**
 * `hookpipe/testing`: hookpipe in a test suite of yours (vitest, jest). `startHookpipe` starts it
 * (containers or the local stack) and drives it: register a webhook at your receiver, start and
 * stop emitters, run scenarios, wait until events are delivered, reconcile, stop everything.
 * The container pieces below it are exported for suites that assemble a topology of their own.
 */
export { startHookpipe } from './start.js';
export type {
  ContainersOptions,
  Deliveries,
  Emitter,
  EmitterOptions,
  Hookpipe,
  HookpipeApi,
  LocalOptions,
  Reconciliation,
  RegisterOptions,
  StartOptions,
  Webhook,
} from './types.js';
export type { DeliveryRow } from '../scenario/measures.js';
export type { ReceiverFaults, Scenario, SignatureScheme } from '../scenario/types.js';
export type { RunOptions, RunReport } from '../scenario/run.js';
export { DEFAULT_IMAGES, imagesFrom, type Images } from './images.js';
export {
  databaseUrlsAt,
  LoopbackContainer,
  startKafkaContainer,
  startPostgresContainer,
  type NetworkSeat,
  type StartedPart,
} from './containers.js';
export { HOST_GATEWAY_NAME } from './host-gateway.js';
