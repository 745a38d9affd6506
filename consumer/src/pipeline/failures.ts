import type { IHeaders } from 'kafkajs';
import { HEADERS, TOPICS, headerInt, headerString } from '@hookpipe/lib';
import type { DeadLetterRow, FailureRow } from '../store/pipeline-store.js';
import { deadLetterHeaders, firstFailedAt, headersToStrings, retryHeaders } from './headers.js';
import { decideFailure, type RetryPolicy } from './retry-policy.js';
import type { Failure, SourceRecord, WebhookEvent } from './types.js';

/** A record on its way to the retry topic or the dead-letter topic. */
export interface OutgoingRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** Everything one failed record turns into: the record to publish and the rows to write. */
export interface FailurePlan {
  outgoing: OutgoingRecord;
  failureRow: FailureRow;
  deadLetter: DeadLetterRow | null;
  action: 'retry' | 'dead_letter';
}

/** Webhook id for a record whose header is missing, so its failure can still be recorded. */
export const unknownWebhookId = (r: SourceRecord): string => `unknown:${r.topic}:${r.partition}:${r.offset}`;

/**
 * Plans what a failed record becomes: a requeue with `retry_count` + 1 and a not-before time, or
 * (retries spent, or poison) a dead letter with the `dlt-*` headers and a `dead_letters` row.
 * Key and body are passed on unchanged.
 */
export function planFailure(input: {
  record: SourceRecord;
  event: WebhookEvent | undefined;
  failure: Failure;
  now: Date;
  policy: RetryPolicy;
  consumerGroup: string;
}): FailurePlan {
  const { record, event, failure, now } = input;
  const webhookId =
    event?.webhookId ?? headerString(record.headers, HEADERS.webhookId) ?? unknownWebhookId(record);
  const retryCount = event?.retryCount ?? headerInt(record.headers, HEADERS.retryCount, 0);
  const decision = decideFailure({
    retryCount,
    poison: failure.poison,
    now: now.getTime(),
    policy: input.policy,
  });
  const coords = { topic: record.topic, partition: record.partition, offset: record.offset };
  const failureRow: FailureRow = {
    ...coords,
    webhookId: webhookId.slice(0, 255),
    retryCount,
    errorClass: failure.errorClass,
    errorMessage: failure.message,
    outcome: decision.action,
    notBefore: decision.action === 'retry' ? new Date(decision.notBefore) : null,
    failedAt: now,
  };
  if (decision.action === 'retry') {
    return {
      action: 'retry',
      failureRow,
      deadLetter: null,
      outgoing: {
        topic: TOPICS.retry,
        key: record.key,
        value: record.value,
        headers: retryHeaders(record.headers, {
          retryCount: decision.retryCount,
          notBefore: decision.notBefore,
          failedAt: now,
        }),
      },
    };
  }
  const headers = deadLetterHeaders(record.headers, {
    ...coords,
    timestamp: record.timestamp,
    consumerGroup: input.consumerGroup,
    retryCount,
    failedAt: now,
    errorClass: failure.errorClass,
    errorMessage: failure.message,
  });
  return {
    action: 'dead_letter',
    failureRow,
    outgoing: { topic: TOPICS.dlq, key: record.key, value: record.value, headers },
    deadLetter: {
      ...coords,
      webhookId: failureRow.webhookId,
      customerId: event?.customerId ?? headerString(record.headers, HEADERS.customerId) ?? null,
      eventType: event?.eventType ?? headerString(record.headers, HEADERS.eventType) ?? null,
      retryCount,
      reason: failure.message,
      errorClass: failure.errorClass,
      rawBody: record.value ?? Buffer.alloc(0),
      key: record.key,
      headers: headersToStrings(record.headers),
      firstFailedAt: firstFailedAt(record.headers, now),
      failedAt: now,
    },
  };
}
