/** Set by the primary on the workers it forks: a cluster worker of another manager (pm2) is not one of ours. */
export const WORKER_ENV = 'ARBITER_API_WORKER';

/** What the primary and its API workers tell each other over the cluster's IPC channel. */
export type PrimaryMessage =
  /** A connection handed to the worker, with the bytes the primary read to route it (base64). */
  | { type: 'arbiter:connection'; head: string }
  /** Where the primary listens, so a worker can send a misrouted request back through it. */
  | { type: 'arbiter:listening'; host: string; port: number }
  | { type: 'arbiter:metrics'; id: number; text?: string; error?: string };

export type WorkerMessage =
  | { type: 'arbiter:ready' }
  /** An engine.io session opened (or closed) in this worker. */
  | { type: 'arbiter:sid'; sid: string; open: boolean }
  | { type: 'arbiter:metrics'; id: number };

export const isMessage = <T extends { type: string }>(value: unknown): value is T =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { type?: unknown }).type === 'string' &&
  (value as { type: string }).type.startsWith('arbiter:');
