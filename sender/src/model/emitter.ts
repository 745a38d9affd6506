import type { FaultShares } from './fault-kinds.js';

export type EmitterStatus = 'running' | 'stopped' | 'completed';

/**
 * Shares of normal events that ask the receiver's consumer to fail them (`data.simulate`):
 * `retry` fail once or twice then succeed, `dead` fail always (and end in its dead-letter queue).
 */
export interface SimulateShares {
  retry?: number;
  dead?: number;
}

export interface EmitterRow {
  id: string;
  webhookId: string;
  customerId: string;
  status: EmitterStatus;
  rate: number;
  maxCount: number | null;
  durationMs: number | null;
  eventTypes: string[];
  faults: FaultShares;
  simulate: SimulateShares;
  concurrency: number;
  emitted: number;
  startedAt: Date;
  endsAt: Date | null;
  stoppedAt: Date | null;
  stopReason: string | null;
  /** The sender instance (SENDER_INSTANCE_ID) that runs it, or ran it last; null when none. */
  owner: string | null;
  /** Until when `owner` holds it (the database's clock); past it, another instance may take it. */
  leaseUntil: Date | null;
}
