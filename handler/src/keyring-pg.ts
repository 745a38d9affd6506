import pg from 'pg';
import {
  errorMessage,
  exponentialBackoff,
  type Logger,
  type Pool,
  type SignatureScheme,
} from '@hookpipe/lib';
import type { SecretRow } from './keyring.js';

/** The channel `consumer/migrations/001_receiver.sql` notifies on every change of `receiver_secrets`. */
export const SECRETS_CHANNEL = 'receiver_secrets_changed';

/** Loads every row of `receiver_secrets`. */
export function makeSecretLoader(pool: Pool): () => Promise<SecretRow[]> {
  return async () => {
    const { rows } = await pool.query<{
      id: string;
      customer_id: string;
      signature_scheme: SignatureScheme;
      secret: string;
    }>('SELECT id::text AS id, customer_id, signature_scheme, secret FROM receiver_secrets ORDER BY id');
    return rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      scheme: r.signature_scheme,
      secret: r.secret,
    }));
  };
}

export interface NotifyListener {
  isListening(): boolean;
  stop(): Promise<void>;
}

/**
 * Holds one dedicated connection that LISTENs on `channels` and calls `onNotify` with the channel
 * of each notification. When the connection drops it reconnects with backoff, and calls
 * `onConnect` after each (re)connect, because notifications sent while it was away are lost.
 */
export function startNotifyListener(deps: {
  connectionString: string;
  channels: readonly string[];
  logger: Logger;
  onNotify: (channel: string) => void;
  onConnect: () => void;
}): NotifyListener {
  const log = deps.logger.child({ component: 'table-listener', channels: deps.channels });
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
      if (deps.channels.includes(msg.channel)) deps.onNotify(msg.channel);
    });
    try {
      await c.connect();
      // Channel names are constants of ours, never input; LISTEN takes no bind parameters.
      for (const channel of deps.channels) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
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
 * Keeps in-memory copies of tables fresh: each table's reload on its channel's notification and on
 * every (re)connect of the listener, plus a periodic reload of all as the fallback that bounds
 * staleness even when notifications are lost.
 */
export function startTableSync(deps: {
  /** Reload functions by NOTIFY channel. */
  reloads: Readonly<Record<string, () => Promise<unknown>>>;
  intervalMs: number;
  listen?: (hooks: { onNotify: (channel: string) => void; onConnect: () => void }) => {
    stop(): Promise<void>;
  };
}): { stop(): Promise<void> } {
  const reloadAll = () => {
    for (const reload of Object.values(deps.reloads)) void reload();
  };
  const listener = deps.listen?.({
    onNotify: (channel) => void deps.reloads[channel]?.(),
    onConnect: reloadAll,
  });
  const timer = setInterval(reloadAll, deps.intervalMs);
  timer.unref();
  reloadAll();
  return {
    async stop() {
      clearInterval(timer);
      await listener?.stop();
    },
  };
}
