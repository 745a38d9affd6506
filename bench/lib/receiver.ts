import pg from 'pg';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { TOPICS } from '@hookpipe/lib';
import type { BenchCustomer } from './signed.js';

/** Installs each customer's secret on the receiver (`POST /secrets`), as a user would, unless there. */
export async function installSecrets(
  consumerUrl: string,
  apiKey: string,
  customers: BenchCustomer[],
): Promise<void> {
  for (const c of customers) {
    const res = await fetch(`${consumerUrl}/secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ customer_id: c.id, secret: c.secret, label: 'bench' }),
    });
    // The sender's register installs a webhook's secret on the receiver itself: already there is fine.
    if (res.status === 409) continue;
    if (res.status !== 201) throw new Error(`POST /secrets answered ${res.status}: ${await res.text()}`);
  }
}

/** Removes the bench's secrets again (straight from the table: the API lists no values). */
export async function removeSecrets(databaseUrl: string, customerIds: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('DELETE FROM receiver_secrets WHERE customer_id = ANY($1)', [customerIds]);
  } finally {
    await client.end();
  }
}

/**
 * Moves the consumer group past everything now in `webhooks.events` (the group must have no
 * live member): the ingest bench's records are load, not events anyone wants persisted.
 */
export async function skipBacklog(brokers: string, groupId = 'hookpipe-consumer'): Promise<void> {
  await withKafkaAdmin(brokers, async (admin) => {
    const ends = await admin.fetchTopicOffsets(TOPICS.events);
    await admin.setOffsets({
      groupId,
      topic: TOPICS.events,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  });
}

/** Runs `fn` with a connected Kafka admin client, and disconnects it. */
export async function withKafkaAdmin<T>(brokers: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'bench-admin',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}
