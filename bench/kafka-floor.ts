/**
 * A floor for the ingest scenario (a tuning tool, run as a `bench/ab.ts` variant with
 * `"script": "bench/kafka-floor.ts"`): what any handler built on kafkajs with the handler's Kafka
 * guarantees can reach on this machine. node:http, the body read whole, micro-batched into an
 * idempotent producer (one send in flight, acks=all, linger 2 ms), 202 only after the ack, the
 * same seven record headers; and nothing else: no signature check, no Hono, no rate limit, no
 * logs, no metrics. Its kafkajs gets the same idle-loop fix as the handler's (lib's
 * fixKafkajsIdleLoop). Reads HANDLER_PORT and KAFKA_BROKERS like the handler; the same keep-alive
 * timeouts as lib/src/server.ts.
 */
import http from 'node:http';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { fixKafkajsIdleLoop } from '@hookpipe/lib';

const port = Number(process.env.HANDLER_PORT);
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const topic = process.env.KAFKA_TOPIC_EVENTS ?? 'webhooks.events';
if (!Number.isInteger(port) || port <= 0 || brokers.length === 0) {
  console.error('kafka-floor: set HANDLER_PORT and KAFKA_BROKERS');
  process.exit(2);
}

fixKafkajsIdleLoop();
const kafka = new Kafka({ clientId: 'hookpipe-kafka-floor', brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();

interface Pending {
  message: Message;
  done: (ok: boolean) => void;
}
let queue: Pending[] = [];
let sending = false;
let timer: NodeJS.Timeout | undefined;

function flush(): void {
  timer = undefined;
  if (sending || queue.length === 0) return;
  const batch = queue;
  queue = [];
  sending = true;
  producer
    .send({ topic, acks: -1, messages: batch.map((p) => p.message) })
    .then(
      () => batch.forEach((p) => p.done(true)),
      () => batch.forEach((p) => p.done(false)),
    )
    .finally(() => {
      sending = false;
      if (queue.length > 0) flush();
    });
}

const ACCEPTED = Buffer.from('{"status":"accepted"}');
const OK = Buffer.from('{"status":"ok"}');
const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK.length });
    res.end(OK);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const id = String(req.headers['webhook-id'] ?? '');
    const message: Message = {
      key: id,
      value: Buffer.concat(chunks),
      headers: {
        'webhook-id': id,
        'event-type': 'floor',
        'customer-id': 'floor',
        'received-at': new Date().toISOString(),
        'request-id': id,
        retry_count: '0',
        'signed-at': String(req.headers['webhook-timestamp'] ?? ''),
      },
    };
    queue.push({
      message,
      done: (ok) => {
        if (ok) {
          res.writeHead(202, { 'content-type': 'application/json', 'content-length': ACCEPTED.length });
          res.end(ACCEPTED);
        } else {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end('{"error":{"code":"kafka_unavailable"}}');
        }
      },
    });
    if (!sending && !timer) timer = setTimeout(flush, 2);
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, '127.0.0.1');

const stop = () => {
  server.close();
  void producer.disconnect().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
