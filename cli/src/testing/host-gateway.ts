/**
 * How a container reaches a receiver that runs on this machine. A container on a bridge network
 * reaches the machine at the network's gateway address, where a process listening on 127.0.0.1
 * is not listening. So the kit listens on the gateway address itself and passes each connection
 * on to the loopback address and port the receiver gave: traffic stays on loopback and on the
 * engine's own network, and the receiver need not listen anywhere else.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** The name the kit's containers know the gateway by (an /etc/hosts line of theirs). */
export const HOST_GATEWAY_NAME = 'host.hookpipe.internal';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether a URL names this machine's loopback (what a container cannot reach as written). */
export function isLoopbackUrl(url: string): boolean {
  return LOOPBACK_HOSTS.has(new URL(url).hostname.toLowerCase());
}

export interface Forwarder {
  /** The port it listens on, at the gateway address. */
  port: number;
  close(): Promise<void>;
}

const listen = (server: Server, host: string, port: number) =>
  new Promise<number>((resolve, reject) => {
    const failed = (err: Error) => reject(err);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });

/**
 * Listens on `listenHost` (the gateway address) and pipes every connection to `target` on this
 * machine. Takes the target's own port number when it is free there, so addresses stay readable,
 * else any free port.
 */
export async function startForwarder(
  listenHost: string,
  target: { host: string; port: number },
): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect({ host: target.host, port: target.port });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    // A side that fails (the receiver stopped, the sender gave up) ends the other one.
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  });
  let port: number;
  try {
    port = await listen(server, listenHost, target.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw forwarderError(listenHost, err);
    port = await listen(server, listenHost, 0).catch((e: unknown) => {
      throw forwarderError(listenHost, e);
    });
  }
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })),
  };
}

function forwarderError(host: string, cause: unknown): Error {
  return new Error(
    `cannot listen on ${host}, the container network's gateway, to pass the sender's requests on to ` +
      `your receiver: the kit needs an engine whose networks are bridges on this machine ` +
      `(Docker Engine or rootful Podman on Linux): ${String(cause)}`,
    { cause },
  );
}

/**
 * The URL the sender in its container uses for `url`: a loopback URL goes through a forwarder on
 * the gateway (made once per target and kept in `forwarders`); any other URL stays as it is.
 */
export async function containerUrl(
  url: string,
  gateway: string,
  forwarders: Map<string, Promise<Forwarder>>,
): Promise<string> {
  if (!isLoopbackUrl(url)) return url;
  const parsed = new URL(url);
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const key = `${host}:${port}`;
  let forwarder = forwarders.get(key);
  if (!forwarder) {
    forwarder = startForwarder(gateway, { host, port });
    forwarders.set(key, forwarder);
    forwarder.catch(() => forwarders.delete(key));
  }
  parsed.hostname = HOST_GATEWAY_NAME;
  parsed.port = String((await forwarder).port);
  return parsed.toString();
}
