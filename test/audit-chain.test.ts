import {
  ChainRepository,
  type ChainSealer,
  EVENT_DOCUMENT_COLUMNS,
  type EventDocumentRow,
  eventDocument,
  exportLine,
} from '@arbiter/audit';
import { createDataSource, Database } from '@arbiter/database';
import { appDatabaseUrl } from '@arbiter/config';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { type RunningApi, startApi } from './support/api-harness.js';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { eventually, sleep } from './support/review-kit.js';
import { type OpenSealer, openSealer, sealEverything } from './support/sealer.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

const VERIFY_CLI = join(dirname(fileURLToPath(import.meta.url)), '../scripts/audit-verify.js');

/** Inserts `count` events as the application does (through the app role), one statement. */
async function writeEvents(db: Database, count: number, tag = 'evt'): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, data)
     SELECT 'system', NULL, 'arbiter', 'item.received', 'item', $2 || '-' || g,
            jsonb_build_object('n', g, 'text', 'héllo "quoted" \\ back', 'nested', jsonb_build_object('b', 1, 'a', 2.5))
       FROM generate_series(1, $1::int) AS g`,
    [count, tag],
  );
}

describe('audit hash chain', () => {
  let env: TestEnv;
  let dataSource: DataSource;
  let db: Database;
  let chain: ChainRepository;
  let sealing: OpenSealer;
  let sealer: ChainSealer;
  /** A superuser, as someone tampering with the database would be. */
  let owner: pg.Client;

  before(async () => {
    env = await createTestEnv();
    // As the API and worker connect: the application's role, and the sealer's.
    dataSource = await createDataSource({ url: appDatabaseUrl(env.config()), poolSize: 4 }).initialize();
    db = new Database(dataSource);
    chain = new ChainRepository(db, env.config());
    sealing = await openSealer(env.config());
    sealer = sealing.sealer;
    owner = new pg.Client(env.databaseUrl);
    await owner.connect();
  });
  after(async () => {
    await owner?.end();
    await dataSource?.destroy();
    await sealing?.close();
    await env?.cleanup();
  });

  /** Each test starts from an empty log; only the owner, with triggers off, can clear it. */
  beforeEach(async () => {
    await owner.query(`SET session_replication_role = replica`);
    await owner.query(`DELETE FROM audit_checkpoints`);
    await owner.query(`DELETE FROM audit_chain`);
    await owner.query(`DELETE FROM audit_events`);
    await owner.query(`SET session_replication_role = DEFAULT`);
  });

  /** Runs `sql` as the owner with the append-only triggers switched off, as a tamperer would. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    await owner.query(`SET session_replication_role = replica`);
    try {
      await owner.query(sql, params);
    } finally {
      await owner.query(`SET session_replication_role = DEFAULT`);
    }
  }

  async function seqs(): Promise<number[]> {
    const { rows } = await owner.query<{ seq: string }>(`SELECT seq FROM audit_events ORDER BY seq`);
    return rows.map((r) => Number(r.seq));
  }

  it('an untouched log of 100,000 events verifies valid', async () => {
    await writeEvents(db, 100_000);
    assert.equal(await sealEverything(sealer), 100_000);
    const verdict = await chain.verify();
    assert.equal(verdict.valid, true);
    assert.equal(verdict.checked, 100_000);
    assert.equal(verdict.sealed, 100_000);
    assert.equal(verdict.unsealed, 0);
    assert.equal(verdict.firstInvalidSeq, undefined);
    assert.match(verdict.head, /^[0-9a-f]{64}$/);
  });

  it('names the first bad sequence number when one payload is edited', async () => {
    await writeEvents(db, 50);
    await sealEverything(sealer);
    const target = (await seqs())[20]!;
    await tamper(`UPDATE audit_events SET data = jsonb_set(data, '{n}', '999') WHERE seq = $1`, [target]);
    const verdict = await chain.verify();
    assert.equal(verdict.valid, false);
    assert.equal(verdict.firstInvalidSeq, target);
    assert.equal(verdict.checked, 20);
  });

  it('names the first bad sequence number when an event is deleted', async () => {
    await writeEvents(db, 50);
    await sealEverything(sealer);
    const target = (await seqs())[33]!;
    await tamper(`DELETE FROM audit_events WHERE seq = $1`, [target]);
    const verdict = await chain.verify();
    assert.equal(verdict.valid, false);
    assert.equal(verdict.firstInvalidSeq, target);
    assert.equal(verdict.checked, 33);
  });

  it('names the first bad sequence number when two events are swapped', async () => {
    await writeEvents(db, 50);
    await sealEverything(sealer);
    const all = await seqs();
    const [a, b] = [all[10]!, all[11]!];
    // Each row takes the other's content: the log reads in a different order under the same numbers.
    await tamper(
      `UPDATE audit_events x SET id = y.id, occurred_at = y.occurred_at, subject_id = y.subject_id, data = y.data
         FROM (SELECT seq, id, occurred_at, subject_id, data FROM audit_events WHERE seq IN ($1, $2)) y
        WHERE x.seq IN ($1, $2) AND y.seq <> x.seq`,
      [a, b],
    );
    const verdict = await chain.verify();
    assert.equal(verdict.valid, false);
    assert.equal(verdict.firstInvalidSeq, a);
  });

  it('detects a rewritten link as well as a rewritten event', async () => {
    await writeEvents(db, 10);
    await sealEverything(sealer);
    const target = (await seqs())[4]!;
    await tamper(`UPDATE audit_chain SET hash = repeat('a', 64) WHERE seq = $1`, [target]);
    assert.equal((await chain.verify()).firstInvalidSeq, target);
  });

  it('seals an event whose transaction commits after later ones were sealed', async () => {
    const slow = await dataSource.createQueryRunner();
    await slow.connect();
    try {
      await slow.startTransaction();
      await slow.query(
        `INSERT INTO audit_events (actor_type, action, subject_type, subject_id) VALUES ('system', 'item.received', 'item', 'slow')`,
      );
      await writeEvents(db, 5, 'fast');
      assert.equal(await sealEverything(sealer), 5);
      const mid = await chain.verify();
      assert.equal(mid.valid, true);
      assert.equal(mid.sealed, 5);
      await slow.commitTransaction();
    } finally {
      await slow.release();
    }
    assert.equal(await sealEverything(sealer), 1);
    const verdict = await chain.verify();
    assert.deepEqual([verdict.valid, verdict.checked, verdict.unsealed], [true, 6, 0]);
    const { rows } = await owner.query(`SELECT c.pos FROM audit_chain c JOIN audit_events e USING (seq)
                                          WHERE e.subject_id = 'slow'`);
    assert.equal(Number(rows[0].pos), 6, 'the late event is linked after the ones sealed before it');
  });

  it('concurrent writers and concurrent sealers never fork the chain', async () => {
    const writers = Array.from({ length: 8 }, (_, i) =>
      (async () => {
        for (let round = 0; round < 10; round++) await writeEvents(db, 25, `w${i}-${round}`);
      })(),
    );
    let writing = true;
    const sealers = Array.from({ length: 3 }, async () => {
      while (writing) await sealer.sealPass(40);
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(sealers);
    await sealEverything(sealer);
    const { rows } = await owner.query<{ n: string; max: string; distinct_seq: string }>(
      `SELECT count(*) AS n, max(pos) AS max, count(DISTINCT seq) AS distinct_seq FROM audit_chain`,
    );
    assert.deepEqual(rows[0], { n: '2000', max: '2000', distinct_seq: '2000' });
    const verdict = await chain.verify();
    assert.deepEqual([verdict.valid, verdict.checked, verdict.unsealed], [true, 2000, 0]);
  });

  it('the application role may append and read the audit tables, never change or remove rows', async () => {
    await writeEvents(db, 3);
    await sealEverything(sealer);
    for (const sql of [
      `UPDATE audit_events SET action = 'x'`,
      `DELETE FROM audit_events`,
      `TRUNCATE audit_events`,
      `UPDATE audit_chain SET hash = 'x'`,
      `DELETE FROM audit_chain`,
      `TRUNCATE audit_chain`,
    ]) {
      await assert.rejects(db.query(sql), (error: { driverError?: { code?: string } }) => {
        assert.equal(error.driverError?.code, '42501', sql);
        return true;
      });
    }
    // Even the owner is refused while the triggers are on.
    await assert.rejects(owner.query(`DELETE FROM audit_events`), /append-only/);
    await assert.rejects(owner.query(`UPDATE audit_chain SET hash = 'x'`), /append-only/);
    assert.equal((await chain.verify()).valid, true);
  });

  it('signs a checkpoint once the interval has passed and the chain has grown, never over a cut tail', async () => {
    const paced = await openSealer(env.config({ AUDIT_CHECKPOINT_INTERVAL_MS: '300' }));
    const checkpoints = async () =>
      (await owner.query(`SELECT pos FROM audit_checkpoints ORDER BY pos`)).rows.map((r) => Number(r.pos));
    try {
      await writeEvents(db, 10);
      const first = await paced.sealer.sealPass();
      assert.deepEqual(
        [first.sealed, first.checkpoint?.pos, first.checkpoint?.seq],
        [10, 10, (await seqs())[9]],
      );
      assert.equal(first.checkpoint?.publicKey, paced.signer.publicKey);
      await writeEvents(db, 5);
      assert.equal((await paced.sealer.sealPass()).checkpoint, null, 'the interval has not passed');
      await sleep(350);
      // Nothing new to seal, but the head moved since the last checkpoint: it is signed now.
      const quiet = await paced.sealer.sealPass();
      assert.deepEqual([quiet.sealed, quiet.checkpoint?.pos], [0, 15]);
      await sleep(350);
      assert.equal((await paced.sealer.sealPass()).checkpoint, null, 'nothing sealed since the last one');
      assert.deepEqual(await checkpoints(), [10, 15]);
      assert.equal((await chain.verify()).checkpoint?.holds, true);

      // The tail is cut below the last checkpoint and new events are sealed over the cut: no checkpoint
      // is signed on top, so the latest still shows the chain is not the one it signed.
      await tamper(`DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_chain WHERE pos > 12)`);
      await tamper(`DELETE FROM audit_chain WHERE pos > 12`);
      await writeEvents(db, 6, 'after-cut');
      await sleep(350);
      assert.equal(await sealEverything(paced.sealer), 6);
      assert.equal((await paced.sealer.sealPass()).checkpoint, null);
      assert.deepEqual(await checkpoints(), [10, 15]);
      const verdict = await chain.verify();
      assert.deepEqual([verdict.valid, verdict.checkpoint?.chain], [false, 'differs']);
    } finally {
      await paced.close();
    }
  });

  describe('offline verification of an export', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'arbiter-audit-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function exportTo(file: string, where = 'true'): Promise<void> {
      const { rows } = await owner.query<EventDocumentRow & { pos: string; prev_hash: string; hash: string }>(
        `SELECT ${EVENT_DOCUMENT_COLUMNS}, c.pos, c.prev_hash, c.hash
           FROM audit_events e LEFT JOIN audit_chain c ON c.seq = e.seq WHERE ${where} ORDER BY e.seq`,
      );
      const lines = rows.map((r) =>
        exportLine(
          eventDocument(r),
          r.pos === null ? null : { pos: Number(r.pos), prevHash: r.prev_hash, hash: r.hash },
        ),
      );
      await writeFile(file, lines.join(''));
    }

    function verifyFile(file: string, ...args: string[]) {
      const run = spawnSync(process.execPath, [VERIFY_CLI, file, ...args], { encoding: 'utf8' });
      return { code: run.status, verdict: run.stdout ? JSON.parse(run.stdout) : null, stderr: run.stderr };
    }

    it('verifies a full export with no database, and finds an edited line', async () => {
      await writeEvents(db, 300);
      await sealEverything(sealer);
      await writeEvents(db, 2, 'late'); // written after sealing: exported unsealed
      const file = join(dir, 'full.jsonl');
      await exportTo(file);
      const ok = verifyFile(file);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.verdict.valid, true);
      assert.equal(ok.verdict.checked, 300);
      assert.equal(ok.verdict.unsealed, 2);
      assert.equal(ok.verdict.head, (await chain.verify()).head);

      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      const victim = JSON.parse(lines[150]!);
      victim.data.n = -1;
      lines[150] = JSON.stringify(victim);
      await writeFile(join(dir, 'edited.jsonl'), `${lines.join('\n')}\n`);
      const bad = verifyFile(join(dir, 'edited.jsonl'));
      assert.equal(bad.code, 1);
      assert.equal(bad.verdict.valid, false);
      assert.equal(bad.verdict.firstInvalidSeq, victim.seq);

      const dropped = lines.filter((_, i) => i !== 77);
      await writeFile(join(dir, 'dropped.jsonl'), `${dropped.join('\n')}\n`);
      const gap = verifyFile(join(dir, 'dropped.jsonl'));
      assert.equal(gap.code, 1);
      assert.equal(gap.verdict.firstInvalidSeq, JSON.parse(lines[78]!).seq);
    });

    it('verifies a slice of the chain from its first link on when told it is one (--partial)', async () => {
      await writeEvents(db, 100);
      await sealEverything(sealer);
      const all = await seqs();
      const file = join(dir, 'slice.jsonl');
      await exportTo(file, `e.seq >= ${all[40]}`);
      const slice = verifyFile(file, '--partial');
      assert.equal(slice.code, 0, slice.stderr);
      assert.equal(slice.verdict.checked, 60);
      assert.equal(slice.verdict.anchor.pos, 40);
      assert.deepEqual([slice.verdict.scope, slice.verdict.startsAtGenesis], ['slice', false]);
      // Taken for a full export, it does not start at the genesis link.
      const full = verifyFile(file);
      assert.equal(full.code, 1, full.stderr);
      assert.deepEqual([full.verdict.valid, full.verdict.startsAtGenesis], [false, false]);
      assert.equal(full.verdict.checked, 60, 'every link it holds was still checked');
    });

    it('refuses a file that is not an export', async () => {
      const file = join(dir, 'junk.jsonl');
      await writeFile(file, 'not json\n');
      assert.equal(verifyFile(file).code, 2);
      assert.equal(verifyFile(join(dir, 'missing.jsonl')).code, 2);
    });
  });
});

describe('GET /api/v1/audit/verify', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: string;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    admin = await loginAdmin(api.client);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('answers admins and auditors with how far the chain is sealed, and no one else', async () => {
    const auditor = await newUser(api.client, admin, ['auditor']);
    const reviewer = await newUser(api.client, admin, ['reviewer']);
    const res = await api.client.get('/api/v1/audit/verify', { token: auditor.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.valid, true);
    // The API does not seal (the worker does): the admin actions above are written, not yet sealed.
    assert.equal(res.body.sealed, 0);
    assert.ok(res.body.unsealed >= 2, JSON.stringify(res.body));
    assert.equal(res.body.head, '0'.repeat(64));
    assert.equal((await api.client.get('/api/v1/audit/verify', { token: admin })).status, 200);
    assert.equal((await api.client.get('/api/v1/audit/verify', { token: reviewer.token })).status, 403);
    assert.equal((await api.client.get('/api/v1/audit/verify')).status, 401);
  });

  it('runs at most two verifications at once per node; a third is 429 with Retry-After', async () => {
    const owner = new pg.Client(env.databaseUrl);
    await owner.connect();
    try {
      // Hold the chain so verifications wait on it, each keeping its slot.
      await owner.query('BEGIN');
      await owner.query('LOCK TABLE audit_chain IN ACCESS EXCLUSIVE MODE');
      const verify = () => api.client.get('/api/v1/audit/verify', { token: admin });
      const waiting = [verify(), verify()];
      await eventually('both verifications wait on the chain', async () => {
        // Inside a transaction the activity view is a snapshot unless cleared.
        await owner.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await owner.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n === 2;
      });
      const third = await verify();
      assert.equal(third.status, 429, JSON.stringify(third.body));
      assert.equal(third.body.code, 'RATE_LIMITED');
      assert.ok(Number(third.headers.get('retry-after')) >= 1);
      await owner.query('ROLLBACK');
      for (const res of await Promise.all(waiting)) assert.equal(res.status, 200);
      assert.equal((await verify()).status, 200, 'the slots are free again');
    } finally {
      await owner.end();
    }
  });

  it('the worker seals what the API writes within moments', async () => {
    const worker = await createWorkerApp(env.config({ AUDIT_SEAL_INTERVAL_MS: '50' }));
    try {
      const queue = await newQueue(api.client, admin);
      const { key } = await newServiceKey(api.client, admin, [queue.slug]);
      const batch = { items: Array.from({ length: 20 }, (_, i) => itemBody({ externalId: `seal-${i}` })) };
      assert.equal(
        (await api.client.post(`/api/v1/queues/${queue.slug}/items/batch`, batch, { apiKey: key })).status,
        200,
      );
      let last: { valid: boolean; sealed: number; unsealed: number } | undefined;
      await eventually('everything sealed', async () => {
        last = (await api.client.get('/api/v1/audit/verify', { token: admin })).body;
        return last!.unsealed === 0;
      });
      assert.equal(last!.valid, true);
      assert.ok(last!.sealed >= 24, JSON.stringify(last));
    } finally {
      await worker.close();
    }
  });
});
