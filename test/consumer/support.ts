import { Kafka, Partitioners, logLevel, type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { HEADERS, TOPICS, headerString } from '@hookpipe/lib';

import { pollUntil, unique } from '../support/poll.js';

export { pollUntil, unique };

export interface TestEvent {
  webhookId: string;
  customerId: string;
  type: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** A record exactly as the handler writes it to webhooks.events (see DESIGN.md). */
export function handlerRecord(options: {
  customerId: string;
  webhookId?: string;
  type?: string;
  data?: Record<string, unknown>;
  body?: string;
}): TestEvent {
  const webhookId = options.webhookId ?? unique('msg_consumer');
  const type = options.type ?? 'order.created';
  const now = new Date();
  const value =
    options.body ?? JSON.stringify({ type, timestamp: now.toISOString(), data: options.data ?? { n: 1 } });
  return {
    webhookId,
    customerId: options.customerId,
    type,
    key: options.customerId,
    value,
    headers: {
      [HEADERS.webhookId]: webhookId,
      [HEADERS.eventType]: type,
      [HEADERS.customerId]: options.customerId,
      [HEADERS.receivedAt]: now.toISOString(),
      [HEADERS.requestId]: unique('req'),
      [HEADERS.signedAt]: String(Math.floor(now.getTime() / 1000)),
      [HEADERS.retryCount]: '0',
    },
  };
}

const kafkaFor = (brokers: readonly string[]) =>
  new Kafka({ clientId: unique('consumer-test'), brokers: [...brokers], logLevel: logLevel.NOTHING });

/** An idempotent producer writing to webhooks.events, keyed by customer like the handler. */
export async function eventProducer(brokers: readonly string[]) {
  const producer = kafkaFor(brokers).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async send(events: readonly TestEvent[]): Promise<void> {
      if (events.length === 0) return;
      await producer.send({
        topic: TOPICS.events,
        acks: -1,
        messages: events.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
      });
    },
    stop: () => producer.disconnect(),
  };
}

export interface SeenRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

const toSeen = (topic: string, partition: number, m: KafkaMessage): SeenRecord => {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(m.headers ?? {})) headers[name] = headerString(m.headers, name) ?? '';
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString() ?? null,
    value: m.value?.toString() ?? null,
    headers,
  };
};

/** Reads a topic from the beginning under a throwaway group, collecting every record. */
export async function topicReader(brokers: readonly string[], topic: string) {
  const consumer = kafkaFor(brokers).consumer({
    groupId: unique('consumer-test-reader'),
    maxWaitTimeInMs: 200,
  });
  const seen: SeenRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      seen.push(toSeen(topic, partition, message));
      return Promise.resolve();
    },
  });
  return {
    /** Records whose webhook-id header is `webhookId`. */
    of: (webhookId: string) => seen.filter((r) => r.headers[HEADERS.webhookId] === webhookId),
    stop: () => consumer.disconnect(),
  };
}

/** The receiver database, for counting what the consumer wrote. */
export function receiverDb(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return {
    pool,
    async count(sql: string, params: unknown[]): Promise<number> {
      const res = await pool.query<{ n: string }>(sql, params);
      return Number(res.rows[0]?.n ?? 0);
    },
    end: () => pool.end(),
  };
}

/** Calls the consumer's API with the receiver key. */
export function receiverApi(consumerUrl: string, apiKey: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${consumerUrl}${path}`, {
      method,
      headers: { 'X-API-Key': apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: (text ? JSON.parse(text) : null) as Record<string, unknown> & { data?: unknown[] },
    };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}

/** Waits until the consumer is in its group and its database answers. */
export async function waitConsumerReady(consumerUrl: string, timeoutMs = 60_000): Promise<void> {
  await pollUntil(
    async () => {
      const res = await fetch(`${consumerUrl}/readyz`, { signal: AbortSignal.timeout(3000) });
      await res.body?.cancel();
      return res.ok;
    },
    { timeoutMs, what: `${consumerUrl}/readyz to answer 200` },
  );
}
