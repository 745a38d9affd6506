import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import pg from 'pg';
import { TOPICS, generateSecret, signatureHeaders, type SignatureScheme } from '@hookpipe/lib';

import { pollUntil, unique, mapLimit } from '../support/poll.js';

export { pollUntil, unique, mapLimit };

export const eventBody = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    type: 'order.created',
    timestamp: new Date().toISOString(),
    data: { order_id: randomUUID() },
    ...extra,
  });

/** A signed POST /webhook request (Standard Webhooks headers, JSON content type). */
export function signedRequest(
  secret: string | string[],
  options: { id?: string; body?: string; timestamp?: number } = {},
): { id: string; body: string; headers: Record<string, string> } {
  const id = options.id ?? unique('msg_handler');
  const body = options.body ?? eventBody();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      ...signatureHeaders({ id, timestamp, body, secrets: secret }),
    },
  };
}

export async function postWebhook(
  baseUrl: string,
  req: { body: string | Buffer; headers: Record<string, string> },
  timeoutMs = 15_000,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  // The sender's own timeout: a handler tier that hangs longer than this fails the test.
  const res = await fetch(`${baseUrl}/webhook`, {
    method: 'POST',
    body: req.body,
    headers: req.headers,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, headers: res.headers };
}

/** Receiver secrets written straight into the table the consumer's /secrets API manages. */
export function secretsTable(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Suites stop PostgreSQL on purpose: an idle client dropping then is expected, not a crash.
  pool.on('error', () => undefined);
  return {
    async add(
      customerId: string,
      secret = generateSecret(),
      scheme: SignatureScheme = 'standard-webhooks',
    ): Promise<{ id: string; secret: string }> {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO receiver_secrets (customer_id, secret, label, signature_scheme) VALUES ($1, $2, $3, $4)
         RETURNING id::text AS id`,
        [customerId, secret, 'test/handler', scheme],
      );
      return { id: rows[0]!.id, secret };
    },
    async remove(id: string): Promise<void> {
      await pool.query('DELETE FROM receiver_secrets WHERE id = $1', [id]);
    },
    end: () => pool.end(),
  };
}

/**
 * Waits until every handler replica knows `secret`: a signed body that is not JSON gets 400
 * (signature verified, then the shape refused) once the key is known and 401 before, and it
 * never reaches Kafka either way.
 */
export async function waitUntilKnown(handlerUrls: readonly string[], secret: string, timeoutMs = 5000) {
  for (const url of handlerUrls) {
    await pollUntil(
      async () => (await postWebhook(url, signedRequest(secret, { body: 'probe, not json' }))).status === 400,
      { timeoutMs, what: `${url} to know a new secret` },
    );
  }
}

export interface SeenRecord {
  key: string | undefined;
  value: Buffer;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

const headerStrings = (headers: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : String(v)]),
  );

/**
 * Reads `webhooks.events` from the beginning with a group of its own and indexes records by
 * webhook-id. `caughtUp()` waits until everything written before the call has been read, so
 * "exactly N records" and "no record" are checked against the whole topic, not a time window.
 */
export async function startCollector(brokers: readonly string[]) {
  const kafka = new Kafka({
    clientId: unique('handler-test'),
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: unique('handler-test'), sessionTimeout: 10_000 });
  const byId = new Map<string, SeenRecord[]>();
  const read = new Map<number, bigint>();
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.events, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      const headers = headerStrings(message.headers);
      const id = headers['webhook-id'] ?? '';
      const list = byId.get(id) ?? [];
      list.push({
        key: message.key?.toString('utf8'),
        value: message.value ?? Buffer.alloc(0),
        headers,
        partition,
        offset: message.offset,
      });
      byId.set(id, list);
      read.set(partition, BigInt(message.offset));
      return Promise.resolve();
    },
  });
  return {
    records: (id: string): SeenRecord[] => byId.get(id) ?? [],
    async caughtUp(timeoutMs = 60_000): Promise<void> {
      const admin = kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(TOPICS.events);
      await admin.disconnect();
      await pollUntil(
        () =>
          ends.every(
            (e) => BigInt(e.high) === BigInt(e.low) || (read.get(e.partition) ?? -1n) >= BigInt(e.high) - 1n,
          ),
        { timeoutMs, what: `the test consumer to read ${TOPICS.events} up to its end offsets` },
      );
    },
    stop: () => consumer.disconnect(),
  };
}

/** `process_start_time_seconds` of a replica: unchanged means the process was not restarted. */
export async function processStart(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_start_time_seconds'));
  if (!line) throw new Error(`${url}/metrics has no process_start_time_seconds`);
  return line.split(' ').pop()!;
}

export async function waitReady(urls: readonly string[], timeoutMs = 60_000): Promise<void> {
  for (const url of urls) {
    await pollUntil(async () => (await fetch(`${url}/readyz`)).status === 200, {
      timeoutMs,
      what: `${url}/readyz`,
    });
  }
}
