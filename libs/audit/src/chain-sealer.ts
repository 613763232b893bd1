import { AppConfig, sealerDatabaseUrl } from '@arbiter/config';
import { createDataSource, Database } from '@arbiter/database';
import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
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

const SEAL_LOCK = `hashtext('arbiter:audit_chain')`;

/** The sealer's own connections, logged in as the only role that may append chain links. */
export const SEALER_DATABASE = Symbol('SEALER_DATABASE');

/**
 * Seals audit events into the hash chain. One sealer at a time (an advisory lock), each pass appending links
 * after the current head, so concurrent sealers queue rather than fork the chain.
 */
@Injectable()
export class ChainSealer {
  constructor(@Inject(SEALER_DATABASE) private readonly db: Database) {}

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
