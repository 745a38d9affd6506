import { createHash } from 'node:crypto';
import { delay, errorMessage, type SignatureScheme } from '@hookpipe/lib';

/** What the receiver's API said when it did not do what was asked. */
export interface ReceiverRefusal {
  ok: false;
  /** Its HTTP status; null when it did not answer. */
  status: number | null;
  retryAfter: string | null;
  /** What it said (never the secret). */
  message: string;
}

export type InstallResult = { ok: true; receiverSecretId: number | null } | ReceiverRefusal;

export interface ReceiverClient {
  /**
   * Installs a secret for a customer (`POST /secrets`). A secret the receiver holds already for
   * that customer and scheme counts as installed, with no id: it was someone else's to install.
   */
  install(input: {
    customerId: string;
    secret: string;
    scheme: SignatureScheme;
    label: string;
  }): Promise<InstallResult>;
  /** Removes a secret (`DELETE /secrets/:id`); one already gone counts as removed. */
  remove(receiverSecretId: number): Promise<{ ok: true } | ReceiverRefusal>;
}

const fingerprint = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 12);

/** fetch's "fetch failed" says little; its cause (ECONNREFUSED, a timeout) says why. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const why =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  return why ? ` (${why})` : '';
}

/** The start of an answer, folded to one line, with the secret (should it echo it) blanked. */
function said(text: string, secret?: string): string {
  let out = text.replace(/\s+/g, ' ').trim();
  if (secret) out = out.split(secret).join('[secret]');
  return out.length > 200 ? `${out.slice(0, 200)}…` : out;
}

/**
 * The receiver's management API (the consumer's `/secrets`), called with its API key. The key
 * and the secrets are sent, never logged or repeated in a result.
 */
export function makeReceiverClient(options: {
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /**
   * Pauses before each further try of an install the receiver did not answer (no connection, a
   * timeout): a receiver that is starting, or a first name lookup in a container network that
   * takes seconds, is not a refusal. Safe to repeat: a secret the first try installed answers 409
   * and is found held. Default 0.5 s then 1 s (three tries).
   */
  retryDelaysMs?: readonly number[];
}): ReceiverClient {
  const base = options.url.replace(/\/+$/, '');
  // Looked up per call, so a fetch patched later (msw in tests) is the one used.
  const doFetch: typeof fetch = (input, init) => (options.fetch ?? fetch)(input, init);
  const timeoutMs = options.timeoutMs ?? 5000;
  const retryDelaysMs = options.retryDelaysMs ?? [500, 1000];

  async function call(method: string, path: string, body?: unknown) {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        'X-API-Key': options.apiKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  }

  const unreachable = (err: unknown): ReceiverRefusal => ({
    ok: false,
    status: null,
    retryAfter: null,
    message: `the receiver at ${base} did not answer: ${errorMessage(err)}${causeOf(err)}`,
  });
  const refused = (
    a: { status: number; retryAfter: string | null; text: string },
    secret?: string,
  ): ReceiverRefusal => ({
    ok: false,
    status: a.status,
    retryAfter: a.retryAfter,
    message: `the receiver answered ${a.status}: ${said(a.text, secret) || '(no body)'}`,
  });

  async function installOnce(input: Parameters<ReceiverClient['install']>[0]): Promise<InstallResult> {
    try {
      const created = await call('POST', '/secrets', {
        customer_id: input.customerId,
        secret: input.secret,
        signature_scheme: input.scheme,
        label: input.label,
      });
      if (created.status === 201) {
        const id = (JSON.parse(created.text) as { id?: unknown }).id;
        if (typeof id !== 'number') return refused(created);
        return { ok: true, receiverSecretId: id };
      }
      if (created.status !== 409) return refused(created, input.secret);
      const listed = await call('GET', `/secrets?customer_id=${encodeURIComponent(input.customerId)}`);
      if (listed.status !== 200) return refused(listed, input.secret);
      const mine = fingerprint(input.secret);
      const held = (
        JSON.parse(listed.text) as { data?: { fingerprint?: string; signature_scheme?: string }[] }
      ).data?.some((s) => s.fingerprint === mine && s.signature_scheme === input.scheme);
      return held ? { ok: true, receiverSecretId: null } : refused(created, input.secret);
    } catch (err) {
      return unreachable(err);
    }
  }

  return {
    async install(input) {
      let result = await installOnce(input);
      for (const pause of retryDelaysMs) {
        if (result.ok || result.status !== null) break;
        await delay(pause);
        result = await installOnce(input);
      }
      return result;
    },

    async remove(receiverSecretId) {
      try {
        const res = await call('DELETE', `/secrets/${receiverSecretId}`);
        return res.status === 204 || res.status === 404 ? { ok: true } : refused(res);
      } catch (err) {
        return unreachable(err);
      }
    },
  };
}
