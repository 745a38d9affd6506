import { newId, withTransaction, type Pool, type PoolClient, type SignatureScheme } from '@hookpipe/lib';
import { idCursor, type DeadLetterCursor } from '../store/cursors.js';

export interface OperationalEndpointView {
  id: string;
  url: string;
  signature_scheme: SignatureScheme;
  event_types: string[];
  description: string | null;
  active: boolean;
  created_at: string;
}

export interface OperationalDeliveryView {
  id: number;
  message_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed' | 'canceled';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
  finished_at: string | null;
}

interface EndpointDbRow extends Omit<OperationalEndpointView, 'created_at'> {
  created_at: Date;
}

interface DeliveryDbRow {
  id: string;
  message_id: string;
  event_type: string;
  status: OperationalDeliveryView['status'];
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date;
  created_at: Date;
  finished_at: Date | null;
}

// Never the secret: it is written once and read only by the delivery worker.
const COLUMNS = 'id, url, signature_scheme, event_types, description, active, created_at';
const LIVE = 'deleted_at IS NULL';

const toView = (r: EndpointDbRow): OperationalEndpointView => ({
  ...r,
  created_at: r.created_at.toISOString(),
});

const toDeliveryView = (r: DeliveryDbRow): OperationalDeliveryView => ({
  id: Number(r.id),
  message_id: r.message_id,
  event_type: r.event_type,
  status: r.status,
  attempts: r.attempts,
  last_status_code: r.last_status_code,
  last_error: r.last_error,
  last_attempt_at: r.last_attempt_at?.toISOString() ?? null,
  next_attempt_at: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
  created_at: r.created_at.toISOString(),
  finished_at: r.finished_at?.toISOString() ?? null,
});

// What is still owed to an endpoint that stops taking events; its history stays.
const cancelPending = (client: PoolClient, id: string) =>
  client.query(
    `UPDATE operational_deliveries SET status = 'canceled', finished_at = now(), claim_token = NULL
      WHERE endpoint_id = $1 AND status = 'pending'`,
    [id],
  );

/** `operational_endpoints` and their deliveries, for the API. Secrets go in and never come out. */
export function makeOperationalEndpointsStore(pool: Pool) {
  const get = async (id: string): Promise<OperationalEndpointView | null> => {
    const res = await pool.query<EndpointDbRow>(
      `SELECT ${COLUMNS} FROM operational_endpoints WHERE id = $1 AND ${LIVE}`,
      [id],
    );
    return res.rows[0] ? toView(res.rows[0]) : null;
  };
  return {
    async create(input: {
      url: string;
      scheme: SignatureScheme;
      secret: string;
      eventTypes: readonly string[];
      description: string | null;
    }): Promise<OperationalEndpointView> {
      const res = await pool.query<EndpointDbRow>(
        `INSERT INTO operational_endpoints (id, url, signature_scheme, secret, event_types, description)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [newId('opwh'), input.url, input.scheme, input.secret, input.eventTypes, input.description],
      );
      return toView(res.rows[0]!);
    },

    async list(): Promise<OperationalEndpointView[]> {
      const res = await pool.query<EndpointDbRow>(
        `SELECT ${COLUMNS} FROM operational_endpoints WHERE ${LIVE} ORDER BY created_at, id`,
      );
      return res.rows.map(toView);
    },

    get,

    /** Changes what is given; made inactive, its pending deliveries are canceled. Null: no such endpoint. */
    async update(
      id: string,
      patch: { url?: string; eventTypes?: readonly string[]; description?: string | null; active?: boolean },
    ): Promise<OperationalEndpointView | null> {
      return withTransaction(pool, async (client) => {
        const res = await client.query<EndpointDbRow>(
          `UPDATE operational_endpoints
              SET url = COALESCE($2, url), event_types = COALESCE($3, event_types),
                  description = CASE WHEN $4 THEN $5 ELSE description END,
                  active = COALESCE($6, active), updated_at = now()
            WHERE id = $1 AND ${LIVE} RETURNING ${COLUMNS}`,
          [
            id,
            patch.url ?? null,
            patch.eventTypes ?? null,
            patch.description !== undefined,
            patch.description ?? null,
            patch.active ?? null,
          ],
        );
        const row = res.rows[0];
        if (row && !row.active) await cancelPending(client, id);
        return row ? toView(row) : null;
      });
    },

    /** Removes an endpoint (its history stays) and cancels what it is still owed; false: no such endpoint. */
    async remove(id: string): Promise<boolean> {
      return withTransaction(pool, async (client) => {
        const res = await client.query(
          `UPDATE operational_endpoints SET deleted_at = now(), active = false, updated_at = now()
            WHERE id = $1 AND ${LIVE}`,
          [id],
        );
        if ((res.rowCount ?? 0) === 0) return false;
        await cancelPending(client, id);
        return true;
      });
    },

    /** Deliveries to a live endpoint, newest first; null when there is no such endpoint. */
    async deliveries(
      id: string,
      page: { limit: number; cursor?: DeadLetterCursor | undefined },
    ): Promise<{ data: OperationalDeliveryView[]; next_cursor: string | null } | null> {
      if (!(await get(id))) return null;
      const res = await pool.query<DeliveryDbRow>(
        `SELECT id, message_id, event_type, status, attempts, last_status_code, last_error, last_attempt_at,
                next_attempt_at, created_at, finished_at
           FROM operational_deliveries WHERE endpoint_id = $1 AND ($2::bigint IS NULL OR id < $2)
          ORDER BY id DESC LIMIT $3`,
        [id, page.cursor?.id ?? null, page.limit + 1],
      );
      const data = res.rows.slice(0, page.limit).map(toDeliveryView);
      const last = data[data.length - 1];
      return {
        data,
        next_cursor: res.rows.length > page.limit && last ? idCursor.encode({ id: last.id }) : null,
      };
    },
  };
}

export type OperationalEndpointsStore = ReturnType<typeof makeOperationalEndpointsStore>;
