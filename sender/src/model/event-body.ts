/** The contract's body: `{ type, timestamp, data }`, as the exact bytes to sign and send. */
export function eventBody(type: string, timestamp: Date, data: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ type, timestamp: timestamp.toISOString(), data }), 'utf8');
}
