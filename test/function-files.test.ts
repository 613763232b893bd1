import { appDatabaseUrl } from '@arbiter/config';
import { FUNCTION_FILES } from '@arbiter/migrations';
import { checkMigrated, StartupError } from '@arbiter/runtime';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const MIGRATE = fileURLToPath(new URL('../scripts/migrate.js', import.meta.url));

describe('the live SQL functions and triggers come from migrations/functions, one file each', () => {
  let env: TestEnv;
  let owner: pg.Client;

  before(async () => {
    env = await createTestEnv();
    owner = new pg.Client({ connectionString: env.databaseUrl });
    await owner.connect();
  });

  after(async () => {
    await owner?.end();
    await env?.cleanup();
  });

  const migrate = () => {
    const run = spawnSync(process.execPath, [MIGRATE], {
      env: { ...process.env, ...env.settings() },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, `migrate failed:\n${run.stdout}\n${run.stderr}`);
    return run.stdout;
  };

  it('the database holds the functions of the files and nothing else; each trigger runs one of them', async () => {
    const { rows: functions } = await owner.query<{ name: string }>(
      `SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' ORDER BY 1`,
    );
    assert.deepEqual(
      functions.map((f) => f.name),
      [...FUNCTION_FILES].sort(),
      'one function a file, one signature each: none left over from earlier migrations',
    );
    const { rows: triggers } = await owner.query<{ tgname: string; fn: string }>(
      `SELECT tgname, tgfoid::regproc::text AS fn FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
    );
    assert.deepEqual(
      triggers.map((t) => [t.tgname, t.fn]),
      [
        ['audit_chain_no_change', 'append_only'],
        ['audit_chain_no_truncate', 'append_only'],
        ['audit_checkpoints_no_change', 'append_only'],
        ['audit_checkpoints_no_truncate', 'append_only'],
        ['audit_events_no_change', 'append_only'],
        ['audit_events_no_truncate', 'append_only'],
        ['items_delivery', 'items_enqueue_delivery'],
      ],
    );
    assert.equal(migrate().includes('function file'), false, 'a second run has nothing to apply');
  });

  it('a file whose checksum differs from the recorded one is applied again, alone, with its new checksum', async () => {
    const { rows: before } = await owner.query(`SELECT name, sha256 FROM function_files ORDER BY name`);
    // As a database looks after an older version of one file: another body, another checksum.
    await owner.query(`CREATE OR REPLACE FUNCTION lookalike_id(p_like text) RETURNS text LANGUAGE sql
                        VOLATILE AS $$ SELECT 'stale' $$`);
    await owner.query(`UPDATE function_files SET sha256 = 'older' WHERE name = 'lookalike_id'`);
    await assert.rejects(
      checkMigrated(env.databaseUrl),
      (error) => error instanceof StartupError && /not up to date \(lookalike_id\)/.test(error.message),
      'the API and worker refuse to start on it',
    );

    assert.match(migrate(), /applied 1 function file\(s\): lookalike_id\n/);
    const { rows } = await owner.query(`SELECT lookalike_id('ticket-48213') AS id`);
    assert.match(rows[0].id, /^ticket-\d{5}$/, 'the file as it is, again');
    assert.deepEqual(
      (await owner.query(`SELECT name, sha256 FROM function_files ORDER BY name`)).rows,
      before,
    );
    await checkMigrated(env.databaseUrl);
  });

  it('the application role reads the checksums and cannot change them', async () => {
    const app = new pg.Client({ connectionString: appDatabaseUrl(env.config()) });
    await app.connect();
    try {
      assert.equal(
        (await app.query(`SELECT count(*)::int AS n FROM function_files`)).rows[0].n,
        FUNCTION_FILES.length,
      );
      await assert.rejects(app.query(`UPDATE function_files SET sha256 = 'x'`), { code: '42501' });
      await assert.rejects(app.query(`DELETE FROM function_files`), { code: '42501' });
    } finally {
      await app.end();
    }
  });
});
