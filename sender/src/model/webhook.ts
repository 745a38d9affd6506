/** A registered webhook, as the store reads it (its secrets are kept apart). */
export interface WebhookRow {
  id: string;
  customerId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  headers: Record<string, string>;
  maxInFlight: number;
  status: 'ACTIVE' | 'DISABLED';
  failingSince: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}
