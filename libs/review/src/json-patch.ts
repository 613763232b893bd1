import fastJsonPatch from 'fast-json-patch';

/** The RFC 6902 patch from one output to another; a scalar output is wrapped so the patch replaces the root. */
export function patchBetween(from: unknown, to: unknown): unknown[] {
  return fastJsonPatch.compare(asDocument(from), asDocument(to));
}

function asDocument(value: unknown): object {
  return typeof value === 'object' && value !== null ? value : { '': value };
}
