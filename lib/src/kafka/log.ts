import { logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../logger.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** Routes kafkajs' own logs into a pino logger (kafkajs logs through console by default). */
export function kafkaLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, timestamp: _ts, logger: _l, ...extra } = log;
      child[LEVELS[level] ?? 'info'](extra, message);
    };
}

const LIMITED_RETRIES = 'Limiting retries for the idempotent producer';

const CONNECTION_TROUBLE =
  /Connection error|ECONNREFUSED|ECONNRESET|Connection timeout|Closed connection|Failed to connect to seed broker/i;

/**
 * kafkajs' logs through ours, for a client whose producers are held by `makeProducerHolder`.
 * Its warning that limited retries may break idempotence is dropped: the holder bounds retries
 * on purpose and replaces the producer after any failed send, which is what keeps idempotence
 * intact. With `connectionErrorsAtDebug`, its per-attempt connection errors go to debug, for a
 * holder that connects in the background: the holder logs an outage once when it starts and
 * once when it ends.
 */
export function quietKafkaLogCreator(
  logger: Logger,
  options: { connectionErrorsAtDebug?: boolean } = {},
): logCreator {
  const base = kafkaLogCreator(logger);
  return () => {
    const write = base();
    return (entry: LogEntry) => {
      if (entry.log.message.startsWith(LIMITED_RETRIES)) return;
      const error = (entry.log as { error?: unknown }).error;
      const text = `${entry.log.message} ${typeof error === 'string' ? error : ''}`;
      const demote = options.connectionErrorsAtDebug === true && CONNECTION_TROUBLE.test(text);
      write(demote ? { ...entry, level: KafkaLogLevel.DEBUG } : entry);
    };
  };
}
