import { delay, errorMessage, type Clock, type Logger, type SignatureScheme } from '@hookpipe/lib';
import type { SecretBox } from '../secrets.js';
import type { LinkedSecretsStore } from '../store/linked-secrets-store.js';
import type { InstallResult, ReceiverClient, ReceiverRefusal } from './receiver-client.js';

export interface LinkedWebhook {
  id: string;
  customerId: string;
  signatureScheme: SignatureScheme;
}

/**
 * Linked secrets: in one stack, a webhook on the stack's own ingress has its secrets installed
 * on the receiver as they are made, and removed when they stop signing (after a rotation's grace
 * period, on delete, or when the webhook moves off the ingress). Removals are a background
 * sweep's work: retried until the receiver takes them, never blocking a request.
 */
export interface Linker {
  /** Whether `url` is on the stack's ingress (starts with one of the linked prefixes). */
  covers(url: string): boolean;
  install(webhook: LinkedWebhook, secret: string): Promise<InstallResult>;
  /** Takes back an install whose registration did not happen (removed by the sweep, soon). */
  undo(webhookId: string, receiverSecretId: number | null): Promise<void>;
  /** Installs the webhook's signing secrets the receiver lacks (its URL moved onto the ingress). */
  linkExisting(webhook: LinkedWebhook, box: SecretBox): Promise<{ ok: true } | ReceiverRefusal>;
  /** Everything linked for the webhook leaves the receiver (deleted, or moved off the ingress). */
  retire(webhookId: string): Promise<void>;
  /** Removes what is due from the receiver; returns how many went. */
  sweepOnce(): Promise<number>;
  start(): void;
  /** Safe to call twice. */
  stop(): Promise<void>;
}

/** `prefix` covers `url` when the URL starts with it at a path boundary. */
export function coveredBy(prefixes: readonly string[], url: string): boolean {
  return prefixes.some((raw) => {
    const prefix = raw.replace(/\/+$/, '');
    if (!url.startsWith(prefix)) return false;
    const next = url.charAt(prefix.length);
    return next === '' || next === '/' || next === '?' || next === '#';
  });
}

export function makeLinker(deps: {
  prefixes: readonly string[];
  client: ReceiverClient;
  store: LinkedSecretsStore;
  clock: Clock;
  logger: Logger;
  sweepIntervalMs: number;
  /**
   * How long an install waits before it answers: the receiver's handlers load a new secret within
   * 2 s (the contract), and an event signed only with it before then would be refused with 401.
   */
  settleMs: number;
}): Linker {
  const { client, store, clock, logger } = deps;
  const abort = new AbortController();
  let wake: (() => void) | null = null;
  let kicked = false;
  let loop: Promise<void> | null = null;
  let failing = false;

  const label = (webhookId: string) => `webhook ${webhookId}`;
  const kick = () => {
    kicked = true;
    wake?.();
  };

  async function sweepOnce(): Promise<number> {
    let removed = 0;
    for (const due of await store.due(clock(), 100)) {
      const result =
        due.receiverSecretId === null ? { ok: true as const } : await client.remove(due.receiverSecretId);
      if (result.ok) {
        await store.removed(due.id, clock());
        removed += 1;
        logger.info(
          { webhookId: due.webhookId, receiverSecretId: due.receiverSecretId },
          'linked secret removed from the receiver',
        );
      } else {
        await store.failed(due.id, result.message);
        logger[failing ? 'debug' : 'warn'](
          { webhookId: due.webhookId, receiverSecretId: due.receiverSecretId, error: result.message },
          'linked secret not removed yet; retrying',
        );
        failing = true;
        return removed;
      }
    }
    failing = false;
    return removed;
  }

  return {
    covers: (url) => coveredBy(deps.prefixes, url),

    async install(webhook, secret) {
      const result = await client.install({
        customerId: webhook.customerId,
        secret,
        scheme: webhook.signatureScheme,
        label: label(webhook.id),
      });
      if (result.ok) {
        logger.info(
          { webhookId: webhook.id, receiverSecretId: result.receiverSecretId },
          'linked secret installed on the receiver',
        );
        if (result.receiverSecretId !== null && deps.settleMs > 0) await delay(deps.settleMs);
      }
      return result;
    },

    async undo(webhookId, receiverSecretId) {
      if (receiverSecretId === null) return;
      await store.orphan(webhookId, receiverSecretId, clock());
      kick();
    },

    async linkExisting(webhook, box) {
      for (const s of await store.unlinkedSecrets(webhook.id, clock())) {
        const result = await this.install(webhook, box.open(s.secret));
        if (!result.ok) return result;
        await store.record(webhook.id, s.id, result.receiverSecretId, clock());
      }
      return { ok: true };
    },

    async retire(webhookId) {
      if ((await store.retireAll(webhookId, clock())) > 0) kick();
    },

    sweepOnce,

    start() {
      loop ??= (async () => {
        while (!abort.signal.aborted) {
          kicked = false;
          try {
            await sweepOnce();
          } catch (err) {
            logger.warn({ err: errorMessage(err) }, 'linked secret sweep failed; retrying');
          }
          // A kick during the sweep above is not lost: the next one starts at once.
          if (kicked) continue;
          const woken = new Promise<void>((resolve) => (wake = resolve));
          await Promise.race([delay(deps.sweepIntervalMs, abort.signal), woken]);
          wake = null;
        }
      })();
    },

    async stop() {
      abort.abort();
      wake?.();
      await loop;
    },
  };
}
