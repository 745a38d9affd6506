export {
  consumerParts,
  handlerParts,
  kafkaParts,
  openContext,
  partKind,
  REPO_ROOT,
  scaleOf,
  senderParts,
  type PartName,
  type StackContext,
  type StackState,
} from './context.js';
export { scaleHandlers } from './scale.js';
export {
  allParts,
  clean,
  down,
  livePid,
  setNginxReplicas,
  startPart,
  stackEnv,
  status,
  stopPart,
  up,
  type PartStatus,
} from './stack.js';
export { renderTemplate, readEnvFile } from './nginx.js';
export { resolvePorts, type StackPorts, type StackScale } from './ports.js';
export { processTree, sleep, statFields, waitUntil } from './proc.js';
export {
  formatReport,
  reconcile,
  reconcileOk,
  reconcileWhenSettled,
  type ReconcileReport,
  type ReconcileScope,
} from './reconcile.js';
export { waitUntilSecretKnown } from './probe.js';
export { logFiles, makeFollower, readBacklog, type LogLine, type LogSelection } from './log-follow.js';
export { formatLine, partColours, partOf, partWanted, useColor } from './log-format.js';
export {
  collectStackSecrets,
  formatLeaks,
  logOffsets,
  scanForSecrets,
  stackLogFiles,
  type KnownSecret,
  type SecretLeak,
} from './secret-scan.js';
