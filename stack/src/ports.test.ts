import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consumerParts, kafkaParts, openContext, partKind, scaleOf, senderParts } from './context.js';
import { resolveInstancePorts, resolvePorts } from './ports.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-ports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a scaled stack’s ports and part names', () => {
  it('keeps the contract ports and names with one of each', () => {
    const ports = resolveInstancePorts(resolvePorts({}, 3), { senders: 1, consumers: 1, kafkaBrokers: 1 });
    expect(ports.senders).toEqual([8080]);
    expect(ports.consumers).toEqual([8082]);
    expect(ports.kafkaNodes).toEqual([{ broker: 9092, controller: 9093 }]);
    const ctx = openContext({ dir: path.join(tmp, 'one'), env: {}, log: () => undefined });
    expect([...senderParts(ctx.state), ...consumerParts(ctx.state), ...kafkaParts(ctx.state)]).toEqual([
      'sender',
      'consumer',
      'kafka',
    ]);
  });

  it('puts instance n 100 ports above instance n-1, and broker n 2 above broker n-1, all shifted by the offset', () => {
    const base = resolvePorts({ STACK_PORT_OFFSET: '5000' }, 3);
    const ports = resolveInstancePorts(base, { senders: 2, consumers: 3, kafkaBrokers: 3 });
    expect(ports.senders).toEqual([13080, 13180]);
    expect(ports.consumers).toEqual([13082, 13182, 13282]);
    expect(base.handlers).toEqual([13091, 13092, 13093]);
    expect(ports.kafkaNodes).toEqual([
      { broker: 14092, controller: 14093 },
      { broker: 14094, controller: 14095 },
      { broker: 14096, controller: 14097 },
    ]);
  });

  it('names scaled parts sender-<n>, consumer-<n>, kafka-<n>', () => {
    const env = { STACK_SENDERS: '2', STACK_CONSUMERS: '2', STACK_KAFKA_BROKERS: '3' };
    const ctx = openContext({ dir: path.join(tmp, 'scaled'), env, log: () => undefined });
    expect(senderParts(ctx.state)).toEqual(['sender-1', 'sender-2']);
    expect(consumerParts(ctx.state)).toEqual(['consumer-1', 'consumer-2']);
    expect(kafkaParts(ctx.state)).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    expect(partKind('kafka-3')).toEqual({ kind: 'kafka', instance: 3 });
    expect(partKind('sender')).toEqual({ kind: 'sender', instance: 1 });
  });

  it('rejects counts it cannot run, naming the variable', () => {
    expect(() => scaleOf({ STACK_KAFKA_BROKERS: '2' })).toThrow(
      'STACK_KAFKA_BROKERS must be 1 or 3, got "2"',
    );
    expect(() => scaleOf({ STACK_SENDERS: '10' })).toThrow('STACK_SENDERS must be 1..9, got "10"');
    expect(() => scaleOf({ STACK_CONSUMERS: 'two' })).toThrow('STACK_CONSUMERS must be 1..9');
    expect(() => scaleOf({ HANDLER_REPLICAS: '0' })).toThrow('HANDLER_REPLICAS must be 1..9');
  });

  it('refuses ports two parts would share', () => {
    expect(() =>
      resolveInstancePorts(resolvePorts({ CONSUMER_PORT: '8180' }, 1), {
        senders: 2,
        consumers: 1,
        kafkaBrokers: 1,
      }),
    ).toThrow('port 8180 would be used by two parts');
  });
});
