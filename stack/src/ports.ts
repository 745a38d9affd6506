import net from 'node:net';

/** Every port the local stack listens on, by part. */
export interface StackPorts {
  /** The first sender's (the only one's, unscaled). */
  sender: number;
  ingress: number;
  /** The first consumer's. */
  consumer: number;
  handlers: number[];
  /** The first broker's client and controller ports. */
  kafka: number;
  kafkaController: number;
  postgres: number;
}

/** Every sender's, consumer's and broker's ports, in instance order (the first ones are StackPorts'). */
export interface InstancePorts {
  senders: number[];
  consumers: number[];
  kafkaNodes: { broker: number; controller: number }[];
}

/** How many of each scaled part a stack runs. */
export interface StackScale {
  replicas: number;
  senders: number;
  consumers: number;
  kafkaBrokers: number;
}

/** Instance n (1-based) of a scaled service listens 100 ports above instance n-1. */
export const INSTANCE_PORT_STEP = 100;
/** Broker n listens 2 ports above broker n-1, its controller right above its client port. */
export const BROKER_PORT_STEP = 2;

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

/**
 * The ports of the scaled parts, from the first ones: sender and consumer n listen
 * INSTANCE_PORT_STEP above n-1 (8080, 8180, …; 8082, 8182, …), broker n and its controller
 * BROKER_PORT_STEP above n-1 (9092+9093, 9094+9095, 9096+9097). Throws when a port would be
 * out of range or used twice.
 */
export function resolveInstancePorts(ports: StackPorts, scale: Omit<StackScale, 'replicas'>): InstancePorts {
  const series = (first: number, n: number, step: number) =>
    Array.from({ length: n }, (_, i) => first + i * step);
  const instances: InstancePorts = {
    senders: series(ports.sender, scale.senders, INSTANCE_PORT_STEP),
    consumers: series(ports.consumer, scale.consumers, INSTANCE_PORT_STEP),
    kafkaNodes: series(0, scale.kafkaBrokers, BROKER_PORT_STEP).map((d) => ({
      broker: ports.kafka + d,
      controller: ports.kafkaController + d,
    })),
  };
  const all = [
    ...ports.handlers,
    ports.ingress,
    ports.postgres,
    ...instances.senders,
    ...instances.consumers,
    ...instances.kafkaNodes.flatMap((k) => [k.broker, k.controller]),
  ];
  for (const p of all) {
    if (p > 65535) throw new Error(`port ${p} is above 65535: lower STACK_PORT_OFFSET or the part's port`);
  }
  const twice = all.find((p, i) => all.indexOf(p) !== i);
  if (twice !== undefined)
    throw new Error(`port ${twice} would be used by two parts: move one (see docs/scaling.md, ports)`);
  return instances;
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
