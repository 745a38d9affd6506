import net from 'node:net';

/** Every port the local stack listens on, by part. */
export interface StackPorts {
  sender: number;
  ingress: number;
  consumer: number;
  handlers: number[];
  kafka: number;
  kafkaController: number;
  postgres: number;
}

const num = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
};

/**
 * The contract's ports (sender 8080, ingress 8081, consumer 8082, Kafka 9092), each overridable
 * by its variable; `STACK_PORT_OFFSET` shifts them all (tests run a second stack beside yours).
 */
export function resolvePorts(env: NodeJS.ProcessEnv, replicas: number): StackPorts {
  const offset = num(env, 'STACK_PORT_OFFSET', 0);
  const handlerBase = num(env, 'HANDLER_BASE_PORT', 8091) + offset;
  const ports: StackPorts = {
    sender: num(env, 'SENDER_PORT', 8080) + offset,
    ingress: num(env, 'INGRESS_PORT', 8081) + offset,
    consumer: num(env, 'CONSUMER_PORT', 8082) + offset,
    handlers: Array.from({ length: replicas }, (_, i) => handlerBase + i),
    kafka: num(env, 'KAFKA_PORT', 9092) + offset,
    kafkaController: num(env, 'KAFKA_CONTROLLER_PORT', 9093) + offset,
    postgres: num(env, 'PG_PORT', 55432) + offset,
  };
  for (const [name, port] of Object.entries(ports)) {
    for (const p of [port].flat()) {
      if (p > 65535) throw new Error(`port for ${name} is ${p} (> 65535): lower STACK_PORT_OFFSET`);
    }
  }
  return ports;
}

/** Resolves when nothing listens on 127.0.0.1:port; rejects with a message naming the part. */
export function assertPortFree(port: number, part: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} for ${part} is already taken by another process. Stop it, or choose another port with ${variable}=<port> or STACK_PORT_OFFSET=<n>.`
            : `cannot listen on 127.0.0.1:${port} for ${part}: ${err.message}`,
        ),
      );
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
