import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { AuditExportRepository } from './audit-export.repository.js';
import type { DecisionExportQueryDto } from './decision-export-query.dto.js';
import type { EventExportQueryDto } from './event-export-query.dto.js';
import { parseModelFilter } from './export-filters.js';
import { normalizeIsoTime } from './iso-time.js';

/** A streamed export and what a transport needs to label it. */
export interface AuditExport {
  mediaType: string;
  fileName: string;
  /** Extra facts about the export, e.g. the chain's state when it began. */
  facts: Record<string, string>;
  body: Readable;
}

const MEDIA_TYPES = { jsonl: 'application/x-ndjson', csv: 'text/csv; charset=utf-8' } as const;

/** DTOs are validated; a time they hold always normalizes. */
const time = (value: string | undefined) => (value === undefined ? undefined : normalizeIsoTime(value)!);

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** Decision history and the raw event log, for auditors: streamed, filtered, one snapshot each. */
@Injectable()
export class AuditExportService {
  constructor(private readonly exports: AuditExportRepository) {}

  async decisions(query: DecisionExportQueryDto, signal?: AbortSignal): Promise<AuditExport> {
    const format = query.format ?? 'jsonl';
    const body = await this.exports.decisions(
      {
        format,
        queue: query.queue,
        reviewer: query.reviewer,
        filters: {
          from: time(query.from),
          to: time(query.to),
          verdict: query.verdict,
          model: query.model === undefined ? undefined : parseModelFilter(query.model),
          limit: query.limit,
          order: query.order ?? 'asc',
        },
      },
      signal,
    );
    return {
      mediaType: MEDIA_TYPES[format],
      fileName: `arbiter-decisions${query.queue ? `-${query.queue}` : ''}-${stamp()}.${format}`,
      facts: {},
      body,
    };
  }

  async events(query: EventExportQueryDto, signal?: AbortSignal): Promise<AuditExport> {
    const { stream, chain } = await this.exports.events(
      {
        from: time(query.from),
        to: time(query.to),
        actions: query.action?.split(','),
        subject: query.subject,
        limit: query.limit,
        order: query.order ?? 'asc',
      },
      signal,
    );
    return {
      mediaType: MEDIA_TYPES.jsonl,
      fileName: `arbiter-audit-events-${stamp()}.jsonl`,
      facts: { 'audit-chain-sealed': String(chain.sealed), 'audit-chain-head': chain.head },
      body: stream,
    };
  }
}
