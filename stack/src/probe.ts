import { randomUUID } from 'node:crypto';
import { signRequest, type SignatureScheme } from '@hookpipe/lib';
import { waitUntil } from './proc.js';

/**
 * Waits until every handler replica knows `secret` (replicas pick a new one up within 2 s): a
 * body signed with it that is not JSON gets 400 (verified, then refused for its shape) once the
 * key is known and 401 before, and it never reaches Kafka either way.
 */
export async function waitUntilSecretKnown(
  handlerUrls: readonly string[],
  secret: string,
  timeoutMs = 10_000,
  scheme: SignatureScheme = 'standard-webhooks',
): Promise<void> {
  for (const url of handlerUrls) {
    await waitUntil(
      async () => {
        const body = 'probe, not json';
        const res = await fetch(`${url}/webhook`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            ...signRequest({
              scheme,
              id: `msg_probe-${randomUUID()}`,
              timestamp: Math.floor(Date.now() / 1000),
              eventType: 'probe',
              body,
              secrets: [secret],
            }),
          },
          signal: AbortSignal.timeout(5000),
        });
        await res.body?.cancel();
        return res.status === 400;
      },
      { timeoutMs, intervalMs: 100, what: `${url} to know the secret` },
    );
  }
}
