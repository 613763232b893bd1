/**
 * Baseline A: the least an HTTP JSON endpoint can do in Node. Reads the body, JSON.parse's it and answers
 * 201 with a small JSON. Run as its own process (PORT from the environment), like the API.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);
let counter = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let parsed: { externalId?: unknown };
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { externalId?: unknown };
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"statusCode":400,"code":"VALIDATION_FAILED","message":"bad JSON"}');
      return;
    }
    const body = JSON.stringify({ id: ++counter, externalId: parsed.externalId, status: 'pending' });
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(
    `bare http server listening on ${typeof address === 'object' && address ? address.port : port}`,
  );
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
