/**
 * hookpipe's scenario runner as a typed API: `loadScenario` validates a file, `runScenario`
 * sends, breaks, measures and judges, and the report types describe what comes back.
 */
export { EXIT, UnreachableError, UsageError } from './errors.js';
export { ApiCallError } from './scenario/api.js';
export type { PhaseRecord, Step } from './scenario/drive.js';
export { formatProgress, formatReportText, formatVerdict } from './scenario/format.js';
export { formatIssue, ScenarioError, type ScenarioIssue } from './scenario/issues.js';
export { toJunit } from './scenario/junit.js';
export { loadScenario, parseScenario, SCENARIO_SCHEMA_PATH } from './scenario/load.js';
export type { AnswerCounts, DeliveryRow, Measurements } from './scenario/measures.js';
export type { Progress } from './scenario/progress.js';
export { runScenario, type Endpoints, type RunOptions, type RunReport } from './scenario/run.js';
export type { OnWebhook, RunWebhook } from './scenario/setup.js';
export type * from './scenario/types.js';
export { judge, type VerdictLine } from './scenario/verdict.js';
export { findStackEnv, type FoundStackEnv } from './stack-env.js';
