import { ApiError, request, requestBlob } from './http';
import type { AuditEventLine, ChainVerdict, DecisionRecord, Item } from './types';
import { decisionsQuery, type DecisionFilter } from '../lib/audit-filter';

export type ExportFormat = 'jsonl' | 'csv';

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson',
  csv: 'text/csv',
};

/**
 * The lines of a JSONL body. An export that fails part way is cut off by the server, never finished with
 * an error line, so reading the body (requestBlob) is where a failure shows.
 */
export function parseJsonLines<T>(text: string): T[] {
  const rows: T[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ApiError(0, 'BAD_RESPONSE', `The server sent an unreadable line (${index + 1}).`);
    }
    rows.push(value as T);
  }
  return rows;
}

async function jsonLines<T>(path: string, token: string): Promise<T[]> {
  const blob = await requestBlob(path, token, EXPORT_TYPES.jsonl);
  return parseJsonLines<T>(await blob.text());
}

/** Decisions matching `filter`, newest first. */
export function listDecisions(
  token: string,
  filter: DecisionFilter,
  limit: number,
): Promise<DecisionRecord[]> {
  return jsonLines(
    `/api/v1/audit/decisions?${decisionsQuery(filter, { format: 'jsonl', order: 'desc', limit })}`,
    token,
  );
}

/** Every decision matching `filter`, as the server formats the file. */
export function exportDecisions(token: string, filter: DecisionFilter, format: ExportFormat): Promise<Blob> {
  return requestBlob(
    `/api/v1/audit/decisions?${decisionsQuery(filter, { format, order: 'desc' })}`,
    token,
    EXPORT_TYPES[format],
  );
}

export interface EventQuery {
  actions?: readonly string[];
  from?: string;
  to?: string;
  limit: number;
}

/** Audit events, newest first. */
export function listEvents(token: string, query: EventQuery): Promise<AuditEventLine[]> {
  const params = new URLSearchParams({ format: 'jsonl', order: 'desc', limit: String(query.limit) });
  if (query.actions?.length) params.set('action', query.actions.join(','));
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  return jsonLines(`/api/v1/audit/events?${params.toString()}`, token);
}

export function verifyChain(token: string): Promise<ChainVerdict> {
  return request<ChainVerdict>('GET', '/api/v1/audit/verify', { token });
}

export function getItem(token: string, id: string): Promise<Item> {
  return request<Item>('GET', `/api/v1/items/${encodeURIComponent(id)}`, { token });
}
