import pg from 'pg';
import {
  errorMessage,
  exponentialBackoff,
  type Logger,
  type Pool,
  type SignatureScheme,
} from '@hookpipe/lib';
import type { ChangeLoad, FullLoad, SecretRow } from './keyring.js';

/** The channel `consumer/migrations/001_receiver.sql` notifies on every change of `receiver_secrets`. */
export const SECRETS_CHANNEL = 'receiver_secrets_changed';

interface Row {
  id: string;
  customer_id: string;
  signature_scheme: SignatureScheme;
  secret: string;
}

const toRow = (r: Row): SecretRow => ({
  id: r.id,
  customerId: r.customer_id,
  scheme: r.signature_scheme,
  secret: r.secret,
});

// One statement, one snapshot: the rows and the horizon the next read starts from agree.
const HORIZON = 'pg_snapshot_xmin(pg_current_snapshot())::text';

/**
 * `receiver_secrets` read whole (at start, and now and then as a safety net) or by change since a
 * position (migration 006: the writing transaction of each row and of each removal).
 */
export function makeSecretSource(pool: Pool): {
  load: () => Promise<FullLoad>;
  changes: (position: string) => Promise<ChangeLoad>;
} {
  return {
    async load() {
      const { rows } = await pool.query<Row & { horizon: string }>(
        `SELECT id::text AS id, customer_id, signature_scheme, secret, ${HORIZON} AS horizon
           FROM receiver_secrets ORDER BY id`,
      );
      if (rows.length > 0) return { rows: rows.map(toRow), position: rows[0]!.horizon };
      const { rows: h } = await pool.query<{ horizon: string }>(`SELECT ${HORIZON} AS horizon`);
      return { rows: [], position: h[0]!.horizon };
    },
    async changes(position) {
      const { rows } = await pool.query<
        Partial<Row> & { kind: 'row' | 'removed' | 'horizon'; horizon: string }
      >(
        `SELECT 'row' AS kind, id::text AS id, customer_id, signature_scheme, secret, ${HORIZON} AS horizon
           FROM receiver_secrets WHERE changed_xid >= $1::xid8
         UNION ALL
         SELECT 'removed', secret_id::text, NULL, NULL, NULL, ${HORIZON}
           FROM receiver_secret_removals WHERE removed_xid >= $1::xid8
         UNION ALL
         SELECT 'horizon', NULL, NULL, NULL, NULL, ${HORIZON}`,
        [position],
      );
      const written = rows.filter((r) => r.kind === 'row').map((r) => toRow(r as Row));
      const removed = rows.filter((r) => r.kind === 'removed').map((r) => r.id!);
      return {
        rows: written,
        removed,
        reset: removed.includes('0'),
        position: rows.find((r) => r.kind === 'horizon')!.horizon,
      };
    },
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
