import pg from 'pg';
import { errorMessage, exponentialBackoff, type Logger, type Pool } from '@hookpipe/lib';
import type { Keyring, SecretRow } from './keyring.js';

/** The channel `consumer/migrations/001_receiver.sql` notifies on every change of `receiver_secrets`. */
export const SECRETS_CHANNEL = 'receiver_secrets_changed';

/** Loads every row of `receiver_secrets`. */
export function makeSecretLoader(pool: Pool): () => Promise<SecretRow[]> {
  return async () => {
    const { rows } = await pool.query<{ id: string; customer_id: string; secret: string }>(
      'SELECT id::text AS id, customer_id, secret FROM receiver_secrets ORDER BY id',
    );
    return rows.map((r) => ({ id: r.id, customerId: r.customer_id, secret: r.secret }));
  };
}

export interface NotifyListener {
  isListening(): boolean;
  stop(): Promise<void>;
}

/**
 * Holds one dedicated connection that LISTENs on `channel` and calls `onNotify` per
 * notification. When the connection drops it reconnects with backoff, and calls `onConnect`
 * after each (re)connect, because notifications sent while it was away are lost.
 */
export function startNotifyListener(deps: {
  connectionString: string;
  channel: string;
  logger: Logger;
  onNotify: () => void;
  onConnect: () => void;
}): NotifyListener {
  const log = deps.logger.child({ component: 'keyring-listener', channel: deps.channel });
  let client: pg.Client | undefined;
  let listening = false;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;

  const retryLater = () => {
    if (stopped || timer) return;
    const wait = exponentialBackoff(attempt++, { baseMs: 250, capMs: 5000 });
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, wait);
    timer.unref();
  };

  const dropped = (c: pg.Client, err?: unknown) => {
    if (client !== c) return; // an older client's late event
    client = undefined;
    listening = false;
    if (!stopped && !warned) {
      warned = true;
      log.warn(
        { err: err === undefined ? undefined : errorMessage(err) },
        'LISTEN connection lost; reconnecting',
      );
    }
    c.end().catch(() => undefined);
    retryLater();
  };

  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({
      connectionString: deps.connectionString,
      connectionTimeoutMillis: 3000,
      keepAlive: true,
      application_name: 'hookpipe-handler-keyring',
    });
    client = c;
    c.on('error', (err) => dropped(c, err));
    c.on('end', () => dropped(c));
    c.on('notification', (msg) => {
      if (msg.channel === deps.channel) deps.onNotify();
    });
    try {
      await c.connect();
      // The channel name is a constant of ours, never input; LISTEN takes no bind parameters.
      await c.query(`LISTEN ${pg.escapeIdentifier(deps.channel)}`);
      if (stopped || client !== c) {
        await c.end().catch(() => undefined);
        return;
      }
      listening = true;
      attempt = 0;
      if (warned) log.info('LISTEN connection back');
      warned = false;
      deps.onConnect();
    } catch (err) {
      dropped(c, err);
    }
  };

  void connect();

  return {
    isListening: () => listening,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => undefined);
    },
  };
}

/**
 * Keeps a keyring fresh: a reload on each notification, plus a periodic reload as the fallback
 * that bounds staleness even when notifications are lost.
 */
export function startKeyringSync(deps: {
  keyring: Keyring;
  intervalMs: number;
  listen?: (hooks: { onNotify: () => void; onConnect: () => void }) => { stop(): Promise<void> };
}): { stop(): Promise<void> } {
  const reload = () => void deps.keyring.reload();
  const listener = deps.listen?.({ onNotify: reload, onConnect: reload });
  const timer = setInterval(reload, deps.intervalMs);
  timer.unref();
  reload();
  return {
    async stop() {
      clearInterval(timer);
      await listener?.stop();
    },
  };
}
