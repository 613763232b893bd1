import type { DecisionFilters } from './export-filters.js';
import { sqlLiteral, sqlTimestamp, sqlUuid } from './sql-literal.js';

const utcMillis = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/**
 * Exactly decidedAt - receivedAt as exported: both cut to the millisecond, so the difference is a whole
 * number of milliseconds, which the double from date_part holds exactly (and is cheaper than numeric).
 */
const TIME_TO_DECISION = `round(date_part('epoch',
  date_trunc('milliseconds', d.decided_at) - date_trunc('milliseconds', i.created_at)) * 1000)::bigint`;

/** Whether the decision is of a gold item (a known answer scoring the reviewer), as `true` or `false`. */
const GOLD = `CASE WHEN i.gold_template_id IS NULL THEN 'false' ELSE 'true' END`;

/**
 * How a value becomes JSON text: `string` through to_json (escaped, null for NULL); `plain` for a NOT NULL
 * value that never needs escaping (a UUID, a formatted time), quoted as is; `number` and `json` as their
 * own text (a jsonb's text is JSON), null for NULL; `raw` for an expression that already is JSON text.
 */
type JsonKind = 'string' | 'plain' | 'number' | 'json' | 'raw';
type JsonField = [name: string, kind: JsonKind, expression: string];

/**
 * A JSON object as one concat() of constant keys and per-field JSON text: about 15% cheaper for Postgres
 * than row_to_json or json_build_object, which look up every value's type on every row, and compact.
 */
function jsonObject(fields: JsonField[]): string {
  const parts = fields.flatMap(([name, kind, expression], index) => {
    const key = `'${index === 0 ? '{' : ','}${JSON.stringify(name)}:`;
    switch (kind) {
      case 'string':
        return [`${key}'`, `coalesce(to_json(${expression})::text, 'null')`];
      case 'plain':
        return [`${key}"'`, `(${expression})::text`, `'"'`];
      case 'number':
      case 'json':
        return [`${key}'`, `coalesce((${expression})::text, 'null')`];
      case 'raw':
        return [`${key}'`, expression];
    }
  });
  return `concat(${parts.join(', ')}, '}')`;
}

/** A JSONL line: the fields in the documented order. */
export const DECISION_JSON = jsonObject([
  ['decisionId', 'plain', 'd.id'],
  ['itemId', 'plain', 'i.id'],
  ['externalId', 'string', 'i.external_id'],
  ['queue', 'string', 'q.slug'],
  [
    'model',
    'raw',
    jsonObject([
      ['name', 'string', 'i.model_name'],
      ['version', 'string', 'i.model_version'],
    ]),
  ],
  ['confidence', 'number', 'i.confidence'],
  ['reason', 'string', 'i.reason'],
  ['aiOutput', 'json', 'i.output'],
  ['finalOutput', 'json', 'd.output'],
  ['patch', 'json', 'd.patch'],
  ['verdict', 'string', 'd.verdict'],
  [
    'reviewer',
    'raw',
    `CASE WHEN d.reviewer_id IS NULL THEN 'null' ELSE ${jsonObject([
      ['id', 'plain', 'u.id'],
      ['email', 'string', 'u.email'],
    ])} END`,
  ],
  ['comment', 'string', 'd.comment'],
  ['receivedAt', 'plain', utcMillis('i.created_at')],
  ['decidedAt', 'plain', utcMillis('d.decided_at')],
  ['timeToDecisionMs', 'number', TIME_TO_DECISION],
  ['durationMs', 'number', 'd.duration_ms'],
  ['gold', 'raw', GOLD],
]);

/**
 * The CSV columns, in order: header name, the text of the cell (NULL for an empty cell), and whether the
 * cell may start with a formula character at all (a UUID, a formatted time, a slug or a fixed word cannot,
 * so the check is skipped for them; a confidence can be -0).
 */
export const DECISION_CSV_COLUMNS: [name: string, cell: string, mayBeFormula: boolean][] = [
  ['decisionId', 'd.id::text', false],
  ['itemId', 'i.id::text', false],
  ['externalId', 'i.external_id', true],
  ['queue', 'q.slug', false],
  ['modelName', 'i.model_name', true],
  ['modelVersion', 'i.model_version', true],
  ['confidence', 'i.confidence::text', true],
  ['reason', 'i.reason', false],
  ['verdict', 'd.verdict', false],
  ['reviewerId', 'u.id::text', false],
  ['reviewerEmail', 'u.email', true],
  ['comment', 'd.comment', true],
  ['receivedAt', utcMillis('i.created_at'), false],
  ['decidedAt', utcMillis('d.decided_at'), false],
  ['timeToDecisionMs', `${TIME_TO_DECISION}::text`, true],
  ['durationMs', 'd.duration_ms::text', true],
  ['aiOutput', 'i.output::text', true],
  ['finalOutput', 'd.output::text', true],
  ['patch', 'd.patch::text', true],
  ['gold', GOLD, false],
];

/**
 * A spreadsheet runs a cell starting with = + - @ tab or carriage return as a formula: such a cell gets a
 * leading single quote (OWASP's CSV injection advice).
 */
export const defuseFormula = (cell: string) =>
  `CASE WHEN left(${cell}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${cell} ELSE ${cell} END`;

/** The rows of a decision export: `columns` over the filtered, ordered decisions. */
export function decisionRowsSql(filters: DecisionFilters, columns: string): string {
  const where: string[] = [];
  if (filters.queueId !== undefined) where.push(`d.queue_id = ${sqlUuid(filters.queueId)}`);
  if (filters.from !== undefined) where.push(`d.decided_at >= ${sqlTimestamp(filters.from)}`);
  if (filters.to !== undefined) where.push(`d.decided_at < ${sqlTimestamp(filters.to)}`);
  if (filters.reviewerId === null) where.push('false');
  else if (filters.reviewerId !== undefined) where.push(`d.reviewer_id = ${sqlUuid(filters.reviewerId)}`);
  if (filters.verdict !== undefined) where.push(`d.verdict = ${sqlLiteral(filters.verdict)}`);
  if (filters.model !== undefined) {
    const { full, name, version } = filters.model;
    const byName = `i.model_name = ${sqlLiteral(full)}`;
    where.push(
      name === undefined || version === undefined
        ? byName
        : `(${byName} OR (i.model_name = ${sqlLiteral(name)} AND i.model_version = ${sqlLiteral(version)}))`,
    );
  }
  const direction = filters.order === 'desc' ? 'DESC' : 'ASC';
  return `SELECT ${columns}
    FROM decisions d
    JOIN items i ON i.id = d.item_id
    JOIN queues q ON q.id = i.queue_id
    LEFT JOIN users u ON u.id = d.reviewer_id
   WHERE ${where.length > 0 ? where.join(' AND ') : 'true'}
   ORDER BY d.decided_at ${direction}, d.id ${direction}${limitClause(filters.limit)}`;
}

export function limitClause(limit: number | undefined): string {
  if (limit === undefined) return '';
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error('limit must be a positive integer');
  return ` LIMIT ${limit}`;
}

/**
 * Planner settings for a decision export's transaction. The plan Postgres prefers for "every decision, in
 * time order" is hash joins and a sort: nothing reaches the client until the whole result is sorted
 * (spilled to disk, about 1.4 GB for a million rows), which a proxy's read timeout may not survive. Walking
 * the decided_at index with lookups into items streams from the first row and needs no temporary files.
 * One backend per export: parallel workers would pass every wide row through shared memory to be merged,
 * and take CPU from the review loop.
 */
export const STREAMING_PLAN = [
  'SET LOCAL enable_hashjoin = off',
  'SET LOCAL enable_mergejoin = off',
  'SET LOCAL enable_sort = off',
  'SET LOCAL max_parallel_workers_per_gather = 0',
].join('; ');

/** Wraps a one-column SELECT of JSON text so COPY sends each value verbatim, one per line. */
export function copyLines(select: string): string {
  // JSON text never holds raw control characters, so with \x01 as the quote and \x02 as the delimiter
  // no value is ever quoted or escaped.
  return `COPY (${select}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
}

/** COPY statement for the JSONL export: one object per decision, built by Postgres. */
export function decisionJsonlCopy(filters: DecisionFilters): string {
  return copyLines(decisionRowsSql(filters, DECISION_JSON));
}

/** COPY statement for the CSV export (header row, RFC 4180 quoting by Postgres). */
export function decisionCsvCopy(filters: DecisionFilters): string {
  const inner = decisionRowsSql(
    filters,
    DECISION_CSV_COLUMNS.map(([name, cell]) => `${cell} AS "${name}"`).join(', '),
  );
  // OFFSET 0 keeps the subquery from being flattened, so each cell is computed once, then defused.
  const outer = DECISION_CSV_COLUMNS.map(([name, , mayBeFormula]) =>
    mayBeFormula ? `${defuseFormula(`x."${name}"`)} AS "${name}"` : `x."${name}"`,
  );
  return `COPY (SELECT ${outer.join(', ')} FROM (${inner} OFFSET 0) x) TO STDOUT WITH (FORMAT csv, HEADER true)`;
}
