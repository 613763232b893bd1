import type { JsonValue } from '../api/types';

export type ParseResult =
  { ok: true; value: JsonValue } | { ok: false; message: string; line: number | null; column: number | null };

export function prettyJson(value: unknown): string {
  return value === undefined ? '' : (JSON.stringify(value, null, 2) ?? '');
}

/** JSON.parse with a readable message and, when the engine gives a position, its line and column. */
export function parseJson(text: string): ParseResult {
  if (text.trim() === '') return { ok: false, message: 'The output is empty.', line: null, column: null };
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    if (!position) return { ok: false, message, line: null, column: null };
    const before = text.slice(0, Number(position[1])).split('\n');
    return {
      ok: false,
      // The line and column are shown separately.
      message: message.replace(/ in JSON at position \d+( \(line \d+ column \d+\))?/, ''),
      line: before.length,
      column: (before.at(-1)?.length ?? 0) + 1,
    };
  }
}
