import { DomainError } from './domain.error.js';
import { limits } from './limits.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/**
 * Holds an already parsed JSON value to the input limits (nesting depth, string and array length) and
 * refuses keys that pollute prototypes when merged into objects, wherever they appear. For input that did
 * not come through the HTTP body parser's scan of the raw text: socket messages, which socket.io parses.
 */
export function assertJsonValue(value: unknown): void {
  walk(value, '', 0);
}

function walk(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') {
    if (value.length > limits.jsonStringLength) {
      throw DomainError.validation([
        { path, message: `a string is longer than ${limits.jsonStringLength} characters` },
      ]);
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth + 1 > limits.jsonDepth) {
    throw DomainError.validation([
      { path: '', message: `JSON is nested deeper than ${limits.jsonDepth} levels` },
    ]);
  }
  if (Array.isArray(value)) {
    if (value.length > limits.jsonArrayLength) {
      throw DomainError.validation([
        { path, message: `an array has more than ${limits.jsonArrayLength} elements` },
      ]);
    }
    value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key))
      throw DomainError.validation([{ path: at, message: `the key "${key}" is not allowed` }]);
    walk((value as Record<string, unknown>)[key], at, depth + 1);
  }
}
