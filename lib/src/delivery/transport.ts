import http from 'node:http';
import https from 'node:https';

/** What an HTTP POST came back with; only the first bytes of the answer are kept. */
export interface PostResult {
  status: number;
  retryAfter: string | null;
  excerpt: string | null;
}

/**
 * Sends one POST; resolves with the answer once it has fully arrived, rejects on a network
 * error or after `timeoutMs` (counting until the answer's last byte).
 */
export type Post = (
  url: string,
  init: { headers: Record<string, string>; body: Buffer; timeoutMs: number },
) => Promise<PostResult>;

export const EXCERPT_BYTES = 512;

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * POST over node:http(s) with kept-alive connections, at most `maxSockets` per origin. Much
 * cheaper per request than `fetch` (no WHATWG streams or header objects), which matters at
 * thousands of deliveries a second. The rest of an answer past the excerpt is read and dropped
 * so the connection can be reused.
 */
export function makeHttpPost(options: { maxSockets: number }): { post: Post; close(): void } {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' }),
  };
  const post: Post = (url, init) =>
    new Promise<PostResult>((resolve, reject) => {
      const target = new URL(url);
      const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
      const send = target.protocol === 'https:' ? https.request : http.request;
      let settled = false;
      const finish = (err: Error | null, result?: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result!);
      };
      const req = send(
        target,
        {
          method: 'POST',
          agent,
          headers: { ...init.headers, 'content-length': String(init.body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < EXCERPT_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('error', (err) => finish(err));
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            finish(null, {
              status: res.statusCode ?? 0,
              retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
              excerpt: size === 0 ? null : Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        const err = new TimeoutError(`timeout after ${init.timeoutMs} ms`);
        finish(err);
        req.destroy(err);
      }, init.timeoutMs);
      req.on('error', (err) => finish(err));
      req.end(init.body);
    });
  return {
    post,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
