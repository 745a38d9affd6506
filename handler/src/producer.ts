import { logLevel, type LogEntry, type Message, type Producer, type logCreator } from 'kafkajs';
import {
  HookpipeError,
  delay,
  errorMessage,
  exponentialBackoff,
  kafkaLogCreator,
  type Logger,
} from '@hookpipe/lib';

/** One Kafka record as the handler writes it. */
export interface OutRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** What the sink needs of a kafkajs producer. */
export type ProducerLike = Pick<Producer, 'connect' | 'disconnect' | 'send'>;

export interface KafkaSink {
  /** Sends records with acks=all; resolves only once Kafka acknowledged all of them. */
  send(records: readonly OutRecord[]): Promise<void>;
  /** Whether a connected producer is ready for sends. */
  isReady: () => boolean;
  /** Connects in the background, retrying until it works or `stop`. */
  start(): void;
  stop(): Promise<void>;
}

export const sizeOfRecord = (r: OutRecord): number => {
  let size = r.value.length + Buffer.byteLength(r.key) + 64;
  for (const [k, v] of Object.entries(r.headers)) size += k.length + Buffer.byteLength(v) + 8;
  return size;
};

const CONNECTION_TROUBLE =
  /Connection error|ECONNREFUSED|ECONNRESET|Connection timeout|Closed connection|Failed to connect to seed broker/i;

/**
 * kafkajs' logs through our logger, with two changes. Its warning that limited retries may break
 * idempotence is dropped: the sink bounds retries on purpose and replaces the producer after a
 * failure, which is what keeps idempotence intact (see makeKafkaSink). Its per-attempt
 * connection errors go to debug: the sink logs an outage once when it starts and once when it ends.
 */
export function handlerKafkaLogCreator(logger: Logger): logCreator {
  const base = kafkaLogCreator(logger);
  return () => {
    const write = base();
    return (entry: LogEntry) => {
      const error = (entry.log as { error?: unknown }).error;
      const text = `${entry.log.message} ${typeof error === 'string' ? error : ''}`;
      if (text.startsWith('Limiting retries for the idempotent producer')) return;
      write(CONNECTION_TROUBLE.test(text) ? { ...entry, level: logLevel.DEBUG } : entry);
    };
  };
}

/**
 * Owns the handler's Kafka producer. After ANY failed send the producer is thrown away and a
 * new one connects: the failed request may or may not have been appended, and an idempotent
 * producer that reused its sequence numbers for the next batch could have that batch taken
 * for a duplicate and acknowledged without being written. A fresh producer gets a fresh
 * producer id, so that cannot happen; the failed batch's callers get an error (503 → the
 * sender retries; the consumer dedupes on webhook-id). While no producer is ready, `send`
 * fails at once instead of waiting.
 */
export function makeKafkaSink(deps: {
  makeProducer: () => ProducerLike;
  topic: string;
  /** Broker-side wait for the in-sync replicas' acknowledgement. */
  ackTimeoutMs: number;
  logger: Logger;
  backoff?: { baseMs: number; capMs: number };
}): KafkaSink {
  const log = deps.logger.child({ component: 'kafka-sink', topic: deps.topic });
  const backoff = deps.backoff ?? { baseMs: 200, capMs: 2000 };
  let producer: ProducerLike | undefined;
  let ready = false;
  let connecting: Promise<void> | undefined;
  let outage = false;
  const stopping = new AbortController();

  const connectLoop = async () => {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      const candidate = deps.makeProducer();
      try {
        await candidate.connect();
        if (stopping.signal.aborted) {
          await candidate.disconnect().catch(() => undefined);
          return;
        }
        producer = candidate;
        ready = true;
        if (outage) log.info({ attempts: attempt + 1 }, 'Kafka producer reconnected');
        else log.info('Kafka producer connected');
        outage = false;
        return;
      } catch (err) {
        if (!outage) log.warn({ err: errorMessage(err) }, 'Kafka producer cannot connect; retrying');
        outage = true;
        await candidate.disconnect().catch(() => undefined);
        await delay(exponentialBackoff(attempt, backoff), stopping.signal);
      }
    }
  };

  const reconnect = () => {
    connecting ??= connectLoop().finally(() => {
      connecting = undefined;
    });
  };

  const broken = (failed: ProducerLike, err: unknown) => {
    if (producer !== failed) return;
    producer = undefined;
    ready = false;
    if (!outage) log.warn({ err: errorMessage(err) }, 'Kafka send failed; replacing the producer');
    outage = true;
    void failed.disconnect().catch(() => undefined);
    if (!stopping.signal.aborted) reconnect();
  };

  return {
    async send(records) {
      const current = producer;
      if (!ready || !current) {
        throw new HookpipeError('the Kafka producer is not connected', { retriable: true });
      }
      const messages: Message[] = records.map((r) => ({ key: r.key, value: r.value, headers: r.headers }));
      try {
        await current.send({ topic: deps.topic, acks: -1, timeout: deps.ackTimeoutMs, messages });
      } catch (err) {
        broken(current, err);
        throw new HookpipeError(`Kafka did not acknowledge: ${errorMessage(err)}`, {
          retriable: true,
          cause: err,
        });
      }
    },
    isReady: () => ready,
    start: reconnect,
    async stop() {
      // A connect attempt still running is not awaited (during an outage kafkajs may take many
      // seconds to give up); the loop disconnects its candidate itself once it sees the abort.
      stopping.abort();
      const current = producer;
      producer = undefined;
      ready = false;
      await current?.disconnect();
    },
  };
}
