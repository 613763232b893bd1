/** RFC 6901 segments of a pointer, still escaped (`~0`, `~1`), as the normalised path keeps them. */
function segments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/');
}

const unescape = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');
const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * A JSON Pointer with each array index as `*`, so `/items/3/price` and `/items/0/price` count as one field. Where `doc` says the node is an array its index becomes `*`; beyond what `doc` holds
 * (a field the reviewer added), segments that look like indexes (digits or `-`) do.
 */
export function normalizePointer(pointer: string, doc?: unknown): string {
  let node: unknown = doc;
  let known = doc !== undefined;
  const out: string[] = [];
  for (const segment of segments(pointer)) {
    if (known && Array.isArray(node)) {
      out.push('*');
      node = /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
    } else if (known && node !== null && typeof node === 'object') {
      out.push(segment);
      const key = unescape(segment);
      node = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    } else {
      known = false;
      out.push(/^(\d+|-)$/.test(segment) ? '*' : segment);
      continue;
    }
    if (node === undefined) known = false;
  }
  return out.length === 0 ? '' : `/${out.join('/')}`;
}

/** Every normalised pointer of a node inside `doc` (not the root), once each, at most `limit`. */
export function presentPaths(doc: unknown, limit = 256): string[] {
  const seen = new Set<string>();
  const walk = (node: unknown, path: string): void => {
    if (seen.size >= limit) return;
    if (Array.isArray(node)) {
      const child = `${path}/*`;
      for (const element of node) {
        if (seen.size >= limit) return;
        seen.add(child);
        walk(element, child);
      }
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (seen.size >= limit) return;
        const child = `${path}/${escape(key)}`;
        seen.add(child);
        walk(value, child);
      }
    }
  };
  walk(doc, '');
  return [...seen];
}

/** The normalised paths an RFC 6902 patch touches (`from` too, for move and copy), once each. */
export function editedPaths(patch: unknown, doc: unknown, limit = 256): string[] {
  if (!Array.isArray(patch)) return [];
  const seen = new Set<string>();
  for (const op of patch) {
    if (seen.size >= limit) break;
    if (op === null || typeof op !== 'object') continue;
    const { path, from } = op as { path?: unknown; from?: unknown };
    if (typeof path === 'string') seen.add(normalizePointer(path, doc));
    if (typeof from === 'string' && seen.size < limit) seen.add(normalizePointer(from, doc));
  }
  return [...seen];
}
