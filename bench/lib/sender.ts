/** The few sender API calls the end-to-end bench makes, as a user would with curl. */
export interface SenderApi {
  register(customerId: string, url: string): Promise<{ webhookId: string; secret: string }>;
  startEmitter(
    customerId: string,
    webhookId: string,
    options: { rate: number; duration: number; concurrency: number },
  ): Promise<string>;
  emitter(webhookId: string, emitterId: string): Promise<{ status: string; sent: number }>;
}

export function senderApi(baseUrl: string, apiKey: string): SenderApi {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'x-api-key': apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  return {
    async register(customerId, url) {
      const r = await call('POST', '/register', { customer_id: customerId, webhook_url: url });
      return { webhookId: String(r.webhook_id), secret: String(r.secret_token) };
    },
    async startEmitter(customerId, webhookId, options) {
      const q = new URLSearchParams({ customer_id: customerId, webhook_id: webhookId });
      const r = await call('POST', `/emitter/start?${q.toString()}`, options);
      return String(r.emitter_id);
    },
    async emitter(webhookId, emitterId) {
      const q = new URLSearchParams({ status: 'all', webhook_id: webhookId, limit: '500' });
      const r = await call('GET', `/emitters?${q.toString()}`);
      const row = (r.data as { emitter_id: string; status: string; counters: { sent: number } }[]).find(
        (e) => e.emitter_id === emitterId,
      );
      if (!row) throw new Error(`emitter ${emitterId} not listed`);
      return { status: row.status, sent: row.counters.sent };
    },
  };
}
