import {
  ChainRepository,
  EVENT_DOCUMENT_COLUMNS,
  type EventDocumentRow,
  eventDocument,
  linkHash,
} from '@arbiter/audit';
import { appDatabaseUrl, sealerDatabaseUrl } from '@arbiter/config';
import { createDataSource, Database } from '@arbiter/database';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { eventually } from './support/review-kit.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { signatureHolds, WebhookReceiver } from './support/webhook-receiver.js';

const VERIFY_CLI = fileURLToPath(new URL('../scripts/audit-verify.js', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../apps/worker/src/main.js', import.meta.url));

const KEYS = generateKeyPairSync('ed25519');
const SIGNING_KEY = KEYS.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
const PUBLIC_KEY = KEYS.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const PUBLIC_PEM = KEYS.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const SINK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** The signed bytes, built here without Arbiter's code: RFC 8785 of four plain members is sorted JSON. */
const signedBytes = (c: { pos: number; seq: number; head: string; at: string }) =>
  Buffer.from(JSON.stringify({ at: c.at, head: c.head, pos: c.pos, seq: c.seq }));

function forge(c: { pos: number; seq: number; head: string; at: string }, key: KeyObject) {
  return sign(null, signedBytes(c), key).toString('base64');
}

interface Fixture {
  env: TestEnv;
  api: RunningApi;
  admin: string;
  owner: pg.Client;
  settings: Record<string, string>;
  sinkPath: string;
  submit(count: number): Promise<void>;
  verify(): Promise<any>;
  /** Runs a worker until everything written is sealed, and so checkpointed (interval 0: in the seal's transaction). */
  sealAll(): Promise<any>;
  tamper(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

describe('signed checkpoints of the audit chain', () => {
  let receiver: WebhookReceiver;
  let dir: string;
  const open: Fixture[] = [];

  before(async () => {
    receiver = await WebhookReceiver.start();
    dir = await mkdtemp(join(tmpdir(), 'arbiter-checkpoints-'));
  });
  after(async () => {
    for (const f of open) await f.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * A database of its own, the API (pinned to the test's key unless overridden), a queue and a service key to
   * write events with, and a sink path of its own on the shared receiver.
   */
  async function fixture(overrides: Record<string, string> = {}): Promise<Fixture> {
    const env = await createTestEnv();
    const sinkPath = `/checkpoints-${randomBytes(4).toString('hex')}`;
    const settings = {
      AUDIT_SIGNING_KEY: SIGNING_KEY,
      AUDIT_CHECKPOINT_INTERVAL_MS: '0',
      AUDIT_SEAL_INTERVAL_MS: '50',
      AUDIT_CHECKPOINT_URL: receiver.url(sinkPath),
      AUDIT_CHECKPOINT_SECRET: SINK_SECRET,
      WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      WEBHOOK_TIMEOUT_MS: '1000',
      ...overrides,
    };
    const api = await startApi(env.config(settings));
    const admin = await loginAdmin(api.client);
    const owner = new pg.Client(env.databaseUrl);
    await owner.connect();
    const queue = await newQueue(api.client, admin);
    const { key } = await newServiceKey(api.client, admin, [queue.slug]);
    const verify = async () => {
      const res = await api.client.get('/api/v1/audit/verify', { token: admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const f: Fixture = {
      env,
      api,
      admin,
      owner,
      settings,
      sinkPath,
      verify,
      async submit(count) {
        const items = Array.from({ length: count }, () => itemBody());
        const res = await api.client.post(
          `/api/v1/queues/${queue.slug}/items/batch`,
          { items },
          { apiKey: key },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
      },
      async sealAll() {
        const worker = await createWorkerApp(env.config(settings));
        let last: any;
        try {
          await eventually('everything sealed', async () => (last = await verify()).unsealed === 0, 10_000);
        } finally {
          await worker.close();
        }
        return last;
      },
      async tamper(sql, params = []) {
        await owner.query(`SET session_replication_role = replica`);
        try {
          await owner.query(sql, params);
        } finally {
          await owner.query(`SET session_replication_role = DEFAULT`);
        }
      },
      async close() {
        await owner.end();
        await api.close();
        await env.cleanup();
      },
    };
    open.push(f);
    return f;
  }

  async function lastLinks(f: Fixture, count: number): Promise<{ pos: number; seq: number }[]> {
    const { rows } = await f.owner.query(`SELECT pos, seq FROM audit_chain ORDER BY pos DESC LIMIT $1`, [
      count,
    ]);
    return rows.map((r) => ({ pos: Number(r.pos), seq: Number(r.seq) })).reverse();
  }

  it('a tail cut with its links verifies invalid online, at the first missing sequence number', async () => {
    const f = await fixture();
    await f.submit(30);
    const sealed = await f.sealAll();
    assert.equal(sealed.valid, true);

    // The last five events go, with their links: every link left still holds.
    const cut = await lastLinks(f, 5);
    await f.tamper(`DELETE FROM audit_events WHERE seq = ANY($1::bigint[])`, [cut.map((l) => l.seq)]);
    await f.tamper(`DELETE FROM audit_chain WHERE pos >= $1`, [cut[0]!.pos]);
    const verdict = await f.verify();
    assert.equal(verdict.valid, false, JSON.stringify(verdict));
    assert.equal(verdict.firstInvalidSeq, cut[0]!.seq);
    assert.equal(verdict.checked, sealed.sealed - 5);
    assert.deepEqual(
      [verdict.checkpoint.chain, verdict.checkpoint.holds, verdict.checkpoint.signatureValid],
      ['ends_before', false, true],
    );
    // Before the cut, the checkpoint (signed as the worker sealed) covered the whole chain and held.
    assert.equal(sealed.checkpoint.pos, sealed.sealed, JSON.stringify(sealed.checkpoint));
    assert.equal(sealed.checkpoint.head, sealed.head);
    assert.deepEqual(
      [
        sealed.checkpoint.signatureValid,
        sealed.checkpoint.keyPinned,
        sealed.checkpoint.chain,
        sealed.checkpoint.holds,
      ],
      [true, true, 'reaches', true],
    );
  });

  it('a history rewritten with recomputed links differs from the checkpoint', async () => {
    const f = await fixture();
    await f.submit(10);
    const sealed = await f.sealAll();
    const { rows } = await f.owner.query<EventDocumentRow & { pos: string }>(
      `SELECT c.pos, ${EVENT_DOCUMENT_COLUMNS} FROM audit_chain c JOIN audit_events e USING (seq) ORDER BY c.pos`,
    );
    const victim = rows[3]!;
    await f.tamper(`UPDATE audit_events SET data = data || '{"rewritten": true}' WHERE seq = $1`, [
      victim.seq,
    ]);
    // Every link from the victim on is recomputed, so the chain holds on its own.
    const { rows: edited } = await f.owner.query<EventDocumentRow & { pos: string; prev_hash: string }>(
      `SELECT c.pos, c.prev_hash, ${EVENT_DOCUMENT_COLUMNS} FROM audit_chain c JOIN audit_events e USING (seq)
        WHERE c.pos >= $1 ORDER BY c.pos`,
      [victim.pos],
    );
    let prev = edited[0]!.prev_hash;
    for (const row of edited) {
      const hash = linkHash(prev, eventDocument(row));
      await f.tamper(`UPDATE audit_chain SET prev_hash = $2, hash = $3 WHERE pos = $1`, [
        row.pos,
        prev,
        hash,
      ]);
      prev = hash;
    }
    const verdict = await f.verify();
    assert.equal(verdict.valid, false, JSON.stringify(verdict));
    assert.equal(verdict.checkpoint.chain, 'differs');
    assert.equal(
      verdict.firstInvalidSeq,
      Number(rows.at(-1)!.seq),
      'the link at the checkpoint is not the signed one',
    );
    assert.equal(verdict.checked, sealed.sealed - 1);
  });

  it('a forged checkpoint is reported: a bad signature, or another key than the pinned one', async () => {
    const f = await fixture();
    await f.submit(3);
    const sealed = await f.sealAll();
    const real = sealed.checkpoint;
    const insert = (c: Record<string, unknown>) =>
      f.owner.query(
        `INSERT INTO audit_checkpoints (pos, seq, head, at, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6)`,
        [c['pos'], c['seq'], c['head'], c['at'], c['publicKey'], c['signature']],
      );

    // A later checkpoint claiming a head the chain never had, signed by nobody.
    const claimed = {
      pos: real.pos + 3,
      seq: real.seq + 3,
      head: 'f'.repeat(64),
      at: new Date().toISOString(),
    };
    await insert({ ...claimed, publicKey: PUBLIC_KEY, signature: randomBytes(64).toString('base64') });
    const garbage = await f.verify();
    assert.equal(garbage.valid, false);
    assert.equal(garbage.checkpoint.pos, claimed.pos);
    assert.deepEqual([garbage.checkpoint.signatureValid, garbage.checkpoint.holds], [false, false]);
    assert.equal(garbage.checkpoint.chain, 'unchecked');
    assert.equal(garbage.firstInvalidSeq, undefined, 'the chain itself holds');

    // Signed properly, by a key of the forger's own, stored beside it.
    const forger = generateKeyPairSync('ed25519');
    const later = { ...claimed, pos: claimed.pos + 1 };
    await insert({
      ...later,
      publicKey: forger.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      signature: forge(later, forger.privateKey),
    });
    const pinned = await f.verify();
    assert.equal(pinned.checkpoint.pos, later.pos);
    assert.deepEqual(
      [pinned.valid, pinned.checkpoint.keyPinned, pinned.checkpoint.signatureValid],
      [false, true, false],
    );
    // Without a pinned key only the stored one is there to check with: the forgery's signature holds, but
    // the chain does not reach the position it claims.
    const source = await createDataSource({ url: appDatabaseUrl(f.env.config()), poolSize: 1 }).initialize();
    try {
      const unpinned = new ChainRepository(new Database(source), f.env.config({ AUDIT_SIGNING_KEY: '' }));
      const verdict = await unpinned.verify();
      assert.deepEqual(
        [verdict.checkpoint?.keyPinned, verdict.checkpoint?.signatureValid, verdict.checkpoint?.chain],
        [false, true, 'ends_before'],
      );
      assert.equal(verdict.valid, false);
    } finally {
      await source.destroy();
    }
  });

  it('events unsealed past AUDIT_UNSEALED_BOUND_MS are reported, and leave valid alone', async () => {
    const f = await fixture({ AUDIT_UNSEALED_BOUND_MS: '60000' });
    await f.submit(2);
    await f.sealAll();
    const calm = await f.verify();
    assert.deepEqual(calm.unsealedOverBound, { boundMs: 60_000, count: 0, oldestAt: null });
    // No worker runs now: a stopped sealer. Two events written minutes ago, one just now.
    const { rows } = await f.owner.query(
      `INSERT INTO audit_events (occurred_at, actor_type, action, subject_type, subject_id)
       VALUES (now() - interval '5 minutes', 'system', 'item.received', 'item', 'old-1'),
              (now() - interval '2 minutes', 'system', 'item.received', 'item', 'old-2'),
              (now(), 'system', 'item.received', 'item', 'new')
       RETURNING occurred_at`,
    );
    const verdict = await f.verify();
    assert.equal(verdict.valid, true, 'a stopped sealer is not tampering');
    assert.equal(verdict.unsealed, 3);
    assert.deepEqual(verdict.unsealedOverBound, {
      boundMs: 60_000,
      count: 2,
      oldestAt: (rows[0].occurred_at as Date).toISOString(),
    });
  });

  it('the sink receives each checkpoint as a signed POST; a slow or failing sink never holds sealing up', async () => {
    const f = await fixture();
    await f.submit(4);
    const sealed = await f.sealAll();
    const [hook] = await receiver.waitFor(f.sinkPath, 1);
    assert.ok(signatureHolds(SINK_SECRET, hook!), 'Standard Webhooks signature');
    assert.match(String(hook!.headers['webhook-id']), /^audit_checkpoint_\d+$/);
    const body = JSON.parse(hook!.body);
    assert.equal(body.type, 'audit.checkpoint');
    assert.equal(body.timestamp, body.data.at);
    assert.deepEqual(
      [body.data.pos, body.data.seq, body.data.head, body.data.publicKey],
      [sealed.checkpoint.pos, sealed.checkpoint.seq, sealed.head, PUBLIC_KEY],
    );
    assert.ok(
      verify(null, signedBytes(body.data), KEYS.publicKey, Buffer.from(body.data.signature, 'base64')),
    );

    // The sink stops answering: sealing and signing go on, and the latest checkpoint goes out once it can.
    receiver.respond(f.sinkPath, (n) => (n === 2 ? 'hold' : n === 3 ? { status: 500 } : { status: 200 }));
    const worker = await createWorkerApp(f.env.config(f.settings));
    try {
      await f.submit(2);
      await receiver.waitFor(f.sinkPath, 2);
      await f.submit(2);
      await f.submit(2);
      let now: any;
      await eventually(
        'sealed while the sink holds a push',
        async () => (now = await f.verify()).unsealed === 0,
      );
      assert.equal(now.checkpoint.pos, now.sealed, 'checkpoints went on being signed');
      // The held push times out (WEBHOOK_TIMEOUT_MS), the next fails, and the newest is delivered after all.
      await eventually(
        'the latest checkpoint delivered',
        () => receiver.requests(f.sinkPath).some((h) => JSON.parse(h.body).data.pos === now.checkpoint.pos),
        10_000,
      );
    } finally {
      await worker.close();
    }
    const pushed = receiver.requests(f.sinkPath).map((h) => JSON.parse(h.body).data.pos as number);
    assert.ok(pushed.length >= 3, JSON.stringify(pushed));
    assert.deepEqual(
      [...pushed].sort((a, b) => a - b),
      pushed,
      'never an older checkpoint after a newer one',
    );
  });

  it('only the sealer inserts checkpoints; the app role reads them; nobody changes them', async () => {
    const f = await fixture();
    await f.submit(1);
    await f.sealAll();
    const source = await createDataSource({ url: appDatabaseUrl(f.env.config()), poolSize: 1 }).initialize();
    const app = new Database(source);
    try {
      assert.equal((await app.query(`SELECT pos FROM audit_checkpoints`)).length, 1);
      for (const sql of [
        `INSERT INTO audit_checkpoints (pos, seq, head, at, public_key, signature) VALUES (999, 999, 'x', now(), 'k', 's')`,
        `UPDATE audit_checkpoints SET head = 'x'`,
        `DELETE FROM audit_checkpoints`,
        `TRUNCATE audit_checkpoints`,
      ]) {
        await assert.rejects(app.query(sql), (error: { driverError?: { code?: string } }) => {
          assert.equal(error.driverError?.code, '42501', sql);
          return true;
        });
      }
    } finally {
      await source.destroy();
    }
    const sealer = new pg.Client({ connectionString: sealerDatabaseUrl(f.env.config()) });
    await sealer.connect();
    try {
      for (const sql of [`UPDATE audit_checkpoints SET head = 'x'`, `DELETE FROM audit_checkpoints`]) {
        await assert.rejects(sealer.query(sql), (error: { code?: string }) => error.code === '42501');
      }
    } finally {
      await sealer.end();
    }
    for (const sql of [
      `UPDATE audit_checkpoints SET head = 'x'`,
      `DELETE FROM audit_checkpoints`,
      `TRUNCATE audit_checkpoints`,
    ]) {
      await assert.rejects(f.owner.query(sql), /append-only/, sql);
    }
    assert.equal((await f.verify()).valid, true);
  });

  it('the OpenAPI document describes the checkpoint and the unsealed bound of /audit/verify', async () => {
    const f = await fixture();
    const doc = (await f.api.client.get('/docs-json')).body;
    const schema = doc.paths['/api/v1/audit/verify'].get.responses['200'].content['application/json'].schema;
    for (const field of ['valid', 'checked', 'head', 'firstInvalidSeq', 'checkpoint', 'unsealedOverBound'])
      assert.ok(schema.properties[field], field);
    assert.deepEqual(Object.keys(schema.properties.checkpoint.properties).sort(), [
      'at',
      'chain',
      'head',
      'holds',
      'keyPinned',
      'pos',
      'publicKey',
      'seq',
      'signature',
      'signatureValid',
    ]);
    assert.deepEqual(Object.keys(schema.properties.unsealedOverBound.properties).sort(), [
      'boundMs',
      'count',
      'oldestAt',
    ]);
    // The answer has exactly the documented fields (firstInvalidSeq only when invalid).
    const verdict = await f.verify();
    assert.deepEqual(Object.keys(verdict).sort(), [...schema.required].sort());
  });

  describe('offline, with a checkpoint and the public key', () => {
    let f: Fixture;
    let lines: string[];
    let checkpointFile: string;
    let pemFile: string;
    let sealed: any;

    before(async () => {
      f = await fixture();
      await f.submit(40);
      sealed = await f.sealAll();
      // As GET /audit/verify shows it; the body the sink received does as well (below).
      checkpointFile = join(dir, 'checkpoint.json');
      await writeFile(checkpointFile, JSON.stringify(sealed));
      pemFile = join(dir, 'public.pem');
      await writeFile(pemFile, PUBLIC_PEM);
      const res = await fetch(`${f.api.url}/api/v1/audit/events?format=jsonl`, {
        headers: { authorization: `Bearer ${f.admin}` },
      });
      lines = (await res.text()).split('\n').filter(Boolean);
    });

    async function run(name: string, content: string[], ...args: string[]) {
      const file = join(dir, name);
      await writeFile(file, content.map((l) => `${l}\n`).join(''));
      const out = spawnSync(process.execPath, [VERIFY_CLI, file, ...args], { encoding: 'utf8' });
      return { code: out.status, verdict: out.stdout ? JSON.parse(out.stdout) : null, stderr: out.stderr };
    }
    /** With the checkpoint and the signer's public key (a PEM file). */
    const runHeld = (name: string, content: string[], ...args: string[]) =>
      run(name, content, '--public-key', pemFile, '--checkpoint', checkpointFile, ...args);
    const pos = (line: string) => JSON.parse(line).chain?.pos as number | undefined;
    const seq = (line: string) => JSON.parse(line).seq as number;

    it('holds a full export to the checkpoint: its signature and its head', async () => {
      const ok = await runHeld('full.jsonl', lines);
      assert.equal(ok.code, 0, ok.stderr + JSON.stringify(ok.verdict));
      assert.equal(ok.verdict.valid, true);
      assert.equal(ok.verdict.checked, sealed.sealed);
      assert.equal(ok.verdict.scope, 'full');
      assert.equal(ok.verdict.startsAtGenesis, true);
      assert.deepEqual(
        [ok.verdict.checkpoint.pos, ok.verdict.checkpoint.signatureValid, ok.verdict.checkpoint.chain],
        [sealed.checkpoint.pos, true, 'reaches'],
      );
      // The body the sink received, with the key as base64 on the command line.
      const [hook] = await receiver.waitFor(f.sinkPath, 1);
      const received = join(dir, 'received.json');
      await writeFile(received, hook!.body);
      const again = await run('full.jsonl', lines, '--public-key', PUBLIC_KEY, '--checkpoint', received);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.verdict.checkpoint.pos, sealed.checkpoint.pos);
    });

    it('a cut tail is invalid at the first missing sequence number', async () => {
      const keep = lines.filter((l) => (pos(l) ?? 0) <= sealed.sealed - 3);
      const firstGone = lines.find((l) => pos(l) === sealed.sealed - 2)!;
      const withCheckpoint = await runHeld('tail.jsonl', keep);
      assert.equal(withCheckpoint.code, 1, withCheckpoint.stderr);
      assert.equal(withCheckpoint.verdict.valid, false);
      assert.equal(withCheckpoint.verdict.firstInvalidSeq, seq(firstGone));
      assert.equal(withCheckpoint.verdict.checkpoint.chain, 'ends_before');
      // --partial excuses a cut start, never a cut tail.
      const partial = await runHeld('tail.jsonl', keep, '--partial');
      assert.equal(partial.code, 1);
    });

    it('a cut start is not at genesis: invalid, unless --partial asks for a slice', async () => {
      const keep = lines.slice(10);
      const cut = await runHeld('head.jsonl', keep);
      assert.equal(cut.code, 1, cut.stderr);
      assert.deepEqual(
        [cut.verdict.valid, cut.verdict.startsAtGenesis, cut.verdict.scope],
        [false, false, 'full'],
      );
      const slice = await runHeld('head.jsonl', keep, '--partial');
      assert.equal(slice.code, 0, slice.stderr);
      assert.deepEqual(
        [slice.verdict.valid, slice.verdict.scope, slice.verdict.checkpoint.holds],
        [true, 'slice', true],
      );
      assert.equal(slice.verdict.anchor.pos, pos(keep.find((l) => pos(l) !== undefined)!)! - 1);
    });

    it('a forged checkpoint or the wrong key is reported', async () => {
      const real = JSON.parse(await readFile(checkpointFile, 'utf8'));
      const moved = join(dir, 'moved.json');
      await writeFile(moved, JSON.stringify({ ...real.checkpoint, pos: real.checkpoint.pos - 2 }));
      const forged = await run('full.jsonl', lines, '--public-key', pemFile, '--checkpoint', moved);
      assert.equal(forged.code, 1);
      assert.deepEqual(
        [forged.verdict.valid, forged.verdict.checkpoint.signatureValid, forged.verdict.checkpoint.chain],
        [false, false, 'unchecked'],
      );
      const other = generateKeyPairSync('ed25519')
        .publicKey.export({ format: 'der', type: 'spki' })
        .toString('base64');
      const wrongKey = await run('full.jsonl', lines, '--public-key', other, '--checkpoint', checkpointFile);
      assert.equal(wrongKey.code, 1);
      assert.equal(wrongKey.verdict.checkpoint.signatureValid, false);
      // A checkpoint without a key to check it with proves nothing: refused as a usage error.
      assert.equal((await run('full.jsonl', lines, '--checkpoint', checkpointFile)).code, 2);
    });
  });

  it('a worker with no AUDIT_SIGNING_KEY prints the public key of the one it made, and signs with it', async () => {
    const f = await fixture({ AUDIT_SIGNING_KEY: '' });
    await f.submit(1);
    const env = {
      ...process.env,
      ...f.env.settings({ ...f.settings, AUDIT_SIGNING_KEY: '', LOG_LEVEL: 'info' }),
    };
    const child = spawn(process.execPath, [WORKER_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(
        'the public key printed',
        () => /Its public key: [A-Za-z0-9+/=]+/.test(output),
        10_000,
      );
      const printed = /Its public key: ([A-Za-z0-9+/=]+)/.exec(output)![1];
      let verdict: any;
      await eventually(
        'a checkpoint signed',
        async () => (verdict = await f.verify()).checkpoint !== null,
        10_000,
      );
      assert.equal(verdict.checkpoint.publicKey, printed);
      assert.deepEqual([verdict.checkpoint.keyPinned, verdict.checkpoint.holds], [false, true]);
    } finally {
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    assert.ok(!output.includes(SIGNING_KEY));
  });
});
