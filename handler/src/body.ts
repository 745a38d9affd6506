/**
 * Reads a request body up to `maxBytes`, refusing early on a declared Content-Length above it
 * and stopping the stream as soon as more arrives, so an oversized body is never buffered whole.
 */
export async function readBodyLimited(
  req: Request,
  maxBytes: number,
): Promise<{ ok: true; body: Buffer } | { ok: false; declared: number | undefined }> {
  const declared = req.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    return { ok: false, declared: Number(declared) };
  }
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

/** `application/json`, with or without parameters such as `charset=utf-8`. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const media = value.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json';
}
