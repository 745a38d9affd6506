import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeReceiver, type ReceiverOptions } from './app.js';

export interface RunningServer {
  /** `http://host:port`: the receiver's endpoint is `${url}/webhooks`. */
  url: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: any free one) and serves the receiver. */
export function startServer(
  options: ReceiverOptions & { host?: string; port?: number },
): Promise<RunningServer> {
  const server = createServer(makeReceiver(options));
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
