import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A receiver of someone else's: node:http on 127.0.0.1 that verifies Standard Webhooks signatures
 * with the standardwebhooks package and answers 500 to the first attempt of every third message
 * it verified (by `webhook-id`, in the order first seen). Deciding per message, not per request,
 * keeps each message to two attempts however the sender's retries interleave: counting requests,
 * one message's retries could keep landing on the 500s (a run saw 5 attempts).
 */
export function throwawayReceiver() {
  let secret: string | undefined;
  const seen = { verified: 0, refused: 0, answered500: 0, ids: new Set<string>() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        new Webhook(secret!).verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        );
      } catch {
        seen.refused += 1;
        res.writeHead(401).end();
        return;
      }
      seen.verified += 1;
      const id = String(req.headers['webhook-id']);
      const firstAttempt = !seen.ids.has(id);
      seen.ids.add(id);
      if (firstAttempt && seen.ids.size % 3 === 0) {
        seen.answered500 += 1;
        res.writeHead(500).end('try again');
        return;
      }
      res.writeHead(204).end();
    });
  });
  return {
    seen,
    setSecret: (s: string): void => {
      secret = s;
    },
    listen: () =>
      new Promise<number>((r) =>
        server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)),
      ),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
