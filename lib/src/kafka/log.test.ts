import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { makeLogger } from '../logger.js';
import { quietKafkaLogCreator } from './log.js';

describe('kafkajs log filter', () => {
  const capture = () => {
    const lines: { level: string; msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as never);
        done();
      },
    });
    return { lines, logger: makeLogger('handler-test', { level: 'info', destination }) };
  };
  const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) => ({
    namespace: 'x',
    level,
    label: 'ERROR',
    log: { timestamp: '', logger: 'kafkajs', message, ...extra },
  });

  it('drops the limited-retries warning, demotes connection errors, keeps the rest', () => {
    const { lines, logger } = capture();
    const log = quietKafkaLogCreator(logger, { connectionErrorsAtDebug: true })(logLevel.INFO);
    log(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    log(entry(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list'));
    log(entry(logLevel.ERROR, 'Response Produce', { error: 'Connection error: connect ECONNREFUSED' }));
    log(entry(logLevel.ERROR, 'The coordinator is not aware of this member'));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'The coordinator is not aware of this member'],
    ]);
  });

  it('without the option, drops only the limited-retries warning', () => {
    const { lines, logger } = capture();
    const log = quietKafkaLogCreator(logger)(logLevel.INFO);
    log(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    log(entry(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list'));
    log(entry(logLevel.ERROR, 'The coordinator is not aware of this member'));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'Failed to connect to seed broker, trying another broker from the list'],
      ['error', 'The coordinator is not aware of this member'],
    ]);
  });
});
