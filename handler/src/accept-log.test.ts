import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeLogger } from '@hookpipe/lib';
import { harness, post, signed } from './testing/harness.js';

/** A handler logger at `level` whose JSON lines are collected. */
function capture(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: makeLogger('handler', { level, destination }) };
}

describe('the accepted-event log line', () => {
  it('is written at info with LOG_EVENTS, carrying the request id nginx sent and the webhook-id', async () => {
    const { lines, logger } = capture('info');
    const h = await harness({ logger, logEvents: true });
    const s = signed({ id: 'msg_follow_me' });
    const res = await post(h, s.body, { ...s.headers, 'x-request-id': 'nginx-req-1' });
    expect(res.status).toBe(202);
    expect(lines.find((l) => l.msg === 'event accepted')).toMatchObject({
      level: 'info',
      service: 'handler',
      requestId: 'nginx-req-1',
      webhookId: 'msg_follow_me',
      customerId: 'acme',
      eventType: 'order.created',
    });
  });

  it('is debug without LOG_EVENTS: an info logger writes nothing per accepted event', async () => {
    const { lines, logger } = capture('info');
    const h = await harness({ logger });
    const s = signed();
    expect((await post(h, s.body, s.headers)).status).toBe(202);
    expect(lines.filter((l) => l.msg === 'event accepted')).toEqual([]);
  });

  it('puts the same ids on a refusal', async () => {
    const { lines, logger } = capture('info');
    const h = await harness({ logger });
    const s = signed({ id: 'msg_refused', secrets: 'whsec_' + Buffer.alloc(24, 7).toString('base64') });
    const res = await post(h, s.body, { ...s.headers, 'x-request-id': 'nginx-req-2' });
    expect(res.status).toBe(401);
    expect(lines.find((l) => l.webhookId === 'msg_refused')).toMatchObject({
      requestId: 'nginx-req-2',
      code: 'invalid_signature',
    });
  });
});
