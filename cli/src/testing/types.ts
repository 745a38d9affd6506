import type { DeliveryRow } from '../scenario/measures.js';
import type { RunOptions, RunReport } from '../scenario/run.js';
import type { FaultKind, ReceiverFaults, Scenario, SignatureScheme } from '../scenario/types.js';
import type { Images } from './images.js';

/** Options shared by both modes. */
interface CommonOptions {
  /**
   * Settings for hookpipe's services, each reading its own (`SENDER_*`, `HANDLER_*`, `CONSUMER_*`),
   * e.g. `{ SENDER_BACKOFF_BASE_MS: '200' }` for quicker retries. Applied to a stack the kit
   * starts; an already running local stack keeps its own.
   */
  env?: Record<string, string>;
  /** Progress lines while starting and stopping (default: none). */
  log?: (message: string) => void;
}

/** `mode: 'local'`: the local stack (Kafka, PostgreSQL and nginx as local processes, no containers). */
export interface LocalOptions extends CommonOptions {
  mode: 'local';
  /**
   * The stack's directory, relative to the hookpipe checkout (default `$STACK_DIR`, else `.stack`).
   * A stack running there (its `stack.env`, a sender that answers) is used and left running;
   * otherwise the kit brings one up there and takes it down in `stop()`.
   */
  stackDir?: string;
  /** For a stack the kit brings up: shifts every port (`STACK_PORT_OFFSET`). */
  portOffset?: number;
  /** For a stack the kit brings up: PostgreSQL's port (`PG_PORT`). */
  pgPort?: number;
}

/**
 * `mode: 'containers'`: PostgreSQL, Kafka and hookpipe's services from the hookpipe image as
 * Testcontainers on a network of their own, published on 127.0.0.1 ports the engine picks.
 */
export interface ContainersOptions extends CommonOptions {
  mode: 'containers';
  /** Images (default `HOOKPIPE_IMAGE`, `KAFKA_IMAGE`, `POSTGRES_IMAGE`, else the official tags). */
  images?: Partial<Pick<Images, 'hookpipe' | 'kafka' | 'postgres'>>;
}

/** What `startHookpipe` takes: where hookpipe runs, and its settings. */
export type StartOptions = LocalOptions | ContainersOptions;

/** A webhook registered at hookpipe's sender. */
export interface Webhook {
  /** The sender's id of the registration (`wh_…`). */
  webhookId: string;
  /** Its customer (hookpipe's receiver knows the secret by it). */
  customerId: string;
  /** The URL as given (or hookpipe's ingress). */
  url: string;
  /** The URL the sender delivers to: `url`, or its translation for a sender in a container. */
  targetUrl: string;
  /** The signing secret (`whsec_…`): give it to your receiver. */
  secret: string;
}

/** A webhook to register (`POST /webhooks` on the sender). */
export interface RegisterOptions {
  /** Where to deliver (default: hookpipe's own ingress, whose receiver is then given the secret). */
  url?: string;
  /** Default: a fresh `kit-…` id, so runs never share a customer. */
  customerId?: string;
  /** Your receiver's own secret (`whsec_…` for standard-webhooks); default: the sender makes one. */
  secret?: string;
  /** How deliveries are signed: `standard-webhooks` (default), `github` or `stripe`. */
  signatureScheme?: SignatureScheme;
  /** Event types it subscribes to (`order.created`, `order.*`); default all. */
  eventTypes?: string[];
  /** Headers sent with every delivery (not the signature's). */
  headers?: Record<string, string>;
  description?: string;
}

/** An emitter's options, as the sender's `POST /emitter/start` takes them. */
export interface EmitterOptions {
  /** Events per second (default the sender's, 0.2). */
  rate?: number;
  /** Complete after this many events. */
  count?: number;
  /** Complete after this long: seconds, or `90s`, `15m`. */
  duration?: number | string;
  /** Types to pick from (default the whole catalog). */
  event_types?: string[];
  /** Its deliveries in flight at once. */
  concurrency?: number;
  /** Shares (0–1) of events sent as faults: `{ bad_signature: 0.2 }`. */
  faults?: Partial<Record<FaultKind, number>>;
  /** Shares of events hookpipe's consumer fails once or twice (`retry`) or always (`dead`). */
  simulate?: { retry?: number; dead?: number };
}

/** An emitter as the sender shows it (its counters among the rest). */
export interface Emitter {
  emitter_id: string;
  status: string;
  counters: { sent: number; delivered: number; failed: number; pending: number; retrying: number };
  [field: string]: unknown;
}

/** A webhook's deliveries as the sender recorded them. */
export interface Deliveries {
  /** Distinct message ids (the `webhook-id` header) that got a 2xx. */
  delivered: string[];
  /** Deliveries without a final outcome yet (pending or held). */
  pending: number;
  /** Every delivery, newest first, as `GET /webhooks/{id}/deliveries` shows it. */
  rows: DeliveryRow[];
}

/** What the sender got a 2xx for, against what a receiver stored. */
export interface Reconciliation {
  /** Nothing missing, duplicated or unexpected. */
  ok: boolean;
  /** Message ids the sender got a 2xx for. */
  delivered: number;
  /** Delivered, but not stored (nor, for hookpipe's receiver, dead-lettered). */
  missing: string[];
  /** Stored more than once (or, for hookpipe's receiver, both stored and dead-lettered). */
  duplicated: string[];
  /** Stored, but never sent, or sent only as a fault meant to be refused. */
  unexpected: string[];
  /** Deliveries still without an outcome: reconcile again once there are none. */
  pending: number;
}

/** Drives hookpipe: every call goes to its APIs with its keys. */
export interface HookpipeApi {
  /**
   * Registers a webhook. In containers mode a URL on this machine's loopback (127.0.0.1,
   * localhost) is passed on through the container network's gateway, so a receiver listening on
   * 127.0.0.1 gets the sender's requests as they are.
   */
  registerWebhook(options?: RegisterOptions): Promise<Webhook>;
  /** Starts the webhook's emitter (one per webhook; starting a running one returns it). */
  startEmitter(webhook: Webhook, options?: EmitterOptions): Promise<Emitter>;
  /** Stops the webhook's emitter; events it already queued are still delivered. */
  stopEmitter(webhook: Webhook): Promise<void>;
  /** Sends one catalog event (`order.created`…) to the webhook now; `overrides` merge into its data. */
  trigger(
    webhook: Webhook,
    event: { type: string; overrides?: Record<string, unknown> },
  ): Promise<{ eventId: string; messageId: string }>;
  /**
   * Waits until `count` of the webhook's events (distinct message ids) got a 2xx; without
   * `count`, until its emitter has ended (give it a `count` or `duration`, or stop it) and no
   * delivery is pending any more: every event sent has its outcome. Throws at `timeoutMs`
   * (default 60 s) with what the sender recorded so far.
   */
  waitForDelivered(webhook: Webhook, options?: { count?: number; timeoutMs?: number }): Promise<Deliveries>;
  /**
   * Compares what the sender got a 2xx for with what a receiver stored: `stored` is your
   * receiver's message ids, one per stored row. Without it, hookpipe's own receiver is read (its
   * events and dead letters), again until nothing is missing or pending or `timeoutMs` (default
   * 30 s) passes: its consumer stores an event shortly after the ingress answered.
   */
  reconcile(
    webhooks: Webhook | readonly Webhook[],
    options?: { stored?: readonly string[]; timeoutMs?: number },
  ): Promise<Reconciliation>;
  /** Runs a scenario (a parsed one, or a file's path) against this hookpipe; see docs/scenarios.md. */
  runScenario(scenario: Scenario | string, options?: Omit<RunOptions, 'endpoints'>): Promise<RunReport>;
  /** Sets (or, with null, lifts) the fault profile hookpipe's receiver applies to the webhook's customer. */
  setFaultProfile(webhook: Webhook, profile: ReceiverFaults | null): Promise<void>;
}

/** A running hookpipe, from `startHookpipe`. */
export interface Hookpipe {
  /** Where it runs (the option it was started with). */
  mode: 'local' | 'containers';
  /** Where this machine reaches the sender, hookpipe's ingress (`POST /webhook`) and its consumer. */
  urls: { sender: string; ingress: string; consumer: string };
  /** `X-API-Key` values of the sender's and the receiver's management APIs. */
  keys: { sender: string; receiver: string };
  /** PostgreSQL URLs of the sender's and the receiver's databases, as this machine reaches them. */
  databases: { sender: string; receiver: string };
  /** Drives it: webhooks, emitters, waiting, reconciling, scenarios, fault profiles. */
  api: HookpipeApi;
  /** Stops what the kit started (containers, a stack it brought up); safe to call twice. */
  stop: () => Promise<void>;
}
