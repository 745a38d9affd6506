import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFollower, readBacklog, type LogLine } from './log-follow.js';
import { formatLine, lineTime, partColours, partOf, partWanted, useColor } from './log-format.js';

const plain = { color: false, width: 9 };

const handlerLine = JSON.stringify({
  level: 'info',
  time: '2026-01-02T03:04:05.678Z',
  service: 'handler',
  pid: 12,
  handlerId: 'handler-2',
  requestId: 'abc123',
  webhookId: 'msg_1',
  customerId: 'demo',
  eventType: 'order.created',
  msg: 'event accepted',
});

const accessLine = JSON.stringify({
  time: '2026-01-02T03:04:05+00:00',
  request_id: 'abc123',
  remote_addr: '127.0.0.1',
  method: 'POST',
  uri: '/webhook',
  status: 202,
  request_length: 480,
  bytes_sent: 291,
  request_time: 0.043,
  upstream_addr: '127.0.0.1:8092',
  upstream_status: '202',
  upstream_response_time: '0.042',
  upstream_connect_time: '0.001',
  webhook_id: 'msg_1',
  limit_req: 'PASSED',
  user_agent: 'hookpipe-sender/0.1',
});

describe('formatLine', () => {
  it('shows a service line as time, level, message, the ids first, then the other fields', () => {
    expect(formatLine('handler-2', handlerLine, plain)).toBe(
      'handler-2 | 03:04:05.678 INFO  event accepted webhookId=msg_1 requestId=abc123 customerId=demo eventType=order.created',
    );
  });

  it('shows an error by its type and message, and quotes values with spaces', () => {
    const line = JSON.stringify({
      level: 'error',
      time: '2026-01-02T03:04:05.000Z',
      service: 'consumer',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
      reason: 'two words',
      msg: 'consumer crashed',
    });
    expect(formatLine('consumer', line, plain)).toBe(
      'consumer  | 03:04:05.000 ERROR consumer crashed err="Error: boom" reason="two words"',
    );
  });

  it("shows nginx's access line with the same id names as the services", () => {
    expect(formatLine('nginx-access', accessLine, { color: false, width: 12 })).toBe(
      'nginx-access | 03:04:05 POST /webhook 202 43ms → 127.0.0.1:8092 webhookId=msg_1 requestId=abc123',
    );
    const refused = JSON.stringify({
      ...(JSON.parse(accessLine) as object),
      status: 429,
      upstream_addr: '',
      upstream_status: '',
      limit_req: 'REJECTED',
      webhook_id: '',
    });
    expect(formatLine('nginx-access', refused, { color: false, width: 12 })).toBe(
      'nginx-access | 03:04:05 POST /webhook 429 43ms requestId=abc123 limit_req=REJECTED',
    );
  });

  it('passes other lines (Kafka, PostgreSQL, not JSON) through as they are', () => {
    const kafka = '[2026-01-02 03:04:05,678] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)';
    expect(formatLine('kafka', kafka, plain)).toBe(`kafka     | ${kafka}`);
    expect(formatLine('kafka', '{not json', plain)).toBe('kafka     | {not json');
    expect(formatLine('x', '{"a":1}', plain)).toBe('x         | {"a":1}');
  });

  it('colours the part, the level and the status when asked', () => {
    const out = formatLine('handler-2', handlerLine, { color: true, width: 9, partColour: '35' });
    expect(out.startsWith('\u001b[35mhandler-2\u001b[0m')).toBe(true);
    expect(out).toContain('\u001b[32mINFO ');
    expect(out).toContain('\u001b[1mwebhookId=msg_1\u001b[0m');
    expect(formatLine('nginx-access', accessLine, { color: true, width: 12 })).toContain('\u001b[32m202');
  });
});

describe('parts and colours', () => {
  it('names a part by its file and selects parts by name or family', () => {
    expect(partOf('handler-2.log')).toBe('handler-2');
    expect(partWanted('handler-2', [])).toBe(true);
    expect(partWanted('handler-2', ['handler-2'])).toBe(true);
    expect(partWanted('handler-2', ['handler'])).toBe(true);
    expect(partWanted('handler-2', ['handler-1', 'consumer'])).toBe(false);
    expect(partWanted('nginx-access', ['nginx'])).toBe(true);
    expect(partWanted('consumer', ['con'])).toBe(false);
  });

  it('gives each part its own stable colour', () => {
    const a = partColours(['sender', 'consumer', 'handler-1']);
    const b = partColours(['handler-1', 'sender', 'consumer']);
    expect([...a]).toEqual([...b]);
    expect(new Set(a.values()).size).toBe(3);
  });

  it('colours a terminal unless NO_COLOR; FORCE_COLOR always', () => {
    expect(useColor({}, true)).toBe(true);
    expect(useColor({}, false)).toBe(false);
    expect(useColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor({ FORCE_COLOR: '1' }, false)).toBe(true);
  });
});

describe('lineTime', () => {
  it('reads the time of JSON, Kafka and PostgreSQL lines', () => {
    expect(lineTime(handlerLine)).toBe(Date.parse('2026-01-02T03:04:05.678Z'));
    expect(lineTime(accessLine)).toBe(Date.parse('2026-01-02T03:04:05Z'));
    expect(lineTime('2026-01-02 03:04:05.678 UTC [42] LOG:  ready')).toBe(
      Date.parse('2026-01-02T03:04:05.678Z'),
    );
    expect(lineTime('[2026-01-02 03:04:05,678] INFO x')).toBe(Date.parse('2026-01-02T03:04:05.678'));
    expect(lineTime('    at continuation')).toBeUndefined();
  });
});

describe('reading and following log files', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const json = (time: string, msg: string) => JSON.stringify({ level: 'info', time, msg });

  it('merges the last lines of each file in time order, or every line matching a grep', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-logs-'));
    writeFileSync(
      path.join(dir, 'consumer.log'),
      [json('2026-01-01T00:00:01Z', 'c1 msg_x'), json('2026-01-01T00:00:04Z', 'c2')].join('\n') + '\n',
    );
    writeFileSync(
      path.join(dir, 'handler-1.log'),
      [
        json('2026-01-01T00:00:00Z', 'h0'),
        json('2026-01-01T00:00:02Z', 'h1 msg_x'),
        json('2026-01-01T00:00:03Z', 'h2'),
      ].join('\n') + '\n',
    );
    writeFileSync(path.join(dir, 'notes.txt'), 'not a log\n');
    const all = () => true;
    const last2 = await readBacklog(dir, { wanted: all, lines: 2 });
    const msg = (l: LogLine) => (JSON.parse(l.line) as { msg: string }).msg;
    expect(last2.lines.map((l) => `${l.part}:${msg(l)}`)).toEqual([
      'consumer:c1 msg_x',
      'handler-1:h1 msg_x',
      'handler-1:h2',
      'consumer:c2',
    ]);
    const grep = await readBacklog(dir, { wanted: all, lines: 0, grep: 'msg_x' });
    expect(grep.lines.map((l) => l.part)).toEqual(['consumer', 'handler-1']);
    const onlyHandlers = await readBacklog(dir, { wanted: (p) => partWanted(p, ['handler']), lines: 5 });
    expect(new Set(onlyHandlers.lines.map((l) => l.part))).toEqual(new Set(['handler-1']));
  });

  it('follows appended lines, whole lines only, new files and files started over', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-logs-'));
    const file = path.join(dir, 'sender.log');
    writeFileSync(file, 'old line\n');
    const { positions } = await readBacklog(dir, { wanted: () => true, lines: 0 });
    const seen: LogLine[] = [];
    const follower = makeFollower(dir, { wanted: () => true, grep: 'keep' }, positions, (l) => seen.push(l));

    appendFileSync(file, 'keep 1\ndrop 2\nkeep 3 (half');
    await follower.poll();
    expect(seen.map((l) => l.line)).toEqual(['keep 1']);
    appendFileSync(file, ' now whole) é\n');
    await follower.poll();
    expect(seen.map((l) => l.line)).toEqual(['keep 1', 'keep 3 (half now whole) é']);

    writeFileSync(path.join(dir, 'handler-4.log'), 'keep from a new part\n');
    truncateSync(file, 0);
    appendFileSync(file, 'keep after truncation\n');
    await follower.poll();
    expect(seen.slice(2)).toEqual([
      { part: 'handler-4', line: 'keep from a new part' },
      { part: 'sender', line: 'keep after truncation' },
    ]);
  });
});
