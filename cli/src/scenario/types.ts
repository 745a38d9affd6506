/**
 * A scenario as written (YAML or JSON), field names as in the file; `cli/scenario.schema.json`
 * is the published contract these types mirror.
 */
export type SignatureScheme = 'standard-webhooks' | 'github' | 'stripe';

/** Seconds, or `500ms`, `90s`, `15m`, `2h`. */
export type Duration = number | string;

export const FAULT_KINDS = [
  'bad_signature',
  'stale_timestamp',
  'oversized',
  'malformed_json',
  'duplicate_id',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface UrlTarget {
  url: string;
  signature_scheme?: SignatureScheme;
  secret?: string;
  secret_env?: string;
}

export interface EventTypeSpec {
  type: string;
  description?: string;
  schema: Record<string, unknown>;
}

export interface WebhookSpec {
  name: string;
  event_types?: string[];
  signature_scheme?: SignatureScheme;
  max_in_flight?: number;
  headers?: Record<string, string>;
  payload?: Record<string, unknown>;
}

/** The receiver's fault profile (`PUT /faults/{customer_id}` on hookpipe's consumer). */
export interface ReceiverFaults {
  status?: { share: number; code: number; retry_after_s?: number };
  delay?: { share: number; ms: number };
  drop?: { share: number };
  first_attempts?: number;
}

export type PhaseAction = 'settle' | 'replay_dead_letters';

export interface PhaseSpec {
  name: string;
  webhooks?: string[];
  rate?: number;
  ramp?: { from: number; to: number; steps?: number };
  duration?: Duration;
  count?: number;
  concurrency?: number;
  event_types?: string[];
  faults?: Partial<Record<FaultKind, number>>;
  simulate?: { retry?: number; dead?: number };
  receiver_faults?: ReceiverFaults;
  action?: PhaseAction;
  timeout?: Duration;
}

export interface Expectations {
  delivered?: { within: Duration };
  exactly_once?: true;
  dead_letters?: { max: number };
  replayed?: { min: number };
  attempts_per_message?: { max: number };
  latency?: { p50?: Duration; p99?: Duration };
  success_rate?: { min: number };
  answers?: { max_5xx?: number; max_4xx?: number; max_no_answer?: number; no_5xx_outside_injected?: true };
  faults_rejected?: true;
}

export interface Scenario {
  $schema?: string;
  /** Given in the file, else taken from the file's name. */
  name: string;
  description?: string;
  target: 'stack' | UrlTarget;
  event_types?: EventTypeSpec[];
  webhooks: WebhookSpec[];
  phases: PhaseSpec[];
  expect: Expectations;
}

export const isStackTarget = (s: Pick<Scenario, 'target'>): s is Scenario & { target: 'stack' } =>
  s.target === 'stack';

/** Milliseconds of a duration as the schema allows it (seconds, or a number with ms, s, m, h). */
export function durationMs(value: Duration): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!m) return Number.NaN;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
