import pg from 'pg';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A string as a SQL literal, for the statements that cannot take bound parameters (COPY). Quotes and
 * backslashes are doubled by pg's own escaper; characters Postgres text cannot hold, or that would cut the
 * statement short (NUL), are refused rather than escaped.
 */
export function sqlLiteral(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/\u0000/.test(value)) throw new Error('a SQL literal cannot hold NUL');
  return pg.escapeLiteral(value).trim();
}

/** A UUID as a typed literal; anything that is not a UUID throws. */
export function sqlUuid(value: string): string {
  if (!UUID.test(value)) throw new Error('not a UUID');
  return `'${value.toLowerCase()}'::uuid`;
}

/** A time `normalizeIsoTime` produced, as a timestamptz literal. */
export function sqlTimestamp(normalized: string): string {
  if (!/^[0-9T:.+Z-]+$/.test(normalized)) throw new Error('not a normalized time');
  return `${sqlLiteral(normalized)}::timestamptz`;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
