import { appDatabaseUrl, sealerDatabaseUrl } from '@arbiter/config';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestEnv, type TestEnv } from './support/test-env.js';

/** The statement's SQLSTATE when it fails, or 'ok'. */
async function outcome(client: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  await client.query('SAVEPOINT attempt');
  try {
    await client.query(sql, params);
    await client.query('RELEASE SAVEPOINT attempt');
    return 'ok';
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT attempt');
    return (error as { code?: string }).code ?? String(error);
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

describe('database roles: what the API, worker and sealer can do with their own connections', () => {
  let env: TestEnv;
  let app: pg.Client;
  let sealer: pg.Client;
  let owner: pg.Client;

  before(async () => {
    env = await createTestEnv();
    app = new pg.Client({ connectionString: appDatabaseUrl(env.config()) });
    sealer = new pg.Client({ connectionString: sealerDatabaseUrl(env.config()) });
    owner = new pg.Client({ connectionString: env.databaseUrl });
    for (const client of [app, sealer, owner]) await client.connect();
    // Something in the log to tamper with.
    await owner.query(
      `INSERT INTO audit_events (actor_type, action, subject_type, subject_id) VALUES ('system', 'x.y', 'test', 'a')`,
    );
    for (const client of [app, sealer]) await client.query('BEGIN');
  });

  after(async () => {
    for (const client of [app, sealer]) await client.query('ROLLBACK').catch(() => undefined);
    for (const client of [app, sealer, owner]) await client.end().catch(() => undefined);
    await env?.cleanup();
  });

  it('the application logs in as arbiter_app, which is no superuser and cannot become one', async () => {
    const { rows } = await app.query(
      `SELECT current_user, session_user, r.rolsuper FROM pg_roles r WHERE r.rolname = current_user`,
    );
    assert.deepEqual(rows[0], { current_user: 'arbiter_app', session_user: 'arbiter_app', rolsuper: false });
    // RESET ROLE goes back to the login role itself: still arbiter_app.
    await app.query('RESET ROLE');
    assert.equal((await app.query('SELECT current_user')).rows[0].current_user, 'arbiter_app');
    assert.equal(await outcome(app, 'SET ROLE postgres'), INSUFFICIENT_PRIVILEGE);
    assert.equal(await outcome(app, 'SET SESSION AUTHORIZATION postgres'), INSUFFICIENT_PRIVILEGE);
  });

  it('the application cannot delete, change or forge the audit log', async () => {
    assert.equal(await outcome(app, 'DELETE FROM audit_events'), INSUFFICIENT_PRIVILEGE);
    assert.equal(await outcome(app, `UPDATE audit_events SET action = 'z'`), INSUFFICIENT_PRIVILEGE);
    assert.equal(await outcome(app, 'TRUNCATE audit_events'), INSUFFICIENT_PRIVILEGE);
    for (const column of ['id', 'occurred_at', 'txid']) {
      const value = { id: 'gen_random_uuid()', occurred_at: `now() - interval '1 year'`, txid: `'1'::xid8` }[
        column
      ];
      assert.equal(
        await outcome(
          app,
          `INSERT INTO audit_events (actor_type, action, subject_type, subject_id, ${column})
           VALUES ('system', 'x.y', 'test', 'b', ${value})`,
        ),
        INSUFFICIENT_PRIVILEGE,
        `sets ${column}`,
      );
    }
    const forged = `INSERT INTO audit_chain (pos, seq, prev_hash, hash, horizon)
                    VALUES (1, (SELECT min(seq) FROM audit_events), repeat('0', 64), repeat('f', 64), '0')`;
    assert.equal(await outcome(app, forged), INSUFFICIENT_PRIVILEGE, 'a forged chain link');
    // What it may do: append an event, choosing none of its bookkeeping.
    assert.equal(
      await outcome(
        app,
        `INSERT INTO audit_events (actor_type, action, subject_type, subject_id) VALUES ('system', 'x.y', 'test', 'c')`,
      ),
      'ok',
    );
  });

  it('only the sealer appends chain links, and it changes nothing else', async () => {
    const link = `INSERT INTO audit_chain (pos, seq, prev_hash, hash, horizon)
                  VALUES (1, (SELECT min(seq) FROM audit_events), repeat('0', 64), repeat('a', 64), '0')`;
    assert.equal(await outcome(sealer, link), 'ok');
    assert.equal(
      await outcome(sealer, `UPDATE audit_chain SET hash = repeat('b', 64)`),
      INSUFFICIENT_PRIVILEGE,
    );
    assert.equal(await outcome(sealer, 'DELETE FROM audit_chain'), INSUFFICIENT_PRIVILEGE);
    assert.equal(await outcome(sealer, 'DELETE FROM audit_events'), INSUFFICIENT_PRIVILEGE);
    assert.equal(await outcome(sealer, 'SELECT 1 FROM items LIMIT 1'), INSUFFICIENT_PRIVILEGE);
    assert.equal(await outcome(sealer, 'SET ROLE arbiter_app'), INSUFFICIENT_PRIVILEGE);
  });
});
