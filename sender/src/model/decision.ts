/** What follows one delivery attempt. */
export type Decision =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: number; reason: string }
  /** The delivery is over without a 2xx. For fault deliveries this is `rejected`, not `failed`. */
  | { kind: 'failed' | 'rejected'; reason: string };
