import type { ChainVerdict } from '@arbiter/contracts';
import { Database, type Sql } from '@arbiter/database';
import { Slots } from '@arbiter/runtime';
import { Injectable } from '@nestjs/common';
import {
  ChainChecker,
  EVENT_DOCUMENT_COLUMNS,
  type EventDocumentRow,
  eventDocument,
  GENESIS_HASH,
  linkHash,
} from './chain.js';

export interface SealResult {
  sealed: number;
  /** More events were waiting than one pass takes. */
  more: boolean;
}

/** A link and the event it seals; the event's columns are null when the event is gone. */
interface LinkRow extends EventDocumentRow {
  pos: string;
  link_seq: string;
  prev_hash: string;
  hash: string;
}

const SEAL_LOCK = `hashtext('arbiter:audit_chain')`;
const VERIFY_PAGE = 5000;

/**
 * Seals audit events into the hash chain and verifies it. One sealer at a time (an advisory lock), each
 * pass appending links after the current head, so concurrent sealers queue rather than fork the chain.
 */
@Injectable()
export class ChainRepository {
  /** A verification reads the whole chain; a few at once per process is plenty. */
  private readonly verifications = new Slots(2, 'Two chain verifications are running; try again shortly');

  constructor(private readonly db: Database) {}

  /**
   * Appends every event committed since the last pass, oldest sequence number first. Events of
   * transactions still open are invisible now and picked up by a later pass: each pass records the
   * oldest transaction still running (the horizon) and the next looks only at transactions from there on.
   */
  async sealPass(limit = 5000): Promise<SealResult> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${SEAL_LOCK})`);
      const [head] = await tx.query<{ pos: string; hash: string; horizon: string }>(
        `SELECT pos, hash, horizon::text FROM audit_chain ORDER BY pos DESC LIMIT 1`,
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
      if (events.length === 0) return { sealed: 0, more: false };
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
      return { sealed: events.length, more };
    });
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
    const checker = new ChainChecker();
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
    const { checked, firstInvalidSeq } = checker;
    // Links are numbered 1, 2, 3... as they are made: the last one's position is how many were sealed.
    const [last] = await tx.query<{ pos: string; hash: string; sealed_at: Date }>(
      `SELECT pos, hash, sealed_at FROM audit_chain ORDER BY pos DESC LIMIT 1`,
    );
    const [{ events }] = (await tx.query<{ events: string }>(
      `SELECT count(*) AS events FROM audit_events`,
    )) as [{ events: string }];
    const sealed = Number(last?.pos ?? 0);
    return {
      valid: firstInvalidSeq === undefined,
      checked,
      head: last?.hash ?? GENESIS_HASH,
      ...(firstInvalidSeq === undefined ? {} : { firstInvalidSeq }),
      sealed,
      // Removed events (a tampering) make the difference negative; it is a count of what is waiting.
      unsealed: Math.max(0, Number(events) - sealed),
      lastSealedAt: last?.sealed_at.toISOString() ?? null,
    };
  }
}
