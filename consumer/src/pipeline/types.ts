import type { IHeaders } from 'kafkajs';

/** One Kafka record as the pipeline sees it (a kafkajs message plus where it came from). */
export interface SourceRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are int64; kafkajs hands them over as decimal strings. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Record timestamp, epoch milliseconds as a decimal string. */
  timestamp: string;
}

/** A record that decoded into the contract's event shape. */
export interface WebhookEvent {
  webhookId: string;
  customerId: string;
  eventType: string;
  /** The parsed body (a JSON object with `type`, `timestamp` and `data`). */
  payload: Record<string, unknown>;
  /** The exact received bytes, stored as they came. */
  rawBody: Buffer;
  retryCount: number;
  /** Republished from the dead-letter table by an operator (`replayed-at` header). */
  replayed: boolean;
  signedAt: Date | null;
  receivedAt: Date;
  requestId: string | null;
}

/** Why processing one record did not persist it. */
export interface Failure {
  /** Short machine name, written to `dlt-exception-class` and `event_failures.error_class`. */
  errorClass: string;
  message: string;
  /** Poison records (unreadable, or not storable) skip the retries and dead-letter at once. */
  poison: boolean;
}
