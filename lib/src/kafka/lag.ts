import type { Admin, Kafka } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset (the next record it will read); null when it has none. */
  committed: number | null;
  /** The partition's end offset (high watermark). */
  end: number;
  lag: number;
}

export interface LagView {
  group: string;
  total: number;
  partitions: PartitionLag[];
}

/**
 * Consumer lag per partition: the end offset (admin fetchTopicOffsets) minus the group's
 * committed offset (admin fetchOffsets); a partition the group never committed counts from its
 * first retained record. Connects one admin client on first use; `close()` disconnects it.
 */
export function makeLagReader(deps: { kafka: Kafka; groupId: string; topics: readonly string[] }) {
  let admin: Promise<Admin> | undefined;
  const connect = () => {
    admin ??= (async () => {
      const a = deps.kafka.admin();
      await a.connect();
      return a;
    })().catch((err: unknown) => {
      admin = undefined;
      throw err;
    });
    return admin;
  };
  return {
    async read(): Promise<LagView> {
      const a = await connect();
      const committed = await a.fetchOffsets({ groupId: deps.groupId, topics: [...deps.topics] });
      const partitions: PartitionLag[] = [];
      for (const topic of deps.topics) {
        const ends = await a.fetchTopicOffsets(topic);
        const mine = committed.find((t) => t.topic === topic)?.partitions ?? [];
        for (const p of ends.sort((x, y) => x.partition - y.partition)) {
          const c = Number(mine.find((m) => m.partition === p.partition)?.offset ?? -1);
          const end = Number(p.high);
          const from = c >= 0 ? c : Number(p.low);
          partitions.push({
            topic,
            partition: p.partition,
            committed: c >= 0 ? c : null,
            end,
            lag: Math.max(0, end - from),
          });
        }
      }
      return { group: deps.groupId, total: partitions.reduce((s, p) => s + p.lag, 0), partitions };
    },
    async close(): Promise<void> {
      const a = admin;
      admin = undefined;
      if (a) await (await a).disconnect();
    },
  };
}

export type LagReader = ReturnType<typeof makeLagReader>;
