import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerUrl,
  HOST_GATEWAY_NAME,
  isLoopbackUrl,
  startForwarder,
  type Forwarder,
} from './host-gateway.js';

// 127.0.0.2 stands in for the gateway: an address of this machine other than the receiver's.
const GATEWAY = '127.0.0.2';

let receiver: Server;
let port: number;
beforeAll(async () => {
  receiver = createServer((req, res) => res.end(`${req.method} ${req.url}`));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

const viaGateway = async (url: string) => {
  const u = new URL(url);
  expect(u.hostname).toBe(HOST_GATEWAY_NAME);
  const res = await fetch(`http://${GATEWAY}:${u.port}${u.pathname}${u.search}`, {
    method: 'POST',
    body: '{}',
  });
  return res.text();
};

describe('loopback URLs', () => {
  it('tells loopback hosts from others', () => {
    expect(isLoopbackUrl('http://127.0.0.1:3000/x')).toBe(true);
    expect(isLoopbackUrl('http://localhost/x')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:3000/')).toBe(true);
    expect(isLoopbackUrl('http://handler:8090/webhook')).toBe(false);
    expect(isLoopbackUrl('https://example.test/hooks')).toBe(false);
  });
});

describe('containerUrl', () => {
  const forwarders = new Map<string, Promise<Forwarder>>();
  afterAll(async () => {
    for (const f of forwarders.values()) await (await f).close();
  });

  it('passes a loopback URL on through the gateway, on the same port when it is free there', async () => {
    const url = await containerUrl(`http://127.0.0.1:${port}/hooks?x=1`, GATEWAY, forwarders);
    expect(url).toBe(`http://${HOST_GATEWAY_NAME}:${port}/hooks?x=1`);
    expect(await viaGateway(url)).toBe('POST /hooks?x=1');
  });

  it('makes one forwarder per target', async () => {
    const again = await containerUrl(`http://localhost:${port}/other`, GATEWAY, forwarders);
    const first = await containerUrl(`http://127.0.0.1:${port}/other`, GATEWAY, forwarders);
    expect(forwarders.size).toBe(2);
    expect(await containerUrl(`http://127.0.0.1:${port}/third`, GATEWAY, forwarders)).toBe(
      first.replace('/other', '/third'),
    );
    expect(await viaGateway(again)).toBe('POST /other');
  });

  it('leaves any other URL as it is', async () => {
    expect(await containerUrl('http://handler:8090/webhook', GATEWAY, forwarders)).toBe(
      'http://handler:8090/webhook',
    );
  });
});

describe('startForwarder', () => {
  it('takes another port when the target port is taken at the gateway, and closes twice', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(port, GATEWAY, () => r()));
    try {
      const f = await startForwarder(GATEWAY, { host: '127.0.0.1', port });
      expect(f.port).not.toBe(port);
      expect(await (await fetch(`http://${GATEWAY}:${f.port}/a`)).text()).toBe('GET /a');
      await Promise.all([f.close(), f.close()]);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  it('says what the engine must be when it cannot listen at the gateway', async () => {
    await expect(startForwarder('192.0.2.123', { host: '127.0.0.1', port })).rejects.toThrow(
      /cannot listen on 192\.0\.2\.123.*rootful Podman/,
    );
  });
});
