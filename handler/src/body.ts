import { IncomingMessage } from 'node:http';

export type BodyRead = { ok: true; body: Buffer } | { ok: false; declared: number | undefined };

const tooLarge = (declared: string | null | undefined, maxBytes: number): number | undefined =>
  declared != null && /^\d+$/.test(declared) && Number(declared) > maxBytes ? Number(declared) : undefined;

/**
 * Reads a request body up to `maxBytes`, refusing early on a declared Content-Length above it
 * and stopping the stream as soon as more arrives, so an oversized body is never buffered whole.
 */
export async function readBodyLimited(req: Request, maxBytes: number): Promise<BodyRead> {
  const declared = tooLarge(req.headers.get('content-length'), maxBytes);
  if (declared !== undefined) return { ok: false, declared };
  if (!req.body) return { ok: true, body: Buffer.alloc(0) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (req.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, declared: undefined };
    }
    chunks.push(value);
  }
  return { ok: true, body: Buffer.concat(chunks, size) };
}

/**
 * Node's request behind a Hono context, when served by @hono/node-server (`c.env.incoming`);
 * undefined under `app.request()`.
 */
export function nodeIncoming(env: unknown): IncomingMessage | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/**
 * readBodyLimited straight from Node's request stream. Touching `c.req.raw.body` makes
 * @hono/node-server build a WHATWG Request, AbortController and ReadableStream for every
 * request, about a tenth of the handler's CPU under load (docs/benchmarks.md, tuning log).
 */
export function readIncomingLimited(
  incoming: Pick<IncomingMessage, 'headers' | 'on' | 'off' | 'readableEnded'>,
  maxBytes: number,
): Promise<BodyRead> {
  const declared = tooLarge(incoming.headers['content-length'], maxBytes);
  if (declared !== undefined) return Promise.resolve({ ok: false, declared });
  if (incoming.readableEnded) return Promise.resolve({ ok: true, body: Buffer.alloc(0) });
  return new Promise<BodyRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop keeping it; the server drains the rest once the 413 is sent.
        done();
        resolve({ ok: false, declared: undefined });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      done();
      reject(new Error('the request was closed before its body arrived'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** `application/json`, with or without parameters such as `charset=utf-8`. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const media = value.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json';
}
