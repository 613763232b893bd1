import fastJsonPatch from 'fast-json-patch';
import { isDeepStrictEqual } from 'node:util';

/**
 * The RFC 6902 patch from one output to another. Two objects or two arrays are diffed member by member; any
 * other change (null, a scalar, an object becoming an array) replaces the whole document, whose pointer is
 * "" ("/" would name a member called "").
 */
export function patchBetween(from: unknown, to: unknown): unknown[] {
  if (containerKind(from) !== null && containerKind(from) === containerKind(to)) {
    return fastJsonPatch.compare(from as object, to as object);
  }
  return isDeepStrictEqual(from, to) ? [] : [{ op: 'replace', path: '', value: to }];
}

function containerKind(value: unknown): 'array' | 'object' | null {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' && value !== null ? 'object' : null;
}
