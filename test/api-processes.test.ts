import assert from 'node:assert/strict';
import { Agent, type AgentOptions, get } from 'node:http';
import { createConnection, type Socket as NetSocket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { ApiClient } from './support/api-client.js';
import { type AppProcess, startApiProcess } from './support/app-process.js';
import { loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { freePort } from './support/private-redis.js';
import { eventually, sleep, submitItems } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const SHUTDOWN_TIMEOUT_MS = 5000;
const PID_HEADER = /\r\nx-arbiter-process: (\d+)\r\n/i;

/** An agent that notes which API process answered each response on its connections (the pid header). */
class WatchingAgent extends Agent {
  readonly pids: string[] = [];

  constructor(options: AgentOptions = {}) {
    super(options);
  }

  override createConnection(options: object): NetSocket {
    const socket = createConnection(options as unknown as Parameters<typeof createConnection>[0]);
    socket.on('data', (chunk: Buffer) => {
      const pid = PID_HEADER.exec(chunk.toString('latin1'))?.[1];
      if (pid) this.pids.push(pid);
    });
    return socket;
  }
}

/** The process that served a GET on a connection of its own. */
function servedBy(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['x-arbiter-process'])));
    }).on('error', reject);
  });
}

type Transports = ('polling' | 'websocket')[] | undefined;

interface Reviewer {
  socket: Socket;
  agent: WatchingAgent;
  /** The API process holding the session: the last one that answered it. */
  pid(): string;
  call<T = any>(event: string, payload: unknown, timeoutMs?: number): Promise<T>;
  next<T = any>(event: string, accept: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
}

describe('several API processes behind one port (API_PROCESSES=2)', () => {
  let env: TestEnv;
  let api: AppProcess;
  let url: string;
  let client: ApiClient;
  let db: pg.Client;
  let admin: string;
  const reviewers: Reviewer[] = [];

  before(async () => {
    env = await createTestEnv();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    api = await startApiProcess(
      env.settings({
        PORT: String(port),
        API_PROCESSES: '2',
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      }),
      40_000,
    );
    client = new ApiClient(url);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(client);
  });

  after(async () => {
    for (const reviewer of reviewers) reviewer.socket.close();
    await api?.kill();
    await db?.end();
    await env?.cleanup();
  });

  async function connect(
    token: string,
    transports: Transports,
    agent = new WatchingAgent(),
  ): Promise<Reviewer> {
    const socket = io(`${url}/review`, {
      auth: { token },
      ...(transports ? { transports } : {}),
      forceNew: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      agent: agent as unknown as string,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error: Error & { description?: unknown; context?: any }) =>
        reject(
          new Error(
            `${error.message} (${String(error.description)}: ${String(error.context?.responseText ?? '')})`,
          ),
        ),
      );
    });
    const reviewer: Reviewer = {
      socket,
      agent,
      pid: () => agent.pids.at(-1)!,
      call: (event, payload, timeoutMs = 10_000) => socket.timeout(timeoutMs).emitWithAck(event, payload),
      next: (event, accept, timeoutMs = 10_000) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
          const listener = (payload: any) => {
            if (!accept(payload)) return;
            clearTimeout(timer);
            socket.off(event, listener);
            resolve(payload);
          };
          socket.on(event, listener);
        }),
    };
    reviewers.push(reviewer);
    return reviewer;
  }

  const upgraded = (reviewer: Reviewer) =>
    eventually(
      'the default transports upgrade to websocket',
      async () => reviewer.socket.io.engine.transport.name === 'websocket',
      5000,
    );

  async function workspace(people: number) {
    const queue = await newQueue(client, admin);
    const { key } = await newServiceKey(client, admin, [queue.slug]);
    const tokens: string[] = [];
    for (let i = 0; i < people; i++)
      tokens.push((await newUser(client, admin, ['reviewer'], [queue.slug])).token);
    return { slug: queue.slug, key, tokens };
  }

  it('answers requests from both processes', async () => {
    const pids = new Set<string>();
    for (let i = 0; i < 10; i++) pids.add(await servedBy(`${url}/health/live`));
    assert.equal(pids.size, 2, [...pids].join(', '));
    const ready = await client.get('/health/ready');
    assert.equal(ready.status, 200);
  });

  it('sockets with default, polling-only and websocket-only transports connect, claim and decide on both processes', async () => {
    const { slug, key, tokens } = await workspace(2);
    const itemIds = await submitItems(client, key, slug, 12);
    const kinds: Transports[] = [undefined, ['polling'], ['websocket']];
    const sockets: Reviewer[] = [];
    for (let i = 0; i < 12; i++) sockets.push(await connect(tokens[i % 2]!, kinds[i % 3]));
    for (const [i, socket] of sockets.entries()) if (kinds[i % 3] === undefined) await upgraded(socket);

    const decided = await Promise.all(
      sockets.map(async (socket) => {
        const sub = await socket.call('queue:subscribe', { queue: slug });
        assert.ok(sub.stats, JSON.stringify(sub));
        const claimed = await socket.call('claim:next', { queue: slug });
        assert.ok(claimed.item, JSON.stringify(claimed));
        const decision = await socket.call('claim:decide', {
          token: claimed.claim.token,
          verdict: 'approve',
        });
        assert.ok(decision.decision, JSON.stringify(decision));
        return claimed.item.id as string;
      }),
    );
    assert.deepEqual(new Set(decided), new Set(itemIds));
    for (const socket of sockets)
      assert.equal(new Set(socket.agent.pids).size, 1, 'a session stays in one process');
    for (const kind of kinds) {
      const pids = new Set(sockets.filter((_, i) => kinds[i % 3] === kind).map((s) => s.pid()));
      assert.equal(pids.size, 2, `${JSON.stringify(kind ?? 'default')} sockets on both processes`);
    }
  });

  it('a decision made on one process reaches item:decided and queue:stats on a socket of the other', async () => {
    const { slug, key, tokens } = await workspace(2);
    const [itemId] = await submitItems(client, key, slug, 1);
    const worker = await connect(tokens[0]!, undefined);
    let watcher = await connect(tokens[1]!, ['polling']);
    while (watcher.pid() === worker.pid()) watcher = await connect(tokens[1]!, ['polling']);
    await watcher.call('queue:subscribe', { queue: slug });
    const decidedPush = watcher.next('item:decided', (e: any) => e.itemId === itemId, 5000);
    const statsPush = watcher.next(
      'queue:stats',
      (s: any) => s.queue === slug && s.pending === 0 && s.claimed === 0,
      5000,
    );

    const claimed = await worker.call('claim:next', { queue: slug });
    assert.equal(claimed.item?.id, itemId);
    const decided = await worker.call('claim:decide', { token: claimed.claim.token, verdict: 'reject' });
    assert.ok(decided.decision, JSON.stringify(decided));
    assert.deepEqual(await decidedPush, { itemId, queue: slug, verdict: 'reject' });
    await statsPush;
  });

  it('polling-only sockets keep working over many requests on kept-alive connections shared with REST calls', async () => {
    const { slug, key, tokens } = await workspace(2);
    const agent = new WatchingAgent({ keepAlive: true, maxSockets: 4 });
    const [a, b] = [
      await connect(tokens[0]!, ['polling'], agent),
      await connect(tokens[1]!, ['polling'], agent),
    ];
    await submitItems(client, key, slug, 2);
    const claims = await Promise.all([a, b].map((s) => s.call('claim:next', { queue: slug })));
    for (let i = 0; i < 50; i++) {
      // A REST call on the same agent leaves a kept-alive connection with whichever process served it.
      await new Promise<void>((resolve, reject) =>
        get(`${url}/health/live`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
      const beats = await Promise.all(
        [a, b].map((s, j) => s.call('claim:heartbeat', { token: claims[j].claim.token })),
      );
      for (const beat of beats) assert.ok(beat.claim, JSON.stringify(beat));
    }
    assert.ok(a.socket.connected && b.socket.connected);
    assert.ok(a.socket.io.engine.transport.name === 'polling');
    agent.destroy();
  });

  it('a worker killed with SIGKILL is replaced; its sockets reconnect and their claims are still theirs', async () => {
    const { slug, key, tokens } = await workspace(1);
    const [itemId] = await submitItems(client, key, slug, 1);
    const reviewer = await connect(tokens[0]!, undefined);
    await upgraded(reviewer);
    const claimed = await reviewer.call('claim:next', { queue: slug });
    assert.equal(claimed.item?.id, itemId);
    const victim = Number(reviewer.pid());
    const before = new Set([victim]);
    for (let i = 0; i < 6; i++) before.add(Number(await servedBy(`${url}/health/live`)));
    assert.equal(before.size, 2);

    const reconnected = new Promise<void>((resolve) => reviewer.socket.io.once('reconnect', () => resolve()));
    process.kill(victim, 'SIGKILL');
    await reconnected;
    await eventually(
      'a replacement process serves requests',
      async () => {
        const pids = new Set<number>();
        for (let i = 0; i < 6; i++) pids.add(Number(await servedBy(`${url}/health/live`)));
        return pids.size === 2 && !pids.has(victim);
      },
      20_000,
    );
    const live = await db.query(`SELECT 1 FROM claims WHERE item_id = $1 AND status = 'live'`, [itemId]);
    assert.equal(live.rowCount, 1, 'the claim survived in Postgres');
    const decided = await reviewer.call('claim:decide', { token: claimed.claim.token, verdict: 'approve' });
    assert.ok(decided.decision, JSON.stringify(decided));
  });

  it('SIGTERM to the primary drains every worker and exits 0, leaving no process behind', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 8; i++) pids.add(Number(await servedBy(`${url}/health/live`)));
    assert.equal(pids.size, 2);
    const started = Date.now();
    api.child.kill('SIGTERM');
    const exit = await api.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, api.output());
    assert.ok(Date.now() - started < SHUTDOWN_TIMEOUT_MS, `stopped in ${Date.now() - started} ms`);
    await sleep(100);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`);
  });
});
