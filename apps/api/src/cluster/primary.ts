import type { AppConfig } from '@arbiter/config';
import { createLogger } from '@arbiter/runtime';
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server, type Socket } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import { isMessage, type PrimaryMessage, WORKER_ENV, type WorkerMessage } from './messages.js';

/** The request line of a connection must arrive within this; a slower client is dropped unrouted. */
const FIRST_LINE_TIMEOUT_MS = 30_000;
const FIRST_LINE_MAX_BYTES = 16 * 1024;
const RESTART_DELAY_MS = 1000;
const SID = /^[A-Z]+ \/socket\.io\/\S*[?&]sid=([^&\s]+)/;

/**
 * The primary of API_PROCESSES > 1: it owns the port and forks the API workers, and does no application
 * work itself. Each TCP connection goes to one worker, chosen by the engine.io session id in its first
 * request line when a worker holds that session (long-polling needs every request of a session in the
 * process that holds it; a websocket upgrade names its session too), otherwise round-robin. Workers close
 * a connection after each engine.io polling response (see cluster/worker.ts), so the next poll arrives on
 * a new connection routed by its own sid.
 */
export async function runPrimary(config: AppConfig): Promise<void> {
  const log = createLogger(config.LOG_LEVEL, 'arbiter-api');
  const workers = new Map<number, { worker: Worker; ready: boolean }>();
  const sessions = new Map<string, Worker>();
  const aggregator = new AggregatorRegistry();
  let turn = 0;
  let stopping = false;
  const primary: { listening?: { host: string; port: number } } = {};

  const readyWorkers = () => [...workers.values()].filter((w) => w.ready).map((w) => w.worker);

  /** False when the worker's channel is closed (a full channel still takes the message, queued). */
  function send(worker: Worker, message: PrimaryMessage, socket?: Socket): boolean {
    if (!worker.isConnected()) return false;
    // A worker dying between the check and the write fails the send: the connection handed over goes too.
    if (socket) worker.send(message, socket, (error) => error && socket.destroy());
    else worker.send(message, (error) => error && log.warn({ err: error }, 'message to an API worker lost'));
    return true;
  }

  const fork = () =>
    new Promise<void>((resolve, reject) => {
      const worker = cluster.fork({ [WORKER_ENV]: '1' });
      workers.set(worker.id, { worker, ready: false });
      // Its exit is handled below; an IPC error must not take the primary (and every worker) down with it.
      worker.on('error', (error) => log.warn({ err: error, pid: worker.process.pid }, 'API worker channel'));
      worker.on('message', (message: unknown) => {
        if (!isMessage<WorkerMessage>(message)) return;
        switch (message.type) {
          case 'arbiter:ready':
            workers.get(worker.id)!.ready = true;
            if (primary.listening) send(worker, { type: 'arbiter:listening', ...primary.listening });
            resolve();
            return;
          case 'arbiter:sid':
            if (message.open) sessions.set(message.sid, worker);
            else if (sessions.get(message.sid) === worker) sessions.delete(message.sid);
            return;
          case 'arbiter:metrics':
            aggregator.clusterMetrics().then(
              (text) => send(worker, { type: 'arbiter:metrics', id: message.id, text }),
              (error: Error) =>
                send(worker, { type: 'arbiter:metrics', id: message.id, error: error.message }),
            );
            return;
        }
      });
      worker.once('exit', (code, signal) => {
        const wasReady = workers.get(worker.id)?.ready ?? false;
        workers.delete(worker.id);
        for (const [sid, owner] of sessions) if (owner === worker) sessions.delete(sid);
        if (stopping) return;
        if (!wasReady) {
          reject(new Error(`API worker ${worker.process.pid} exited during start-up (${signal ?? code})`));
          return;
        }
        log.error({ pid: worker.process.pid, code, signal }, 'API worker exited; starting a replacement');
        // A worker that keeps failing after start-up is replaced at most once a second, not in a tight loop.
        setTimeout(() => {
          if (!stopping) fork().catch((error: Error) => giveUp(error));
        }, RESTART_DELAY_MS);
      });
    });

  function route(socket: Socket, head: Buffer) {
    const line = head.toString('latin1', 0, Math.min(head.length, head.indexOf('\n') + 1 || head.length));
    const sid = SID.exec(line)?.[1];
    const owner = sid ? sessions.get(decodeURIComponent(sid)) : undefined;
    const ready = readyWorkers();
    const worker = owner?.isConnected() ? owner : ready[turn++ % Math.max(ready.length, 1)];
    if (!worker) return socket.destroy();
    // Stop reading before the handle leaves: bytes read here after the hand-over would be lost.
    (socket as unknown as { _handle?: { readStop?: () => void } })._handle?.readStop?.();
    if (!send(worker, { type: 'arbiter:connection', head: head.toString('base64') }, socket))
      socket.destroy();
  }

  const server: Server = createServer((socket) => {
    let head = Buffer.alloc(0);
    socket.setTimeout(FIRST_LINE_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.includes(10) || head.length >= FIRST_LINE_MAX_BYTES) {
        socket.off('data', onData);
        socket.pause();
        socket.setTimeout(0);
        route(socket, head);
      }
    };
    socket.on('data', onData);
  });

  let giveUpStarted = false;
  function giveUp(error: Error) {
    if (giveUpStarted) return;
    giveUpStarted = true;
    log.error({ err: error }, 'API workers cannot start; stopping');
    void stop('SIGTERM', 1);
  }

  async function stop(signal: NodeJS.Signals, exitCode = 0) {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: draining the API workers, then exiting');
    server.close();
    const timer = setTimeout(() => {
      log.error(`API workers did not stop within ${config.SHUTDOWN_TIMEOUT_MS} ms; killing them`);
      for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 2000);
    timer.unref();
    const exits = [...workers.values()].map(
      ({ worker }) =>
        new Promise<number>((resolve) => {
          if (worker.process.exitCode !== null || worker.process.signalCode !== null)
            return resolve(worker.process.exitCode ?? 1);
          worker.process.once('exit', (code) => resolve(code ?? 1));
          worker.process.kill('SIGTERM');
        }),
    );
    const codes = await Promise.all(exits);
    process.exit(exitCode || (codes.every((code) => code === 0) ? 0 : 1));
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));

  try {
    await Promise.all(Array.from({ length: config.API_PROCESSES }, fork));
  } catch (error) {
    giveUp(error as Error);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  // Accept errors after start (out of file descriptors, say) drop that connection, not the primary.
  server.on('error', (error) => log.error({ err: error }, 'accepting a connection failed'));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the API did not bind a TCP port');
  const listening = { host: loopbackFor(config.HOST), port: address.port };
  primary.listening = listening;
  for (const worker of readyWorkers()) send(worker, { type: 'arbiter:listening', ...listening });
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info(
    { url: `http://${host}:${address.port}`, processes: config.API_PROCESSES },
    'Arbiter API listening',
  );
}

/** Where a worker reaches the primary's listener. */
function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
