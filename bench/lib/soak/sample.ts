import path from 'node:path';
import pg from 'pg';
import { TOPICS, makeKafka, makeLagReader, silentLogger, withTimeout } from '@hookpipe/lib';
import { livePid, processTree, type PartName, type StackContext } from '@hookpipe/stack';
import { readProc, tcpStates, type ProcReading } from './proc.js';

/** A part of the stack at one moment: its main process and every descendant (workers, backends). */
export interface PartReading {
  part: PartName;
  pid: number;
  processes: ProcReading[];
  /** Node services: `nodejs_heap_size_used_bytes` from their /metrics. */
  heapUsedMb?: number;
}

const SERVICE = /^(sender|consumer|handler-\d+)$/;

function serviceUrl(ctx: StackContext, part: PartName): string {
  const p = ctx.state.ports;
  const port =
    part === 'sender' ? p.sender : part === 'consumer' ? p.consumer : p.handlers[Number(part.slice(8)) - 1];
  return `http://127.0.0.1:${port}`;
}

async function heapUsedMb(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) });
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+(\S+)$/m.exec(await res.text());
    return m ? Number(m[1]) / 2 ** 20 : undefined;
  } catch {
    return undefined;
  }
}

export type { ProcReading } from './proc.js';

/** Where the stack's data stores keep their files (see {@link readProc}). */
export const dataDirs = (ctx: StackContext): string[] =>
  [ctx.state.pgDataDir, path.join(ctx.dir, 'kafka', 'data')].filter((d): d is string => !!d);

/** Every running part's processes (and the Node services' heap). */
export async function readParts(ctx: StackContext, parts: readonly PartName[]): Promise<PartReading[]> {
  const out: PartReading[] = [];
  const options = { dataDirs: dataDirs(ctx), tcp: tcpStates() };
  for (const part of parts) {
    const pid = livePid(ctx, part);
    if (!pid) continue;
    const processes = processTree([pid])
      .map((p) => readProc(p, options))
      .filter((p): p is ProcReading => !!p);
    out.push({ part, pid, processes });
  }
  await Promise.all(
    out
      .filter((r) => SERVICE.test(r.part))
      .map(async (r) => {
        const heap = await heapUsedMb(serviceUrl(ctx, r.part));
        if (heap !== undefined) r.heapUsedMb = heap;
      }),
  );
  return out;
}

/** The sender's outbox: deliveries not final yet (pending, and held for a disabled webhook). */
export async function outboxDepth(senderDatabaseUrl: string): Promise<number | undefined> {
  const client = new pg.Client({
    connectionString: senderDatabaseUrl,
    connectionTimeoutMillis: 2000,
    statement_timeout: 3000,
  });
  // An error after the query (the server going away) must not crash the soak.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'held')",
    );
    return Number(rows[0]!.n);
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What the receiver's `GET /stats` says: lag per topic and the dead-letter totals. */
export interface ReceiverStats {
  lag?: { events: number; retry: number; total: number };
  persisted?: number;
  deadLettered?: number;
  deadLettersOpen?: number;
}

interface StatsAnswer {
  totals: { persisted: number; dead_lettered: number; dead_letters_open: number } | null;
  lag: { total: number; partitions: { topic: string; lag: number }[] } | null;
}

export async function receiverStats(consumerUrl: string, apiKey: string): Promise<ReceiverStats | undefined> {
  try {
    const res = await fetch(`${consumerUrl}/stats`, {
      headers: { 'x-api-key': apiKey },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return undefined;
    const s = (await res.json()) as StatsAnswer;
    const of = (topic: string) =>
      (s.lag?.partitions ?? []).filter((p) => p.topic === topic).reduce((a, p) => a + p.lag, 0);
    return {
      ...(s.lag ? { lag: { events: of(TOPICS.events), retry: of(TOPICS.retry), total: s.lag.total } } : {}),
      ...(s.totals
        ? {
            persisted: s.totals.persisted,
            deadLettered: s.totals.dead_lettered,
            deadLettersOpen: s.totals.dead_letters_open,
          }
        : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The consumer group's lag read straight from Kafka (not through the consumer, which the chaos
 * kills): the probe's source for "lag back to zero". Fails fast while Kafka is down.
 */
export function makeKafkaLag(brokers: string) {
  const reader = makeLagReader({
    kafka: makeKafka({
      clientId: 'hookpipe-soak',
      brokers: [brokers],
      logger: silentLogger(),
      // A few quick retries: finding the group's coordinator fails once before metadata is in.
      config: {
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 },
        connectionTimeout: 1000,
        requestTimeout: 2000,
      },
    }),
    groupId: 'hookpipe-consumer',
    topics: [TOPICS.events, TOPICS.retry],
  });
  return {
    async read(): Promise<{ events: number; retry: number } | undefined> {
      try {
        const view = await withTimeout(reader.read(), 2500, 'Kafka');
        const sum = (topic: string) =>
          view.partitions.filter((p) => p.topic === topic).reduce((a, p) => a + p.lag, 0);
        return { events: sum(TOPICS.events), retry: sum(TOPICS.retry) };
      } catch {
        // A broken connection is not reused: the next read connects afresh.
        await reader.close().catch(() => undefined);
        return undefined;
      }
    },
    close: () => reader.close().catch(() => undefined),
  };
}
