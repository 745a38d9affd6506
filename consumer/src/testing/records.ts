import type { IHeaders } from 'kafkajs';
import { HEADERS } from '@hookpipe/lib';
import type { SourceRecord } from '../pipeline/types.js';

/** A record in the handler's format, for unit tests. */
export function makeRecord(
  overrides: {
    offset?: string;
    topic?: string;
    partition?: number;
    webhookId?: string;
    customerId?: string;
    body?: unknown;
    rawBody?: Buffer | null;
    headers?: IHeaders;
    retryCount?: number;
  } = {},
): SourceRecord {
  const webhookId = overrides.webhookId ?? `msg_${overrides.offset ?? '0'}`;
  const customerId = overrides.customerId ?? 'cust-1';
  const body = overrides.body ?? { type: 'order.created', timestamp: '2025-01-01T00:00:00Z', data: { n: 1 } };
  return {
    topic: overrides.topic ?? 'webhooks.events',
    partition: overrides.partition ?? 0,
    offset: overrides.offset ?? '0',
    key: Buffer.from(customerId),
    value: overrides.rawBody === undefined ? Buffer.from(JSON.stringify(body)) : overrides.rawBody,
    timestamp: '1735689600000',
    headers: {
      [HEADERS.webhookId]: webhookId,
      [HEADERS.eventType]: 'order.created',
      [HEADERS.customerId]: customerId,
      [HEADERS.receivedAt]: '2025-01-01T00:00:01.000Z',
      [HEADERS.requestId]: 'req-1',
      [HEADERS.signedAt]: '1735689600',
      [HEADERS.retryCount]: String(overrides.retryCount ?? 0),
      ...overrides.headers,
    },
  };
}
