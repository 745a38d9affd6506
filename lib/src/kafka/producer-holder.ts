import { Partitioners, type Kafka, type Producer, type RetryOptions } from 'kafkajs';
import { delay } from '../clock.js';
import { exponentialBackoff } from '../backoff.js';
import { HookpipeError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';

/** What the holder needs of a kafkajs producer. */
export type Connectable = Pick<Producer, 'connect' | 'disconnect'>;

/**
 * An idempotent producer (a broker-side retry never writes a record twice) with one request in
 * flight (kafkajs needs it for idempotence), no topic auto-creation, and the Java-compatible
 * partitioner so a key lands where other clients put it. `retry` bounds kafkajs' own retries
 * inside one send; after that the send fails and the holder replaces the producer.
 */
export function makeIdempotentProducer(kafka: Kafka, retry: RetryOptions): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry,
  });
}

export interface ProducerHolder<P extends Connectable> {
  /**
   * Runs one send on the current producer and settles with it. A failed send fails with a
   * retriable `HookpipeError` and the producer is replaced; so does a send while none is
   * connected (`background`) or whose connect fails (`on-send`).
   */
  send<T>(fn: (producer: P) => Promise<T>): Promise<T>;
  /** Whether a connected producer is there for the next send. */
  isReady(): boolean;
  /** `background` only: starts connecting, retrying with backoff until it works or `stop`. */
  start(): void;
  /** Disconnects the current producer; later sends fail. A connect in progress is not awaited. */
  stop(): Promise<void>;
}

/**
 * Owns a Kafka producer and replaces it after ANY failed send. A failed request may or may not
 * have been appended, and kafkajs rolls its sequence numbers back: the next batch under the same
 * producer id could be taken for a duplicate and acknowledged without being written. A new
 * producer gets a new producer id, so that cannot happen.
 *
 * `connect: 'background'` (the handler): `start` connects in the background with backoff, and
 * again at once after a failed send; while none is connected a send fails at once instead of
 * waiting. `connect: 'on-send'` (the consumer's publisher): a send connects a producer when there
 * is none, and a failed one is closed before its caller hears of the failure, so a caller that
 * serialises its sends never has two open. Either way an outage is logged once when it starts
 * and once when it ends.
 */
export function makeProducerHolder<P extends Connectable>(options: {
  makeProducer: () => P;
  connect: 'background' | 'on-send';
  logger: Logger;
  /** Between background connect attempts; default 200 ms doubling to 2 s. */
  backoff?: { baseMs: number; capMs: number };
}): ProducerHolder<P> {
  const log = options.logger;
  const backoff = options.backoff ?? { baseMs: 200, capMs: 2000 };
  const background = options.connect === 'background';
  const stopping = new AbortController();
  let producer: P | undefined;
  let connecting: Promise<P | undefined> | undefined;
  let outage = false;
  let attempts = 0;

  const trouble = (err: unknown, message: string) => {
    if (!outage) log.warn({ err: errorMessage(err) }, message);
    outage = true;
  };

  /** One attempt: the connected producer, undefined if stopped meanwhile; throws if it fails. */
  const connectOnce = async (): Promise<P | undefined> => {
    attempts += 1;
    const candidate = options.makeProducer();
    try {
      await candidate.connect();
    } catch (err) {
      trouble(err, 'Kafka producer cannot connect; retrying');
      await candidate.disconnect().catch(() => undefined);
      throw err;
    }
    if (stopping.signal.aborted) {
      await candidate.disconnect().catch(() => undefined);
      return undefined;
    }
    producer = candidate;
    if (outage) log.info({ attempts }, 'Kafka producer reconnected');
    else log.info('Kafka producer connected');
    outage = false;
    attempts = 0;
    return candidate;
  };

  const connectLoop = async (): Promise<P | undefined> => {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      try {
        return await connectOnce();
      } catch {
        await delay(exponentialBackoff(attempt, backoff), stopping.signal);
      }
    }
    return undefined;
  };

  const connect = (how: () => Promise<P | undefined>) =>
    (connecting ??= how().finally(() => {
      connecting = undefined;
    }));

  const stopped = () => new HookpipeError('the Kafka producer is stopped', { retriable: false });

  const current = async (): Promise<P> => {
    if (stopping.signal.aborted) throw stopped();
    if (producer) return producer;
    if (background) throw new HookpipeError('the Kafka producer is not connected', { retriable: true });
    let connected: P | undefined;
    try {
      connected = await connect(connectOnce);
    } catch (err) {
      throw new HookpipeError(`Kafka producer cannot connect: ${errorMessage(err)}`, {
        retriable: true,
        cause: err,
      });
    }
    if (!connected) throw stopped();
    return connected;
  };

  const discard = async (failed: P, err: unknown) => {
    if (producer !== failed) return;
    producer = undefined;
    trouble(err, 'Kafka send failed; replacing the producer');
    const closing = failed.disconnect().catch(() => undefined);
    if (!background) await closing;
    else if (!stopping.signal.aborted) void connect(connectLoop);
  };

  return {
    async send(fn) {
      const p = await current();
      try {
        return await fn(p);
      } catch (err) {
        await discard(p, err);
        throw new HookpipeError(`Kafka did not acknowledge: ${errorMessage(err)}`, {
          retriable: true,
          cause: err,
        });
      }
    },
    isReady: () => producer !== undefined,
    start() {
      if (background && !stopping.signal.aborted) void connect(connectLoop);
    },
    async stop() {
      stopping.abort();
      const p = producer;
      producer = undefined;
      await p?.disconnect();
    },
  };
}
