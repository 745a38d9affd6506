/**
 * What the fuzz test does to the shared test stack around the fuzzer. The fuzzer calls every
 * operation with whatever the documents allow: it registers webhooks (to allowed hosts, any
 * port), starts emitters, posts events, installs and deletes receiver secrets, sets fault
 * profiles (the documents' example customer is the stack's own `demo`), makes and revokes keys.
 * Before it runs, `snapshot` notes what is there; afterwards `restore` undoes what would reach
 * the suites that run after it: it deletes the webhooks the fuzzer made (which stops their
 * emitters and cancels their messages), stops any other emitter it started, cancels the
 * messages its events left for older webhooks, puts receiver secrets and fault profiles back as
 * they were, revokes its keys and drops its event types. It never stops a part of the stack.
 */
import type { TestEnv } from '../env.js';
import { database, receiverApi, senderApi, type ApiClient } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';

interface ReceiverSecretRow {
  id: string;
  customer_id: string;
  secret: string;
  signature_scheme: string;
  label: string | null;
}
interface FaultProfile {
  customer_id: string;
  profile: unknown;
}

export interface Snapshot {
  webhooks: Set<string>;
  /** Every sender secret and its expiry (a rotation of an older webhook adds one and ends the others). */
  senderSecrets: { id: string; expires_at: string | null }[];
  lastDelivery: string;
  runningEmitters: Set<string>;
  eventTypes: Set<string>;
  senderKeys: Set<string>;
  receiverKeys: Set<string>;
  receiverSecrets: ReceiverSecretRow[];
  faults: FaultProfile[];
  /** The receiver's operational webhooks (removed ones stay in the table, with their secrets). */
  operationalWebhooks: Set<string>;
}

const ids = (rows: { id: string }[]) => new Set(rows.map((r) => r.id));
const dataOf = async <T>(api: ApiClient, path: string) => ((await api.get(path)).json.data ?? []) as T[];
const runningEmitters = (api: ApiClient) =>
  dataOf<{ webhook_id: string; customer_id: string; emitter_id: string }>(
    api,
    '/emitters?status=running&limit=500',
  );

export function makeStackState(env: TestEnv) {
  const sender = senderApi(env);
  const receiver = receiverApi(env);
  const senderDb = database(env.senderDatabaseUrl);
  const receiverDb = database(env.databaseUrl);

  return {
    async snapshot(): Promise<Snapshot> {
      return {
        webhooks: ids(await senderDb.query<{ id: string }>('SELECT id FROM webhooks')),
        senderSecrets: await senderDb.query<{ id: string; expires_at: string | null }>(
          'SELECT id::text, expires_at::text FROM webhook_secrets',
        ),
        lastDelivery: (
          await senderDb.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM deliveries')
        )[0]!.id,
        runningEmitters: new Set((await runningEmitters(sender)).map((e) => e.emitter_id)),
        eventTypes: new Set(
          (await senderDb.query<{ type: string }>('SELECT type FROM event_types')).map((r) => r.type),
        ),
        senderKeys: ids(await senderDb.query<{ id: string }>('SELECT id FROM api_keys')),
        receiverKeys: ids(await receiverDb.query<{ id: string }>('SELECT id FROM api_keys')),
        receiverSecrets: await receiverDb.query<ReceiverSecretRow>(
          'SELECT id::text, customer_id, secret, signature_scheme, label FROM receiver_secrets',
        ),
        faults: await dataOf<FaultProfile>(receiver, '/faults'),
        operationalWebhooks: ids(
          await receiverDb.query<{ id: string }>('SELECT id FROM operational_endpoints'),
        ),
      };
    },

    /** The webhooks made since `snap`. */
    async newWebhooks(snap: Snapshot): Promise<string[]> {
      const rows = await senderDb.query<{ id: string }>('SELECT id FROM webhooks');
      return rows.map((r) => r.id).filter((id) => !snap.webhooks.has(id));
    },

    /**
     * The sender secrets the fuzzer made (registrations, rotations) and the receiver secrets it
     * installed, for the log check. Only distinctive ones: a generated secret may be `0000000000000000`, which any
     * log holds by chance (Kafka's segment files are named with twenty zeros).
     */
    async fuzzSecrets(snap: Snapshot): Promise<{ label: string; value: string }[]> {
      const sent = await senderDb.query<{ webhook_id: string; secret: string }>(
        "SELECT webhook_id, secret FROM webhook_secrets WHERE NOT (id::text = ANY($1)) AND secret NOT LIKE 'sealed1:%'",
        [snap.senderSecrets.map((s) => s.id)],
      );
      const before = new Set(snap.receiverSecrets.map((s) => s.id));
      const installed = (
        await receiverDb.query<ReceiverSecretRow>('SELECT id::text, secret FROM receiver_secrets')
      ).filter((s) => !before.has(s.id));
      return [
        ...sent.map((s) => ({
          label: `a secret the fuzzer gave webhook ${s.webhook_id}`,
          value: s.secret,
        })),
        ...installed.map((s) => ({ label: `receiver secret ${s.id} the fuzzer installed`, value: s.secret })),
        ...(
          await receiverDb.query<{ id: string; secret: string }>(
            'SELECT id, secret FROM operational_endpoints WHERE NOT (id = ANY($1))',
            [[...snap.operationalWebhooks]],
          )
        ).map((s) => ({ label: `operational webhook ${s.id}'s secret`, value: s.secret })),
      ].filter((s) => new Set(s.value).size >= 8);
    },

    /**
     * An event and a dead letter on the receiver, so that the fuzzer reaches the routes that read
     * or replay one by id. They come through the sender like any delivery (a webhook on the
     * stack's ingress, its secret linked), for a customer of their own. Answers their ids (the
     * events' webhook ids), for the fuzzer's dictionary: on a stack where earlier suites left
     * many rows, a generated id would hardly ever name one.
     */
    async seedReceiver(): Promise<{ deadLetters: number[]; events: string[] }> {
      const customer = unique('fuzz-seed');
      const created = await sender.post('/webhooks', {
        customer_id: customer,
        webhook_url: `${env.ingressUrl}/webhook/${customer}`,
      });
      if (created.status !== 201)
        throw new Error(`seed webhook: ${created.status} ${JSON.stringify(created.json)}`);
      const trigger = (overrides: object) =>
        sender.post(`/webhooks/${String(created.json.webhook_id)}/trigger`, {
          type: 'order.created',
          overrides,
        });
      const always = { simulate: { fail: 'always' } };
      for (const overrides of [{}, {}, always, always, always]) {
        const res = await trigger(overrides);
        if (res.status !== 202) throw new Error(`seed event: ${res.status} ${JSON.stringify(res.json)}`);
      }
      const q = `customer_id=${encodeURIComponent(customer)}`;
      let seeded = { deadLetters: [] as number[], events: [] as string[] };
      await pollUntil(
        async () => {
          seeded = {
            deadLetters: (await dataOf<{ id: number }>(receiver, `/dead-letters?${q}`)).map((d) => d.id),
            events: (await dataOf<{ webhook_id: string }>(receiver, `/events?${q}`)).map((e) => e.webhook_id),
          };
          return seeded.deadLetters.length === 3 && seeded.events.length === 2;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'the seeded events and dead letters on the receiver' },
      );
      return seeded;
    },

    async restore(snap: Snapshot): Promise<void> {
      // The sender: the fuzzer's webhooks and what runs for them.
      const made = await this.newWebhooks(snap);
      const live = await senderDb.query<{ id: string }>(
        'SELECT id FROM webhooks WHERE id = ANY($1) AND deleted_at IS NULL',
        [made],
      );
      // Operational endpoints have a resource of their own; left, they would get later suites' events.
      for (const { id } of live)
        await sender.delete(id.startsWith('opwh_') ? `/operational-webhooks/${id}` : `/webhooks/${id}`);
      for (const e of await runningEmitters(sender)) {
        if (snap.runningEmitters.has(e.emitter_id)) continue;
        const q = `customer_id=${encodeURIComponent(e.customer_id)}&webhook_id=${e.webhook_id}`;
        await sender.post(`/emitter/stop?${q}`);
      }
      // Its events' messages to older webhooks would retry against ports nothing listens on.
      await senderDb.query(
        `UPDATE deliveries SET status = 'canceled', finished_at = now()
         WHERE id > $1 AND status IN ('pending', 'held')`,
        [snap.lastDelivery],
      );
      // Secrets like sixteen zeros (its own webhooks', or a rotation's of an older webhook): left
      // stored, the end-of-run log scan would find them in any log by chance (fuzzSecrets checks
      // the distinctive ones before this). The older webhooks sign as before again.
      await senderDb.query('DELETE FROM webhook_secrets WHERE NOT (id::text = ANY($1))', [
        snap.senderSecrets.map((s) => s.id),
      ]);
      await senderDb.query(
        `UPDATE webhook_secrets w SET expires_at = s.expires_at
         FROM unnest($1::bigint[], $2::timestamptz[]) AS s(id, expires_at)
         WHERE w.id = s.id AND w.expires_at IS DISTINCT FROM s.expires_at`,
        [snap.senderSecrets.map((s) => s.id), snap.senderSecrets.map((s) => s.expires_at)],
      );
      await senderDb.query('DELETE FROM event_types WHERE NOT (type = ANY($1))', [[...snap.eventTypes]]);

      // The receiver: secrets and fault profiles as they were.
      const secrets = await receiverDb.query<ReceiverSecretRow>(
        'SELECT id::text, secret FROM receiver_secrets',
      );
      const before = new Set(snap.receiverSecrets.map((s) => s.id));
      for (const s of secrets) if (!before.has(s.id)) await receiver.delete(`/secrets/${s.id}`);
      const now = new Set(secrets.map((s) => s.id));
      for (const s of snap.receiverSecrets) {
        if (now.has(s.id)) continue;
        const res = await receiver.post('/secrets', {
          customer_id: s.customer_id,
          secret: s.secret,
          signature_scheme: s.signature_scheme,
          ...(s.label === null ? {} : { label: s.label }),
        });
        if (res.status !== 201 && res.status !== 409)
          throw new Error(`restoring receiver secret ${s.id}: ${res.status}`);
      }
      const profiles = await dataOf<FaultProfile>(receiver, '/faults');
      for (const p of profiles) {
        const was = snap.faults.find((f) => f.customer_id === p.customer_id);
        const path = `/faults/${encodeURIComponent(p.customer_id)}`;
        if (!was) await receiver.delete(path);
        else if (JSON.stringify(was.profile) !== JSON.stringify(p.profile))
          await receiver.put(path, was.profile);
      }
      for (const f of snap.faults) {
        if (!profiles.some((p) => p.customer_id === f.customer_id))
          await receiver.put(`/faults/${encodeURIComponent(f.customer_id)}`, f.profile);
      }

      // Its operational webhooks would keep sending the seeded dead letters' events to made-up URLs.
      const opsMade = await receiverDb.query<{ id: string }>(
        'SELECT id FROM operational_endpoints WHERE deleted_at IS NULL AND NOT (id = ANY($1))',
        [[...snap.operationalWebhooks]],
      );
      for (const { id } of opsMade) await receiver.delete(`/operational-webhooks/${id}`);

      // Both: the keys it made.
      for (const [api, db, had] of [
        [sender, senderDb, snap.senderKeys],
        [receiver, receiverDb, snap.receiverKeys],
      ] as const) {
        const keys = await db.query<{ id: string }>('SELECT id FROM api_keys WHERE revoked_at IS NULL');
        for (const { id } of keys) if (!had.has(id)) await api.post(`/keys/${id}/revoke`);
      }
    },

    async end(): Promise<void> {
      await senderDb.end();
      await receiverDb.end();
    },
  };
}
