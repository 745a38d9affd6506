import type { IHeaders } from 'kafkajs';
import { HEADERS } from '@hookpipe/lib';

export type StringHeaders = Record<string, string>;

/** Longest `dlt-exception-message` written; the full text is in the log and the database. */
export const MAX_ERROR_MESSAGE_LENGTH = 1000;

const DLT_PREFIX = 'dlt-';

function oneValue(v: IHeaders[string]): string | undefined {
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  if (one === undefined || one === null) return undefined;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

/**
 * Headers as UTF-8 strings (the contract's headers are all strings); a repeated name keeps its
 * last value. NUL characters are dropped because jsonb, where these are stored, cannot hold them.
 */
export function headersToStrings(headers: IHeaders | undefined): StringHeaders {
  const out: StringHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const s = oneValue(value);
    if (s !== undefined) out[name] = s.replaceAll('\u0000', '');
  }
  return out;
}

/** A copy of `headers` with `set` replacing (never appending to) the named ones. */
function withHeaders(headers: IHeaders | undefined, set: StringHeaders): IHeaders {
  const out: IHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && !(name in set)) out[name] = value;
  }
  return { ...out, ...set };
}

/**
 * Headers of a requeued record: the original ones, with `retry_count` + 1, the epoch-ms time it
 * may be processed again, and when the event first failed (kept from an earlier retry).
 */
export function retryHeaders(
  original: IHeaders | undefined,
  info: { retryCount: number; notBefore: number; failedAt: Date },
): IHeaders {
  const firstFailedAt = oneValue(original?.[HEADERS.firstFailedAt]) ?? info.failedAt.toISOString();
  return withHeaders(original, {
    [HEADERS.retryCount]: String(info.retryCount),
    [HEADERS.notBefore]: String(info.notBefore),
    [HEADERS.firstFailedAt]: firstFailedAt,
  });
}

export interface DeadLetterInfo {
  topic: string;
  partition: number;
  offset: string;
  /** The source record's timestamp, epoch ms. */
  timestamp: string;
  consumerGroup: string;
  retryCount: number;
  failedAt: Date;
  errorClass: string;
  errorMessage: string;
}

/** When the event first failed: the header a retry carried, else this failure. */
export function firstFailedAt(original: IHeaders | undefined, failedAt: Date): Date {
  const raw = oneValue(original?.[HEADERS.firstFailedAt]);
  const d = raw === undefined ? null : new Date(raw);
  return d && !Number.isNaN(d.getTime()) ? d : failedAt;
}

/**
 * Headers of a dead-letter record: the original ones unchanged, plus where and why it failed
 * (after Spring Kafka's `kafka_dlt-*`). The coordinates are those of the record that failed last.
 */
export function deadLetterHeaders(original: IHeaders | undefined, info: DeadLetterInfo): IHeaders {
  return withHeaders(original, {
    [HEADERS.retryCount]: String(info.retryCount),
    [HEADERS.firstFailedAt]: firstFailedAt(original, info.failedAt).toISOString(),
    [HEADERS.originalTopic]: info.topic,
    [HEADERS.originalPartition]: String(info.partition),
    [HEADERS.originalOffset]: info.offset,
    [HEADERS.originalTimestamp]: info.timestamp,
    [HEADERS.consumerGroup]: info.consumerGroup,
    [HEADERS.failedAt]: info.failedAt.toISOString(),
    [HEADERS.errorClass]: info.errorClass,
    [HEADERS.errorMessage]: info.errorMessage.slice(0, MAX_ERROR_MESSAGE_LENGTH),
  });
}

/**
 * Headers of a replayed dead letter: its original headers without the retry and dead-letter
 * bookkeeping, `retry_count` back to 0, and when it was replayed.
 */
export function replayHeaders(stored: StringHeaders, replayedAt: Date): StringHeaders {
  const drop = new Set<string>([HEADERS.notBefore, HEADERS.firstFailedAt, HEADERS.replayedAt]);
  const out: StringHeaders = {};
  for (const [name, value] of Object.entries(stored)) {
    if (!drop.has(name) && !name.startsWith(DLT_PREFIX)) out[name] = value;
  }
  out[HEADERS.retryCount] = '0';
  out[HEADERS.replayedAt] = replayedAt.toISOString();
  return out;
}

/** The epoch-ms not-before time a retry record carries, or 0 (due now). */
export function notBefore(headers: IHeaders | undefined): number {
  const raw = oneValue(headers?.[HEADERS.notBefore]);
  return raw !== undefined && /^\d{1,16}$/.test(raw) ? Number(raw) : 0;
}
