import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ApiClient } from './support/api-client.js';
import { type AppProcess, startApiProcess } from './support/app-process.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { freePort } from './support/private-redis.js';
import { sleep } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

/** Text that must never reach a log: it travels only as a SQL parameter of a query that fails. */
const MARKER = 'payload-marker-7f3a91c2';

describe('logs carry an error id, code and message, never the data of a failed query', () => {
  let env: TestEnv;
  let api: AppProcess;
  let client: ApiClient;
  let db: pg.Client;

  before(async () => {
    env = await createTestEnv();
    const port = await freePort();
    api = await startApiProcess(env.settings({ PORT: String(port), LOG_LEVEL: 'info' }));
    client = new ApiClient(`http://127.0.0.1:${port}`);
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
  });

  after(async () => {
    await db?.end();
    await api?.kill();
    await env?.cleanup();
  });

  it('logs an unexpected database error by id, SQLSTATE and message, without its parameters', async () => {
    const token = await loginAdmin(client);
    const queue = await newQueue(client, token);
    const { key } = await newServiceKey(client, token, [queue.slug]);
    // The submit's INSERT carries the item's input as a parameter; with the table away it fails in Postgres.
    await db.query('ALTER TABLE items RENAME TO items_away');
    const res = await client
      .post(`/api/v1/queues/${queue.slug}/items`, itemBody({ input: { secret: MARKER } }), { apiKey: key })
      .finally(() => db.query('ALTER TABLE items_away RENAME TO items'));
    assert.equal(res.status, 500, JSON.stringify(res.body));

    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = api
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.errorId === res.body.errorId);
      if (!line) await sleep(100);
    }
    assert.ok(line, `no log line with the error id ${res.body.errorId}:\n${api.output()}`);
    assert.ok(!api.output().includes(MARKER), `the payload is in the logs:\n${JSON.stringify(line)}`);
    const err = line.err as Record<string, unknown>;
    assert.equal(err.code, '42P01', 'the SQLSTATE: undefined table');
    assert.match(String(err.message), /relation "items" does not exist/);
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message', 'stack', 'type']);
  });
});
