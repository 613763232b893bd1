import { AppConfig, appDatabaseUrl } from '@arbiter/config';
import { DomainError } from '@arbiter/contracts';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { GENESIS_HASH } from '../chain.js';
import type { DecisionExportFormat } from './decision-export-query.dto.js';
import { decisionCsvCopy, decisionJsonlCopy, STREAMING_PLAN } from './decision-export.sql.js';
import { EventLineWriter } from './event-lines.js';
import { eventExportCopy } from './event-export.sql.js';
import type { DecisionFilters, EventFilters } from './export-filters.js';
import { ExportStream, type ExportStreamOptions } from './export-stream.js';
import { isUuid } from './sql-literal.js';
import { Slots } from '@arbiter/runtime';

/** Exports running at once in one API process; each holds a Postgres connection for its whole length. */
export const MAX_CONCURRENT_EXPORTS = 4;
/** A reader that takes nothing for this long loses its export. */
const STALL_MS = 120_000;

/** A decision export as asked for: the queue and reviewer still by name. */
export interface DecisionExportRequest {
  format: DecisionExportFormat;
  /** Queue slug; unknown answers NOT_FOUND. */
  queue?: string;
  /** User id or email. */
  reviewer?: string;
  filters: Omit<DecisionFilters, 'queueId' | 'reviewerId'>;
}

export interface ChainState {
  /** Events sealed into the chain. */
  sealed: number;
  /** Hash of the last link; the genesis hash when nothing is sealed yet. */
  head: string;
}

interface PreparedCopy<M> {
  sql: string;
  transform?: ExportStreamOptions['transform'];
  meta: M;
}

/**
 * Streams exports with COPY on a connection of their own, not one of the pool's: an export of a million
 * rows outlasts the pool's 30 s query timeout and must not hold a connection the requests need. Each runs
 * in one read-only REPEATABLE READ transaction, so lookups, chain headers and rows see one snapshot. The
 * connection acts as the application role, like the pool's.
 */
@Injectable()
export class AuditExportRepository implements BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditExport');
  private readonly streams = new Set<ExportStream>();
  private readonly slots = new Slots(
    MAX_CONCURRENT_EXPORTS,
    'Too many exports are running; try again shortly',
  );

  constructor(private readonly config: AppConfig) {}

  async decisions(request: DecisionExportRequest, signal?: AbortSignal): Promise<ExportStream> {
    const { stream } = await this.run(signal, async (client) => {
      const filters: DecisionFilters = { ...request.filters };
      if (request.queue !== undefined) {
        const { rows } = await client.query<{ id: string }>('SELECT id FROM queues WHERE slug = $1', [
          request.queue,
        ]);
        if (!rows[0]) throw DomainError.notFound('Queue');
        filters.queueId = rows[0].id;
      }
      if (request.reviewer !== undefined) {
        if (isUuid(request.reviewer)) {
          filters.reviewerId = request.reviewer.toLowerCase();
        } else {
          const { rows } = await client.query<{ id: string }>(
            'SELECT id FROM users WHERE lower(email) = lower($1)',
            [request.reviewer],
          );
          filters.reviewerId = rows[0]?.id ?? null;
        }
      }
      await client.query(STREAMING_PLAN);
      const sql = request.format === 'csv' ? decisionCsvCopy(filters) : decisionJsonlCopy(filters);
      return { sql, meta: undefined };
    });
    return stream;
  }

  async events(
    filters: EventFilters,
    signal?: AbortSignal,
  ): Promise<{ stream: ExportStream; chain: ChainState }> {
    const { stream, meta } = await this.run(signal, async (client) => {
      const { rows } = await client.query<{ sealed: string; head: string | null }>(
        `SELECT (SELECT count(*) FROM audit_chain) AS sealed,
                (SELECT hash FROM audit_chain ORDER BY pos DESC LIMIT 1) AS head`,
      );
      const chain = { sealed: Number(rows[0]!.sealed), head: rows[0]!.head ?? GENESIS_HASH };
      return { sql: eventExportCopy(filters), transform: new EventLineWriter(), meta: chain };
    });
    return { stream, chain: meta };
  }

  /** Stops every running export (their clients see the response cut short) so the process can exit. */
  beforeApplicationShutdown(): void {
    for (const stream of this.streams) stream.destroy(new Error('The server is shutting down'));
  }

  private async run<M>(
    signal: AbortSignal | undefined,
    prepare: (client: pg.Client) => Promise<PreparedCopy<M>>,
  ): Promise<{ stream: ExportStream; meta: M }> {
    const release = this.slots.take();
    const client = this.connection();
    let stream: ExportStream | undefined;
    const abort = () => {
      if (stream) stream.destroy();
      else void client.end().catch(() => undefined);
    };
    signal?.addEventListener('abort', abort, { once: true });
    try {
      if (signal?.aborted) throw new Error('aborted');
      await client.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const { sql, transform, meta } = await prepare(client);
      const copy = client.query(copyTo(sql));
      const opened: ExportStream = new ExportStream(client, copy, {
        transform,
        stallMs: STALL_MS,
        onClose: () => {
          this.streams.delete(opened);
          signal?.removeEventListener('abort', abort);
          release();
        },
      });
      stream = opened;
      this.streams.add(opened);
      await opened.ready;
      return { stream: opened, meta };
    } catch (error) {
      if (stream) {
        stream.destroy();
      } else {
        signal?.removeEventListener('abort', abort);
        await client.end().catch(() => undefined);
        release();
      }
      // Nobody is left to answer; not a failure of ours worth an error log.
      if (signal?.aborted) throw new DomainError('UNAVAILABLE', 'The client closed the connection');
      throw error;
    }
  }

  private connection(): pg.Client {
    const client = new pg.Client({
      connectionString: appDatabaseUrl(this.config),
      application_name: 'arbiter-export',
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      // No query timeout: an export streams for as long as it takes.
      options: '-c statement_timeout=0',
    });
    client.on('error', (error) => this.logger.warn(`export connection: ${error.message}`));
    return client;
  }
}
