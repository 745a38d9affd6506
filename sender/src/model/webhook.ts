import type { SignatureScheme } from '@hookpipe/lib';

/** A JSON object, as a webhook's static payload or an event's data. */
export type Data = Record<string, unknown>;

/** A registered webhook, as the store reads it (its secrets are kept apart). */
export interface WebhookRow {
  id: string;
  customerId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  headers: Record<string, string>;
  maxInFlight: number;
  /** Fixed at registration. */
  signatureScheme: SignatureScheme;
  /** Merged into every generated event's data (emitters, trigger); null when none. */
  payload: Data | null;
  status: 'ACTIVE' | 'DISABLED';
  failingSince: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}
