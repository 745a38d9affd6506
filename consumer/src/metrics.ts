import { Counter, makeRegistry, type Registry } from '@hookpipe/lib';
import type { BatchOutcome } from './pipeline/process-batch.js';

/** The consumer's Prometheus counters; `snapshot()` shows them in /stats. */
export function makeConsumerMetrics(registry: Registry = makeRegistry('consumer')) {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `hookpipe_consumer_${name}`, help, labelNames, registers: [registry] });
  const persisted = counter('events_persisted_total', 'Events stored (new rows)');
  const duplicates = counter('events_duplicate_total', 'Redelivered events already stored (no new row)');
  const retried = counter('events_retried_total', 'Failed events requeued to the retry topic');
  const deadLettered = counter('events_dead_lettered_total', 'Events sent to the dead-letter topic');
  const poison = counter('events_poison_total', 'Unreadable or unstorable records (dead-lettered at once)');
  const holds = counter(
    'partition_holds_total',
    'Times a partition was paused: a retry not due yet, or the database or Kafka unavailable',
    ['reason'],
  );
  const replayed = counter('dead_letters_replayed_total', 'Dead letters replayed');
  const totals = {
    persisted: 0,
    duplicates: 0,
    retried: 0,
    dead_lettered: 0,
    poison: 0,
    replayed: 0,
    infra_holds: 0,
  };
  return {
    registry,
    onOutcome(outcome: BatchOutcome): void {
      const c = outcome.counts;
      persisted.inc(c.persisted);
      duplicates.inc(c.duplicates);
      retried.inc(c.retried);
      deadLettered.inc(c.deadLettered);
      poison.inc(c.poison);
      totals.persisted += c.persisted;
      totals.duplicates += c.duplicates;
      totals.retried += c.retried;
      totals.dead_lettered += c.deadLettered;
      totals.poison += c.poison;
      if (outcome.hold) holds.inc({ reason: outcome.hold.reason });
      if (outcome.hold && outcome.hold.reason !== 'not_due') totals.infra_holds += 1;
    },
    onReplayed(n: number): void {
      replayed.inc(n);
      totals.replayed += n;
    },
    /** Counts since this process started. */
    snapshot: () => ({ ...totals }),
  };
}

export type ConsumerMetrics = ReturnType<typeof makeConsumerMetrics>;
