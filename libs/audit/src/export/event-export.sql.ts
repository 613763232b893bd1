import { EVENT_DOCUMENT_COLUMNS } from '../chain.js';
import { copyLines, limitClause } from './decision-export.sql.js';
import type { EventFilters } from './export-filters.js';
import { sqlLiteral, sqlTimestamp } from './sql-literal.js';

/**
 * COPY statement for the event export: one JSON object per line holding the columns of an
 * EventDocumentRow plus the chain link (pos, prev_hash, hash; null until sealed), in sequence order.
 */
export function eventExportCopy(filters: EventFilters): string {
  const where: string[] = [];
  if (filters.from !== undefined) where.push(`e.occurred_at >= ${sqlTimestamp(filters.from)}`);
  if (filters.to !== undefined) where.push(`e.occurred_at < ${sqlTimestamp(filters.to)}`);
  if (filters.actions !== undefined)
    where.push(
      filters.actions.length === 0
        ? 'false'
        : `e.action IN (${filters.actions.map((a) => sqlLiteral(a)).join(', ')})`,
    );
  if (filters.subject !== undefined) where.push(`e.subject_id = ${sqlLiteral(filters.subject)}`);
  const direction = filters.order === 'desc' ? 'DESC' : 'ASC';
  const rows = `SELECT ${EVENT_DOCUMENT_COLUMNS}, c.pos, c.prev_hash, c.hash
      FROM audit_events e LEFT JOIN audit_chain c ON c.seq = e.seq
     WHERE ${where.length > 0 ? where.join(' AND ') : 'true'}
     ORDER BY e.seq ${direction}${limitClause(filters.limit)} OFFSET 0`;
  return copyLines(`SELECT row_to_json(x)::text FROM (${rows}) x`);
}
