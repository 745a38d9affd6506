import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  GITHUB_HEADERS,
  HEADERS,
  SIGNATURE_HEADERS,
  errorMessage,
  errorResponse,
  newId,
  unixSeconds,
  type Clock,
  type Logger,
} from '@hookpipe/lib';
import type { SubmitOutcome } from './batcher.js';
import { isJsonContentType, nodeIncoming, readBodyLimited, readIncomingLimited } from './body.js';
import { checkEvent } from './event-shape.js';
import { applyFault, type FaultDeps } from './fault-apply.js';
import type { Keyring } from './keyring.js';
import type { HandlerMetrics, Outcome } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import { makeHeaderReader } from './request-headers.js';
import { verifyRequest } from './verify.js';

/** One Kafka record as the handler writes it. */
export interface OutRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface WebhookDeps {
  logger: Logger;
  clock: Clock;
  metrics: HandlerMetrics;
  keyring: Pick<Keyring, 'entriesFor' | 'customerEntriesFor' | 'isLoaded'>;
  /** Receiver-side fault profiles (docs/receiver-faults.md: an index; the details are in docs/handler.md); left out, none. */
  faults?: FaultDeps;
  limiter: RateLimiter;
  /** Whether a Kafka producer is connected; when not, answer 503 at once instead of queueing. */
  kafkaReady: () => boolean;
  /** Resolves with the outcome of this record's produce (the micro-batcher). */
  submit: (record: OutRecord) => Promise<SubmitOutcome>;
  draining: () => boolean;
  options: {
    maxBodyBytes: number;
    toleranceSeconds: number;
    legacySignatures: boolean;
    retryAfterSeconds: number;
    /** Log each accepted event at info (LOG_EVENTS); else at debug: one line per request. */
    logEvents?: boolean;
  };
}

const REQUEST_ID_RE = /^[\x21-\x7e]{1,200}$/;
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CUSTOMER_RE = /^[^\x00-\x1f\x7f]{1,255}$/;

const UNAVAILABLE: Record<Exclude<SubmitOutcome, { ok: true }>['reason'], [string, string]> = {
  queue_full: ['overloaded', 'too many events are waiting for Kafka; retry later'],
  timeout: ['kafka_timeout', 'Kafka did not acknowledge the event in time; retry later'],
  failed: ['kafka_unavailable', 'Kafka did not acknowledge the event; retry later'],
  closed: ['shutting_down', 'this handler is shutting down; retry later'],
};

/**
 * `POST /webhook` and `POST /webhook/<customer_id>`: content type → size → signature (over the raw bytes, by its scheme) → event
 * shape → the customer's fault profile, if any → per-customer rate → Kafka. Answers 202 only after
 * Kafka acknowledged this request's record.
 */
export function makeWebhookHandler(deps: WebhookDeps) {
  const { metrics, options } = deps;

  return async (c: Context): Promise<Response> => {
    const header = makeHeaderReader(c);
    const given = header('x-request-id');
    const requestId = given && REQUEST_ID_RE.test(given) ? given : newId('req');
    const idHeader = header(SIGNATURE_HEADERS.id) ?? header(GITHUB_HEADERS.delivery);
    // Made on first use: an accepted event logs nothing unless debug or LOG_EVENTS is on.
    let bindings = { requestId, webhookId: idHeader };
    let childLog: Logger | undefined;
    const log = () => (childLog ??= deps.logger.child(bindings));
    // Draining: the request is still served (the batcher and producer run until the server
    // has closed), and the connection is not reused, so nginx opens its next one elsewhere.
    // Answering 503 instead would make nginx count the replica failed (with http_503 in
    // proxy_next_upstream) or hand the 503 to the sender (without).
    const closing = deps.draining();
    // Only the answers built through `c` need its headers; the 202 carries its own (see below).
    const decorate = () => {
      c.header('X-Request-ID', requestId);
      if (closing) c.header('Connection', 'close');
    };
    metrics.inFlight.inc();

    const answer = (
      outcome: Outcome,
      status: ContentfulStatusCode,
      code: string,
      message: string,
      extra: { details?: unknown; headers?: Record<string, string>; err?: unknown } = {},
    ) => {
      metrics.requests.inc({ outcome });
      // Info, not warn: an outage behind a 503 is logged once by the component that has it.
      const err = extra.err === undefined ? undefined : errorMessage(extra.err);
      log().info({ status, code, ...(err === undefined ? {} : { err }) }, message);
      decorate();
      return errorResponse(c, status, code, message, extra.details, extra.headers);
    };
    const retryLater = (code: string, message: string, err?: unknown) =>
      answer('unavailable', 503, code, message, {
        headers: { 'Retry-After': String(options.retryAfterSeconds) },
        err,
      });

    try {
      const contentType = header('content-type');
      if (!isJsonContentType(contentType)) {
        return answer(
          'unsupported_media_type',
          415,
          'unsupported_media_type',
          `Content-Type must be application/json, got ${contentType ?? 'none'}`,
        );
      }
      const incoming = nodeIncoming(c.env);
      const read = incoming
        ? await readIncomingLimited(incoming, options.maxBodyBytes)
        : await readBodyLimited(c.req.raw, options.maxBodyBytes);
      if (!read.ok) {
        return answer(
          'payload_too_large',
          413,
          'payload_too_large',
          `the body is larger than ${options.maxBodyBytes} bytes`,
          { details: { limit: options.maxBodyBytes, declared: read.declared } },
        );
      }
      // /webhook/<customer_id> names the customer before any HMAC: only its secrets are tried, so
      // the cost does not grow with the number of customers. The bare /webhook tries the keyring.
      const pathCustomer = c.req.param('customer_id');
      if (pathCustomer !== undefined && !CUSTOMER_RE.test(pathCustomer)) {
        return answer(
          'bad_request',
          400,
          'invalid_customer_id',
          'the customer id in the path must be 1-255 characters, no control characters',
        );
      }
      if (!deps.keyring.isLoaded()) {
        return retryLater('keyring_unavailable', 'the secrets are not loaded yet; retry later');
      }

      const verified = verifyRequest({
        header,
        body: read.body,
        keysFor: (scheme) =>
          pathCustomer === undefined
            ? deps.keyring.entriesFor(scheme)
            : deps.keyring.customerEntriesFor(pathCustomer, scheme),
        nowSeconds: unixSeconds(deps.clock),
        toleranceSeconds: options.toleranceSeconds,
        legacy: options.legacySignatures,
      });
      if (!verified.ok) {
        if (verified.reason) metrics.verificationFailures.inc({ reason: verified.reason });
        const outcome = verified.status === 401 ? 'unauthorized' : 'bad_request';
        return answer(outcome, verified.status, verified.code, verified.message, {
          details: verified.details,
          headers: verified.status === 401 ? { 'WWW-Authenticate': 'Webhook-Signature' } : undefined,
        });
      }

      metrics.verified.inc({ scheme: verified.scheme });
      const event = checkEvent(read.body, verified.scheme, verified.eventType);
      if (!event.ok) return answer('bad_request', 400, event.code, event.message, { details: event.details });

      const webhookId = verified.messageId ?? event.bodyId;
      if (webhookId === undefined) {
        return answer(
          'bad_request',
          400,
          'missing_webhook_id',
          `a legacy request needs a ${SIGNATURE_HEADERS.id} header or an event_id in the body`,
        );
      }
      // A Stripe request names its message id only in the body.
      if (idHeader === undefined) {
        bindings = { requestId, webhookId };
        childLog = undefined;
      }
      const customerId = verified.entry.customerId;
      // A fault's answer is built through `c`, so `c` gets its headers first.
      if (deps.faults?.profiles.profileFor(customerId)) {
        decorate();
        const fault = await applyFault(deps.faults, { c, customerId, messageId: webhookId, log: log() });
        if (fault) {
          metrics.injectedFaults.inc({ kind: fault.kind });
          if (fault.response) {
            metrics.requests.inc({ outcome: 'injected_fault' });
            return fault.response;
          }
        }
      }
      // Kafka first: a request we cannot take anyway must not spend the customer's rate.
      if (!deps.kafkaReady()) return retryLater('kafka_unavailable', 'Kafka is not reachable; retry later');
      const rate = deps.limiter.take(customerId);
      if (!rate.ok) {
        return answer('rate_limited', 429, 'rate_limited', `customer ${customerId} is over its rate limit`, {
          headers: { 'Retry-After': String(rate.retryAfterSeconds) },
        });
      }

      const headers: Record<string, string> = {
        [HEADERS.webhookId]: webhookId,
        [HEADERS.eventType]: event.type,
        [HEADERS.customerId]: customerId,
        [HEADERS.receivedAt]: new Date(deps.clock()).toISOString(),
        [HEADERS.requestId]: requestId,
        [HEADERS.retryCount]: '0',
      };
      if (verified.timestamp !== undefined) headers[HEADERS.signedAt] = String(verified.timestamp);
      headers[HEADERS.signatureScheme] = verified.scheme;
      const outcome = await deps.submit({ key: customerId, value: read.body, headers });
      if (!outcome.ok) {
        const [code, message] = UNAVAILABLE[outcome.reason];
        return retryLater(code, message, outcome.reason === 'failed' ? outcome.error : undefined);
      }
      metrics.requests.inc({ outcome: 'accepted' });
      const level = options.logEvents ? 'info' : 'debug';
      if (deps.logger.isLevelEnabled(level)) {
        log()[level]({ customerId, eventType: event.type, scheme: verified.scheme }, 'event accepted');
      }
      return accepted(webhookId, requestId, closing);
    } catch (err) {
      metrics.requests.inc({ outcome: 'error' });
      decorate(); // the app's error handler answers through `c`
      throw err;
    } finally {
      metrics.inFlight.dec();
    }
  };
}

/**
 * The 202, byte for byte what `c.header()` + `c.json()` send (lower-case names in `Headers`'
 * sorted order; @hono/node-server adds Content-Length), built from a plain object: under
 * @hono/node-server a Response made so is written with one `writeHead`, without the two
 * `Headers` objects Hono would make for it.
 */
function accepted(webhookId: string, requestId: string, closing: boolean): Response {
  const body = JSON.stringify({ status: 'accepted', webhook_id: webhookId });
  const headers: Record<string, string> = closing
    ? { connection: 'close', 'content-type': 'application/json', 'x-request-id': requestId }
    : { 'content-type': 'application/json', 'x-request-id': requestId };
  return new Response(body, { status: 202, headers });
}
