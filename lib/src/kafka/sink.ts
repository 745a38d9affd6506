import type { Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import { makeProducerHolder } from './producer-holder.js';
import type { OutRecord } from './records.js';

/** What the sink needs of a kafkajs producer. */
export type SinkProducer = Pick<Producer, 'connect' | 'disconnect' | 'send'>;

export interface KafkaSink {
  /** Sends records with acks=all; resolves only once Kafka acknowledged all of them. */
  send(records: readonly OutRecord[]): Promise<void>;
  /** Whether a connected producer is ready for sends. */
  isReady: () => boolean;
  /** Connects in the background, retrying until it works or `stop`. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Sends to one topic through a producer that connects in the background and is replaced after
 * any failed send (see makeProducerHolder). While none is connected, `send` fails at once with
 * a retriable error instead of waiting: the handler answers 503 and the sender retries.
 */
export function makeKafkaSink(deps: {
  makeProducer: () => SinkProducer;
  topic: string;
  /** Broker-side wait for the in-sync replicas' acknowledgement. */
  ackTimeoutMs: number;
  logger: Logger;
  backoff?: { baseMs: number; capMs: number };
}): KafkaSink {
  const holder = makeProducerHolder({
    makeProducer: deps.makeProducer,
    connect: 'background',
    logger: deps.logger.child({ component: 'kafka-sink', topic: deps.topic }),
    backoff: deps.backoff,
  });
  return {
    async send(records) {
      const messages = records.map((r) => ({ key: r.key, value: r.value, headers: r.headers }));
      await holder.send((p) => p.send({ topic: deps.topic, acks: -1, timeout: deps.ackTimeoutMs, messages }));
    },
    isReady: () => holder.isReady(),
    start: () => holder.start(),
    stop: () => holder.stop(),
  };
}
