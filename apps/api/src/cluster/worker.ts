import type { AppConfig } from '@arbiter/config';
import { exitCleanlyOnSignals, Metrics } from '@arbiter/runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import cluster from 'node:cluster';
import { type IncomingMessage, request, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import type { Server } from 'socket.io';
import { isMessage, type PrimaryMessage, WORKER_ENV, type WorkerMessage } from './messages.js';

const FORWARDED = 'x-arbiter-forwarded';
const METRICS_TIMEOUT_MS = 10_000;

let primary: { host: string; port: number } | undefined;
let nextMetricsId = 0;
const metricsWaiting = new Map<number, (reply: { text?: string; error?: string }) => void>();

/** True in an API worker forked by the primary of API_PROCESSES > 1. */
export const inClusterWorker = () => cluster.isWorker && process.env[WORKER_ENV] === '1';

const tell = (message: WorkerMessage) => process.send?.(message);

/**
 * One API worker: the whole application, fed connections by the primary. It also listens on an ephemeral
 * loopback port of its own (never announced), which gives its HTTP server Node's connection tracking, so
 * idle connections are closed and timeouts apply exactly as in a single process.
 */
export async function runWorker(config: AppConfig, createApp: () => Promise<NestFastifyApplication>) {
  const app = await createApp();
  exitCleanlyOnSignals(app, config.SHUTDOWN_TIMEOUT_MS, 'Shutdown', app.getHttpServer());
  await app.listen({ port: 0, host: '127.0.0.1', exclusive: true });
  const server: HttpServer = app.getHttpServer();
  const metrics = app.get(Metrics);
  AggregatorRegistry.setRegistries([metrics.registry]);
  metrics.processMetrics = aggregatedMetrics;

  process.on('message', (message: unknown, handle: unknown) => {
    if (!isMessage<PrimaryMessage>(message)) return;
    switch (message.type) {
      case 'arbiter:connection': {
        const socket = handle as Socket | undefined;
        if (!socket) return;
        adopt(server, socket);
        server.emit('connection', socket);
        // The bytes the primary read to route the connection, given back before any that follow.
        socket.emit('data', Buffer.from(message.head, 'base64'));
        socket.resume();
        return;
      }
      case 'arbiter:listening':
        primary = { host: message.host, port: message.port };
        return;
      case 'arbiter:metrics':
        metricsWaiting.get(message.id)?.(message);
        return;
    }
  });
  tell({ type: 'arbiter:ready' });
}

/** What net.Server keeps to know when it has drained (Node sets these for connections it accepts itself). */
interface Accounted {
  _connections: number;
}

/**
 * Counts a connection the primary handed over as one of the server's own, as net.Server does for those it
 * accepts: `server.close()` then waits for it, so a request in flight at SIGTERM is answered before the
 * worker exits (the socket's close takes it off the count and lets the server's close finish).
 */
function adopt(server: HttpServer, socket: Socket): void {
  (server as unknown as Accounted)._connections++;
  Object.assign(socket, { server, _server: server });
}

/** Every worker's process-local metrics, summed by the primary (prom-client's AggregatorRegistry). */
function aggregatedMetrics(): Promise<string> {
  const id = nextMetricsId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      metricsWaiting.delete(id);
      reject(new Error('the primary did not answer with the metrics'));
    }, METRICS_TIMEOUT_MS);
    metricsWaiting.set(id, (reply) => {
      clearTimeout(timer);
      metricsWaiting.delete(id);
      if (reply.text !== undefined) resolve(reply.text);
      else reject(new Error(reply.error ?? 'no metrics'));
    });
    tell({ type: 'arbiter:metrics', id });
  });
}

/**
 * Keeps the primary's routing table of engine.io sessions, and makes polling requests route by their own
 * sid. A client may reuse one kept-alive connection for requests of several sessions (a browser's pool;
 * or a REST call first, then a poll), and the connection stays with the worker it was first routed to.
 * So every engine.io polling response closes its connection (the next poll arrives on a new connection the
 * primary routes by that poll's sid), and a poll that still arrives for a session this worker does not
 * hold (on a connection last used for a REST call, or before the primary heard of a new session) is sent
 * once back through the primary, which routes it to the session's worker, and the answer passed on.
 */
export function routeSessionsThroughPrimary(io: Server, httpServer: HttpServer): void {
  const engine = io.engine;
  const sessions = new Set<string>();
  engine.on('connection', (socket: { id: string; once(event: 'close', listener: () => void): void }) => {
    sessions.add(socket.id);
    tell({ type: 'arbiter:sid', sid: socket.id, open: true });
    socket.once('close', () => {
      sessions.delete(socket.id);
      tell({ type: 'arbiter:sid', sid: socket.id, open: false });
    });
  });
  engine.on('headers', (headers: Record<string, string>, req: IncomingMessage) => {
    headers['x-arbiter-process'] = String(process.pid);
    if (!req.headers.upgrade) headers['connection'] = 'close';
  });

  const listeners = httpServer.listeners('request') as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const sid = misroutedPoll(req, (id) => sessions.has(id));
    if (sid && primary) return forward(req, res, primary);
    for (const listener of listeners) listener.call(httpServer, req, res);
  });
}

function misroutedPoll(req: IncomingMessage, held: (sid: string) => boolean): string | undefined {
  if (!req.url?.startsWith('/socket.io/') || req.headers[FORWARDED]) return undefined;
  const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
  const sid = query.get('sid');
  return sid && query.get('transport') === 'polling' && !held(sid) ? sid : undefined;
}

/** A long poll lasts at most socket.io's ping interval and timeout (25 s + 20 s); past that it is stuck. */
const FORWARD_TIMEOUT_MS = 60_000;

function forward(req: IncomingMessage, res: ServerResponse, to: { host: string; port: number }) {
  const upstream = request(
    {
      host: to.host,
      port: to.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, connection: 'close', [FORWARDED]: '1' },
      agent: false,
    },
    (answer) => {
      const headers = { ...answer.headers };
      delete headers['connection'];
      delete headers['transfer-encoding'];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { connection: 'close' });
    res.end();
  });
  upstream.setTimeout(FORWARD_TIMEOUT_MS, () => upstream.destroy());
  // A client that goes away ends the poll it was waiting on.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}
