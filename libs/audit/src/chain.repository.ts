import { AppConfig, pinnedAuditKey, readEd25519Key } from '@arbiter/config';
import type { ChainVerdict } from '@arbiter/contracts';
import { Database, type Sql } from '@arbiter/database';
import { Slots } from '@arbiter/runtime';
import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import {
  ChainChecker,
  EVENT_DOCUMENT_COLUMNS,
  type EventDocumentRow,
  eventDocument,
  GENESIS_HASH,
} from './chain.js';
import { checkpointReport, checkpointSignatureHolds, type SignedCheckpoint } from './checkpoint.js';

/** A link and the event it seals; the event's columns are null when the event is gone. */
interface LinkRow extends EventDocumentRow {
  pos: string;
  link_seq: string;
  prev_hash: string;
  hash: string;
}

interface CheckpointRow {
  pos: string;
  seq: string;
  head: string;
  at: Date;
  public_key: string;
  signature: string;
}

const VERIFY_PAGE = 5000;

/** Verifies the hash chain (the worker's ChainSealer writes it) against its latest signed checkpoint. */
@Injectable()
export class ChainRepository {
  /** A verification reads the whole chain; a few at once per process is plenty. */
  private readonly verifications = new Slots(2, 'Two chain verifications are running; try again shortly');
  private readonly pinnedKey: KeyObject | null;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
  ) {
    this.pinnedKey = pinnedAuditKey(config);
  }

  /** Walks the whole chain from the genesis link, recomputing each hash from the event as stored now. */
  async verify(): Promise<ChainVerdict> {
    // One snapshot for the walk and the counts, so a pass of the sealer meanwhile cannot make the answer
    // speak for links nobody checked.
    return this.verifications.run(() =>
      this.db.transaction(async (tx) => {
        await tx.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
        return this.verifyIn(tx);
      }),
    );
  }

  private async verifyIn(tx: Sql): Promise<ChainVerdict> {
    const checkpoint = await this.latestCheckpoint(tx);
    const signatureValid = checkpoint !== null && this.signatureHolds(checkpoint);
    // A checkpoint whose signature fails says nothing about where the chain should reach.
    const checker = new ChainChecker(undefined, signatureValid ? checkpoint : undefined);
    for (let after = 0; ;) {
      const page = await tx.query<LinkRow>(
        `SELECT c.pos, c.seq AS link_seq, c.prev_hash, c.hash, ${EVENT_DOCUMENT_COLUMNS}
           FROM audit_chain c LEFT JOIN audit_events e ON e.seq = c.seq
          WHERE c.pos > $1 ORDER BY c.pos LIMIT ${VERIFY_PAGE}`,
        [after],
      );
      for (const row of page) {
        const link = {
          pos: Number(row.pos),
          seq: Number(row.link_seq),
          prevHash: row.prev_hash,
          hash: row.hash,
        };
        if (!checker.check(link, row.seq === null ? null : eventDocument(row))) break;
      }
      if (checker.firstInvalidSeq !== undefined || page.length < VERIFY_PAGE) break;
      after = Number(page[page.length - 1]!.pos);
    }
    const chainState = checker.finish() ?? 'unchecked';
    const { checked, firstInvalidSeq } = checker;
    // Links are numbered 1, 2, 3... as they are made: the last one's position is how many were sealed.
    const [last] = await tx.query<{ pos: string; hash: string; sealed_at: Date }>(
      `SELECT pos, hash, sealed_at FROM audit_chain ORDER BY pos DESC LIMIT 1`,
    );
    const [{ events }] = (await tx.query<{ events: string }>(
      `SELECT count(*) AS events FROM audit_events`,
    )) as [{ events: string }];
    const sealed = Number(last?.pos ?? 0);
    const report = checkpoint && {
      ...checkpointReport(checkpoint, signatureValid, chainState),
      keyPinned: this.pinnedKey !== null,
    };
    return {
      valid: firstInvalidSeq === undefined && (report?.holds ?? true),
      checked,
      head: last?.hash ?? GENESIS_HASH,
      ...(firstInvalidSeq === undefined ? {} : { firstInvalidSeq }),
      sealed,
      // Removed events (a tampering) make the difference negative; it is a count of what is waiting.
      unsealed: Math.max(0, Number(events) - sealed),
      lastSealedAt: last?.sealed_at.toISOString() ?? null,
      checkpoint: report,
      unsealedOverBound: await this.unsealedOverBound(tx),
    };
  }

  private async latestCheckpoint(tx: Sql): Promise<SignedCheckpoint | null> {
    const [row] = await tx.query<CheckpointRow>(
      `SELECT pos, seq, head, at, public_key, signature FROM audit_checkpoints ORDER BY pos DESC LIMIT 1`,
    );
    return row
      ? {
          pos: Number(row.pos),
          seq: Number(row.seq),
          head: row.head,
          at: row.at.toISOString(),
          signature: row.signature,
          publicKey: row.public_key,
        }
      : null;
  }

  /** With the pinned key when there is one; else with the key stored beside it, which proves less. */
  private signatureHolds(checkpoint: SignedCheckpoint): boolean {
    let key = this.pinnedKey;
    if (!key) {
      try {
        key = readEd25519Key(checkpoint.publicKey, 'public');
      } catch {
        return false;
      }
    }
    return checkpointSignatureHolds(checkpoint, key);
  }

  private async unsealedOverBound(tx: Sql): Promise<ChainVerdict['unsealedOverBound']> {
    const boundMs = this.config.AUDIT_UNSEALED_BOUND_MS;
    const [row] = (await tx.query<{ count: string; oldest: Date | null }>(
      `SELECT count(*) AS count, min(e.occurred_at) AS oldest FROM audit_events e
        WHERE e.occurred_at < now() - $1 * interval '1 millisecond'
          AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = e.seq)`,
      [boundMs],
    )) as [{ count: string; oldest: Date | null }];
    return { boundMs, count: Number(row.count), oldestAt: row.oldest?.toISOString() ?? null };
  }
}
