/**
 * JSON canonicalisation after RFC 8785 (JCS): object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings serialised as ECMAScript does. Equal JSON values give equal strings.
 *
 * It runs for every submitted item (the request hash behind idempotency), so it builds one string by
 * concatenation instead of arrays of parts.
 */
export function canonicalJson(value: unknown): string {
  return value === undefined ? 'null' : encode(value);
}

function encode(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite number in JSON');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? encodeArray(value) : encodeObject(value as Record<string, unknown>);
    default:
      return 'null';
  }
}

function encodeArray(values: unknown[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += values[i] === undefined ? 'null' : encode(values[i]);
  }
  return out + ']';
}

function encodeObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  // Array.prototype.sort without a comparator compares UTF-16 code units, as JCS requires.
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key) + ':' + encode(member);
  }
  return out + '}';
}
