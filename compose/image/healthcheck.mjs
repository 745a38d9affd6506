// The image's HEALTHCHECK: 200 from GET /healthz of the service in this container. One container
// runs one service, so the first of the three ports that answers is it.
const ports = [
  process.env.SENDER_PORT ?? '8080',
  process.env.HANDLER_PORT ?? '8090',
  process.env.CONSUMER_PORT ?? '8082',
];
for (const port of ports) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
    if (res.ok) process.exit(0);
  } catch {
    // not this port
  }
}
process.exit(1);
