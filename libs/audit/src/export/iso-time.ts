const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * An ISO 8601 date or date-time as Postgres should read it, or null when it is not one. A date alone is
 * midnight UTC and a date-time without an offset is UTC, whatever the server's time zone. The result only
 * ever holds digits, `-`, `:`, `.`, `T`, `Z` and `+`, and names a real instant (no 31 February, no hour 24).
 */
export function normalizeIsoTime(value: string): string | null {
  const m = ISO_TIME.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  let zone = 'Z';
  if (offset !== 'Z') {
    const hours = offset.slice(1, 3);
    const minutes = offset.slice(3).replace(':', '') || '00';
    if (Number(hours) > 14 || Number(minutes) > 59) return null;
    zone = `${offset[0]}${hours}:${minutes}`;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone}`;
}

/** Microseconds since the epoch of a time `normalizeIsoTime` accepted, Postgres' precision. */
export function isoTimeMicros(normalized: string): bigint {
  const fraction = /\.(\d+)/.exec(normalized)?.[1] ?? '';
  const millis = Date.parse(normalized.replace(/\.\d+/, `.${fraction.slice(0, 3).padEnd(3, '0')}`));
  return BigInt(millis) * 1000n + BigInt(fraction.slice(3).padEnd(3, '0'));
}
