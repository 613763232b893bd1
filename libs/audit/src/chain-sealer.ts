import { AppConfig, sealerDatabaseUrl } from '@arbiter/config';
import { createDataSource, Database, type Sql } from '@arbiter/database';
import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
  EVENT_DOCUMENT_COLUMNS,
  type EventDocumentRow,
  eventDocument,
  GENESIS_HASH,
  linkHash,
} from './chain.js';
import type { SignedCheckpoint } from './checkpoint.js';
import { CheckpointSigner } from './checkpoint-signer.js';

export interface SealResult {
  sealed: number;
  /** More events were waiting than one pass takes. */
  more: boolean;
  /** The checkpoint this pass signed and stored, when one was due. */
  checkpoint: SignedCheckpoint | null;
}

/** The chain's last link. */
interface Head {
  pos: number;
  seq: number;
  hash: string;
}

const SEAL_LOCK = `hashtext('arbiter:audit_chain')`;

/** The sealer's own connections, logged in as the only role that may append chain links. */
export const SEALER_DATABASE = Symbol('SEALER_DATABASE');

/**
 * Seals audit events into the hash chain. One sealer at a time (an advisory lock), each pass appending links
 * after the current head, so concurrent sealers queue rather than fork the chain.
 */
@Injectable()
export class ChainSealer {
  private readonly logger = new Logger(ChainSealer.name);
  /** The position of a checkpoint already reported as no longer on the chain. */
  private reportedLost: number | undefined;
  /** Until then no checkpoint is due: the latest one this sealer read was signed less than an interval before. */
  private checkpointNotBefore = 0;

  constructor(
    @Inject(SEALER_DATABASE) private readonly db: Database,
    private readonly signer: CheckpointSigner,
    private readonly config: AppConfig,
  ) {}

  /**
   * Appends every event committed since the last pass, oldest sequence number first. Events of
   * transactions still open are invisible now and picked up by a later pass: each pass records the
   * oldest transaction still running (the horizon) and the next looks only at transactions from there on.
   */
  async sealPass(limit = 5000): Promise<SealResult> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${SEAL_LOCK})`);
      const [head] = await tx.query<{ pos: string; seq: string; hash: string; horizon: string }>(
        `SELECT pos, seq, hash, horizon::text FROM audit_chain ORDER BY pos DESC LIMIT 1`,
      );
      const [{ horizon }] = (await tx.query<{ horizon: string }>(
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`,
      )) as [{ horizon: string }];
      const events = await tx.query<EventDocumentRow>(
        `SELECT ${EVENT_DOCUMENT_COLUMNS} FROM audit_events e
          WHERE e.txid >= $1::xid8 AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = e.seq)
          ORDER BY e.seq LIMIT $2`,
        [head?.horizon ?? '0', limit],
      );
      const top: Head | null = head
        ? { pos: Number(head.pos), seq: Number(head.seq), hash: head.hash }
        : null;
      if (events.length === 0)
        return { sealed: 0, more: false, checkpoint: await this.checkpointIfDue(tx, top) };
      const more = events.length === limit;
      // With more waiting, the horizon stays put so the next pass still sees them.
      const recorded = more ? (head?.horizon ?? '0') : horizon;
      let pos = Number(head?.pos ?? 0);
      let prev = head?.hash ?? GENESIS_HASH;
      const links = { pos: [] as number[], seq: [] as number[], prev: [] as string[], hash: [] as string[] };
      for (const row of events) {
        const hash = linkHash(prev, eventDocument(row));
        links.pos.push(++pos);
        links.seq.push(Number(row.seq));
        links.prev.push(prev);
        links.hash.push(hash);
        prev = hash;
      }
      await tx.query(
        `INSERT INTO audit_chain (pos, seq, prev_hash, hash, horizon)
         SELECT pos, seq, prev, hash, $5::xid8
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS l(pos, seq, prev, hash)`,
        [links.pos, links.seq, links.prev, links.hash, recorded],
      );
      const checkpoint = await this.checkpointIfDue(tx, {
        pos,
        seq: links.seq[links.seq.length - 1]!,
        hash: prev,
      });
      return { sealed: events.length, more, checkpoint };
    });
  }

  /**
   * Signs and stores a checkpoint of `head` when the chain has grown since the last checkpoint and
   * AUDIT_CHECKPOINT_INTERVAL_MS has passed since it. Never on a chain that no longer carries the last
   * checkpoint's hash at its position: that one must stay the latest, as the evidence.
   */
  private async checkpointIfDue(tx: Sql, head: Head | null): Promise<SignedCheckpoint | null> {
    // Sealing passes run every few hundred milliseconds; checkpoints are due once an interval.
    if (!head || Date.now() < this.checkpointNotBefore) return null;
    const [last] = await tx.query<{ pos: string; head: string; at: Date; on_chain: string | null }>(
      `SELECT k.pos, k.head, k.at, c.hash AS on_chain
         FROM (SELECT pos, head, at FROM audit_checkpoints ORDER BY pos DESC LIMIT 1) k
         LEFT JOIN audit_chain c ON c.pos = k.pos`,
    );
    const now = new Date();
    if (last) {
      if (head.pos <= Number(last.pos)) return null;
      const due = last.at.getTime() + this.config.AUDIT_CHECKPOINT_INTERVAL_MS;
      if (now.getTime() < due) {
        this.checkpointNotBefore = due;
        return null;
      }
      if (last.on_chain !== last.head) {
        if (this.reportedLost !== Number(last.pos))
          this.logger.error(
            `The chain no longer carries checkpoint ${last.pos}'s hash at its position; no checkpoint is signed on top of it`,
          );
        this.reportedLost = Number(last.pos);
        return null;
      }
    }
    const checkpoint = this.signer.sign({
      pos: head.pos,
      seq: head.seq,
      head: head.hash,
      at: now.toISOString(),
    });
    await tx.query(
      `INSERT INTO audit_checkpoints (pos, seq, head, at, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        checkpoint.pos,
        checkpoint.seq,
        checkpoint.head,
        checkpoint.at,
        checkpoint.publicKey,
        checkpoint.signature,
      ],
    );
    return checkpoint;
  }
}

/** The signer, announced: a generated key's public half is printed, as nothing else would tell it. */
function checkpointSigner(config: AppConfig): CheckpointSigner {
  const signer = CheckpointSigner.fromConfig(config);
  const logger = new Logger('AuditCheckpoints');
  if (signer.generated)
    logger.warn(
      `AUDIT_SIGNING_KEY is not set: checkpoints are signed with a key made at start, which proves little. ` +
        `Its public key: ${signer.publicKey}`,
    );
  else logger.log(`Checkpoints are signed with AUDIT_SIGNING_KEY; its public key: ${signer.publicKey}`);
  return signer;
}

/** The worker's sealer: its connections (as the sealer role) and the ChainSealer on them. */
@Module({
  providers: [
    {
      provide: SEALER_DATABASE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        new Database(
          await createDataSource({
            url: sealerDatabaseUrl(config),
            poolSize: 2,
            applicationName: 'arbiter-sealer',
          }).initialize(),
        ),
    },
    { provide: CheckpointSigner, inject: [AppConfig], useFactory: checkpointSigner },
    ChainSealer,
  ],
  exports: [ChainSealer],
})
export class SealerModule implements OnApplicationShutdown {
  constructor(@Inject(SEALER_DATABASE) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.db.dataSource.isInitialized) await this.db.dataSource.destroy();
  }
}
