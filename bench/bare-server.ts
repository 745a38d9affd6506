/**
 * The ingest baseline's upstream: a bare Node HTTP server that reads the body and answers 202,
 * doing nothing else. Same keep-alive timeouts as the handlers (lib/src/server.ts), so nginx
 * treats both alike.
 *
 *   node --import tsx bench/bare-server.ts <port>
 */
import http from 'node:http';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: bare-server.ts <port>');
  process.exit(2);
}

const ACCEPTED = Buffer.from('{"status":"accepted"}');
const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    const status = req.method === 'POST' ? 202 : 200;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': ACCEPTED.length });
    res.end(ACCEPTED);
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
