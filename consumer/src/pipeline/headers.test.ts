import { describe, expect, it } from 'vitest';
import { HEADERS } from '@hookpipe/lib';
import {
  MAX_ERROR_MESSAGE_LENGTH,
  deadLetterHeaders,
  headersToStrings,
  notBefore,
  replayHeaders,
  retryHeaders,
} from './headers.js';

const original = {
  [HEADERS.webhookId]: Buffer.from('msg_1'),
  [HEADERS.customerId]: Buffer.from('cust'),
  [HEADERS.retryCount]: Buffer.from('0'),
};
const failedAt = new Date('2025-01-01T00:00:00.000Z');

describe('retryHeaders', () => {
  it('replaces retry_count (never appends) and sets not-before and first-failed-at', () => {
    const h = headersToStrings(retryHeaders(original, { retryCount: 1, notBefore: 1234, failedAt }));
    expect(h).toEqual({
      [HEADERS.webhookId]: 'msg_1',
      [HEADERS.customerId]: 'cust',
      [HEADERS.retryCount]: '1',
      [HEADERS.notBefore]: '1234',
      [HEADERS.firstFailedAt]: '2025-01-01T00:00:00.000Z',
    });
  });

  it('keeps first-failed-at from an earlier retry and replaces a repeated retry_count', () => {
    const earlier = {
      ...original,
      [HEADERS.retryCount]: [Buffer.from('1'), Buffer.from('1')],
      [HEADERS.firstFailedAt]: Buffer.from('2024-12-31T00:00:00.000Z'),
    };
    const h = retryHeaders(earlier, { retryCount: 2, notBefore: 99, failedAt });
    expect(h[HEADERS.retryCount]).toBe('2');
    expect(headersToStrings(h)[HEADERS.firstFailedAt]).toBe('2024-12-31T00:00:00.000Z');
  });
});

describe('deadLetterHeaders', () => {
  it('adds the dlt-* headers and keeps the rest', () => {
    const h = headersToStrings(
      deadLetterHeaders(original, {
        topic: 'webhooks.events.retry',
        partition: 2,
        offset: '41',
        timestamp: '1735689600000',
        consumerGroup: 'g',
        retryCount: 3,
        failedAt,
        errorClass: 'InjectedFailure',
        errorMessage: 'x'.repeat(MAX_ERROR_MESSAGE_LENGTH + 50),
      }),
    );
    expect(h).toMatchObject({
      [HEADERS.webhookId]: 'msg_1',
      [HEADERS.customerId]: 'cust',
      [HEADERS.retryCount]: '3',
      [HEADERS.firstFailedAt]: '2025-01-01T00:00:00.000Z',
      [HEADERS.originalTopic]: 'webhooks.events.retry',
      [HEADERS.originalPartition]: '2',
      [HEADERS.originalOffset]: '41',
      [HEADERS.originalTimestamp]: '1735689600000',
      [HEADERS.consumerGroup]: 'g',
      [HEADERS.failedAt]: '2025-01-01T00:00:00.000Z',
      [HEADERS.errorClass]: 'InjectedFailure',
    });
    expect(h[HEADERS.errorMessage]).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
  });
});

describe('replayHeaders', () => {
  it('drops the retry and dead-letter bookkeeping and resets retry_count', () => {
    const stored = {
      [HEADERS.webhookId]: 'msg_1',
      [HEADERS.requestId]: 'r',
      [HEADERS.retryCount]: '3',
      [HEADERS.notBefore]: '5',
      [HEADERS.firstFailedAt]: 'x',
      [HEADERS.originalTopic]: 't',
    };
    expect(replayHeaders(stored, failedAt)).toEqual({
      [HEADERS.webhookId]: 'msg_1',
      [HEADERS.requestId]: 'r',
      [HEADERS.retryCount]: '0',
      [HEADERS.replayedAt]: '2025-01-01T00:00:00.000Z',
    });
  });
});

describe('notBefore / headersToStrings', () => {
  it('reads the epoch-ms header, 0 when absent or malformed', () => {
    expect(notBefore({ [HEADERS.notBefore]: Buffer.from('1700000000000') })).toBe(1700000000000);
    expect(notBefore({})).toBe(0);
    expect(notBefore({ [HEADERS.notBefore]: '-5' })).toBe(0);
  });

  it('drops NUL characters jsonb cannot hold', () => {
    expect(headersToStrings({ a: Buffer.from('x\u0000y') })).toEqual({ a: 'xy' });
  });
});
